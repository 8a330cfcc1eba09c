/// Constants both ends of the control socket agree on.
public enum ControlProtocol {
    /// The version every request carries in `"version"`. Bumped only for incompatible changes;
    /// new methods, parameters and status fields are added without a bump.
    public static let version = 1
    /// Longest request or reply line, newline excluded. A longer request is answered with
    /// `line_too_long` and the connection is closed.
    public static let maxLineBytes = 64 * 1024
    /// Intervals a `subscribe` may ask for, in seconds.
    public static let subscribeIntervals: ClosedRange<Double> = 0.05...60
}

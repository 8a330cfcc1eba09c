/// Why a line is not JSON, and where: the offset lets an operator typing requests by hand with
/// `socat` see which character the daemon stumbled on.
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Byte offset in the line, from 0.
    public let offset: Int
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte \(offset)" }
}

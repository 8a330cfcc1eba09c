import RealtimeEngine

/// One setting outside what bssd accepts, said so that whoever set it can fix it: the key as the
/// config file spells it within its section (`alpha`, `routing`, `priority`), the value as
/// given, and what would be accepted. The config file adds the section and the file name; the
/// command line and the control socket can answer with it as it is.
public struct InvalidSetting: Error, Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let value: String
    public let allowed: String

    public init(key: String, value: String, allowed: String) {
        self.key = key
        self.value = value
        self.allowed = allowed
    }

    public init(_ error: SeparatorConfigurationError) {
        self.init(key: error.key, value: error.value, allowed: error.allowed)
    }

    public var description: String { "invalid \(key) = \(value): allowed is \(allowed)" }
}

/// How much the daemon tells the journal.
public struct LogSettings: Sendable, Equatable {
    /// Severity levels, most severe first; a message is written when its level is at or above
    /// the configured one. The raw values are syslog's, which journald understands as `<N>`
    /// prefixes.
    public enum Level: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
        case error = 3, warning = 4, notice = 5, info = 6, debug = 7

        public init?(name: String) {
            guard let level = Self.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
            self = level
        }

        public var description: String {
            switch self {
            case .error: "error"
            case .warning: "warning"
            case .notice: "notice"
            case .info: "info"
            case .debug: "debug"
            }
        }

        /// More severe compares smaller, as in syslog.
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var level: Level

    public init(level: Level = .info) {
        self.level = level
    }
}

extension ConfigFileError {
    /// One problem, without the file: an `Error` itself because the TOML parse throws it before
    /// the path is attached once, at the top.
    public enum Reason: Error, Sendable, Equatable {
        /// The file could not be read (`reason` is the system's).
        case unreadable(reason: String)
        /// Not TOML; line and column are 1-based, as editors count.
        case syntax(line: Int, column: Int, message: String)
        /// A `[section]` bssd does not know, and the known one it is closest to.
        case unknownSection(String, suggestion: String?)
        /// A key bssd does not know (dotted), and the known key it is closest to.
        case unknownKey(String, suggestion: String?)
        /// A value of the wrong TOML type: a string where a number belongs, and so on.
        case wrongType(key: String, value: String, expected: String)
        /// A value of the right type outside what is allowed.
        case invalid(key: String, value: String, allowed: String)
        /// A file the config refers to (`audio.asoundrc`) could not be read; `file` is the path
        /// after resolving it against the config file's directory.
        case unreadableReference(key: String, value: String, file: String, reason: String)
        /// ALSA's own checks of a device request, which speak in sentences rather than keys.
        case rejected(String)
        /// Two keys that say the same thing (a deprecated name and its replacement); `message`
        /// names both.
        case conflict(key: String, message: String)

        /// The dotted key or section the problem is about, to sort by; nil for the whole file.
        var key: String? {
            switch self {
            case .unreadable, .syntax, .rejected: nil
            case let .unknownSection(name, _), let .unknownKey(name, _): name
            case let .wrongType(key, _, _), let .invalid(key, _, _), let .unreadableReference(key, _, _, _), let .conflict(key, _): key
            }
        }

        /// The operator's line for this problem in the file at `path`.
        func line(in path: String) -> String {
            switch self {
            case let .unreadable(reason):
                "\(path): cannot read the config file: \(reason)"
            case let .syntax(line, column, message):
                "\(path):\(line):\(column): not valid TOML: \(message)"
            case let .unknownSection(name, suggestion):
                "\(path): unknown section [\(name)]" + Self.hint(suggestion.map { "[\($0)]" })
            case let .unknownKey(key, suggestion):
                "\(path): unknown key \(key)" + Self.hint(suggestion)
            case let .wrongType(key, value, expected):
                "\(path): \(key) = \(value): expected \(expected)"
            case let .invalid(key, value, allowed):
                "\(path): \(key) = \(value) is invalid: allowed is \(allowed)"
            case let .unreadableReference(key, value, file, reason):
                "\(path): \(key) = \(value): cannot read \(file): \(reason)"
            case let .rejected(problem):
                "\(path): invalid settings: \(problem)"
            case let .conflict(_, message):
                "\(path): \(message)"
            }
        }

        var isUnreadable: Bool {
            switch self {
            case .unreadable, .unreadableReference: true
            default: false
            }
        }

        private static func hint(_ suggestion: String?) -> String {
            suggestion.map { " (did you mean \($0)?)" } ?? ""
        }
    }
}

/// A request the daemon refused or could not carry out, as it travels in an error reply:
/// a stable machine-readable `code` and a sentence for the operator.
public struct ControlError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An open set of codes (a struct, not an enum) so that a `bssctl` older than the daemon
    /// still prints a code it has never heard of instead of failing to decode the reply.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The line is not JSON (syntax error, invalid UTF-8, binary data).
        public static let parseError = Code(rawValue: "parse_error")
        /// JSON, but not a request object (missing or mistyped `id`, `version` or `method`).
        public static let invalidRequest = Code(rawValue: "invalid_request")
        public static let unknownMethod = Code(rawValue: "unknown_method")
        /// `params` missing, of the wrong type, or naming an unknown parameter.
        public static let invalidParams = Code(rawValue: "invalid_params")
        /// Well typed but outside what the daemon accepts (alpha 1.5, a route to source 9).
        public static let outOfRange = Code(rawValue: "out_of_range")
        public static let unsupportedVersion = Code(rawValue: "unsupported_version")
        /// A line longer than `ControlProtocol.maxLineBytes`; the connection is closed.
        public static let lineTooLong = Code(rawValue: "line_too_long")
        /// All client slots are taken; the connection is closed.
        public static let busy = Code(rawValue: "busy")
        /// The peer's uid/gid is not admitted; the connection is closed.
        public static let forbidden = Code(rawValue: "forbidden")
        /// No complete request within the idle timeout; the connection is closed.
        public static let timeout = Code(rawValue: "timeout")
        /// The request was valid but carrying it out failed (a file could not be written,
        /// a state file has another shape, a config does not parse).
        public static let failed = Code(rawValue: "failed")
        /// The request is valid but the daemon has nothing to answer with yet (`observe` before the
        /// engine's first snapshot); asking again later may succeed.
        public static let unavailable = Code(rawValue: "unavailable")
        /// A reply the client could not understand (client side only, never sent).
        public static let invalidReply = Code(rawValue: "invalid_reply")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    var json: JSONValue { .object(["code": .string(code.rawValue), "message": .string(message)]) }
}

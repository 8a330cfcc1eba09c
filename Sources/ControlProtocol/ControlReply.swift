/// One reply line: `{"id":…, "ok":true, "result":…}` or
/// `{"id":…, "ok":false, "error":{"code":…, "message":…}}`, either with `"warnings":[…]` when the
/// request used something deprecated.
public struct ControlReply: Sendable, Equatable {
    public var id: JSONValue
    public var outcome: Result<JSONValue, ControlError>
    /// The request's warnings (`ControlRequest.warnings`); the member is left out when empty.
    public var warnings: [String]

    public init(id: JSONValue, outcome: Result<JSONValue, ControlError>, warnings: [String] = []) {
        self.id = id
        self.outcome = outcome
        self.warnings = warnings
    }

    public var json: JSONValue {
        let notes = warnings.isEmpty ? [] : [JSONMember("warnings", .array(warnings.map(JSONValue.string)))]
        return switch outcome {
        case .success(let result): .object([JSONMember("id", id), JSONMember("ok", true), JSONMember("result", result)] + notes)
        case .failure(let error): .object([JSONMember("id", id), JSONMember("ok", false), JSONMember("error", error.json)] + notes)
        }
    }

    /// The reply as sent: JSON and a newline.
    public var line: String { json.serialized + "\n" }

    /// Reads a reply line (client side); a line that is not a reply is an `invalid_reply` error.
    public init(line: [UInt8]) throws(ControlError) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(line)
        } catch {
            throw ControlError(.invalidReply, "the daemon's reply is not JSON: \(error)")
        }
        let fields = try JSONFields(document, context: "reply", code: .invalidReply)
        let id = fields.value("id") ?? .null
        var warnings: [String] = []
        for warning in fields.value("warnings") == nil ? [] : try fields.array("warnings") {
            guard case .string(let text) = warning else { throw fields.failure("warnings", "an array of strings", got: warning) }
            warnings.append(text)
        }
        if try fields.bool("ok") {
            self.init(id: id, outcome: .success(fields.value("result") ?? .null), warnings: warnings)
        } else {
            let error = try JSONFields(try fields.required("error", "an object"), context: "reply.error", code: .invalidReply)
            self.init(
                id: id, outcome: .failure(ControlError(ControlError.Code(rawValue: try error.string("code")), try error.string("message"))),
                warnings: warnings)
        }
    }
}

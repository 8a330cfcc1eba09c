/// One reply line: `{"id":…, "ok":true, "result":…}` or
/// `{"id":…, "ok":false, "error":{"code":…, "message":…}}`.
public struct ControlReply: Sendable, Equatable {
    public var id: JSONValue
    public var outcome: Result<JSONValue, ControlError>

    public init(id: JSONValue, outcome: Result<JSONValue, ControlError>) {
        self.id = id
        self.outcome = outcome
    }

    public var json: JSONValue {
        switch outcome {
        case .success(let result): .object(["id": id, "ok": true, "result": result])
        case .failure(let error): .object(["id": id, "ok": false, "error": error.json])
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
        if try fields.bool("ok") {
            self.init(id: id, outcome: .success(fields.value("result") ?? .null))
        } else {
            let error = try JSONFields(try fields.required("error", "an object"), context: "reply.error", code: .invalidReply)
            self.init(id: id, outcome: .failure(ControlError(ControlError.Code(rawValue: try error.string("code")), try error.string("message"))))
        }
    }
}

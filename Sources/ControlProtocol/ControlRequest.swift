/// One request line: `{"id":…, "version":1, "method":"…", "params":{…}}`.
public struct ControlRequest: Sendable, Equatable {
    /// Chosen by the client (an integer or a string) and echoed in every reply to this request.
    public var id: JSONValue
    public var method: ControlMethod
    /// What the daemon accepted but the client should change (a deprecated parameter name), for
    /// the reply's `warnings`.
    public var warnings: [String]

    public init(id: JSONValue, method: ControlMethod, warnings: [String] = []) {
        self.id = id
        self.method = method
        self.warnings = warnings
    }

    /// Members a request may have; anything else is a typo worth reporting ("parmas").
    private static let members = ["id", "version", "method", "params"]
    /// Longest string id echoed back, so that a reply never outgrows the line limit because of it.
    public static let maxStringID = 256

    /// Parses one line (without its newline). Every failure carries the request's id when the
    /// line got far enough to have one, so the client can match the error to its request.
    public static func parse(_ line: [UInt8]) throws(RejectedRequest) -> ControlRequest {
        let document: JSONValue
        do {
            document = try JSONParser.parse(line)
        } catch {
            throw RejectedRequest(id: .null, error: ControlError(.parseError, "not valid JSON: \(error)"))
        }
        guard case .object(let members) = document else {
            throw RejectedRequest(id: .null, error: ControlError(.invalidRequest, "a request must be a JSON object, got \(document.typeName)"))
        }
        let id = document["id"] ?? .null
        func reject(_ code: ControlError.Code, _ message: String) -> RejectedRequest {
            RejectedRequest(id: id, error: ControlError(code, message))
        }
        switch id {
        case .integer: break
        case .string(let text) where text.utf8.count <= maxStringID: break
        default:
            throw RejectedRequest(id: .null, error: ControlError(.invalidRequest, "\"id\" must be an integer or a string of at most \(maxStringID) bytes, got \(document["id"].map(\.typeName) ?? "nothing")"))
        }
        if let unknown = members.first(where: { !Self.members.contains($0.key) }) {
            throw reject(.invalidRequest, "unknown member \"\(unknown.key.prefix(64))\"; a request has \(Self.members.joined(separator: ", "))")
        }
        guard let version = document["version"]?.intValue else {
            throw reject(.invalidRequest, "\"version\" must be the integer protocol version (\(ControlProtocol.version)), got \(document["version"].map(\.typeName) ?? "nothing")")
        }
        guard version == ControlProtocol.version else {
            throw reject(.unsupportedVersion, "protocol version \(version) is not supported; this daemon speaks version \(ControlProtocol.version)")
        }
        guard case .string(let name) = document["method"] else {
            throw reject(.invalidRequest, "\"method\" must be a string, got \(document["method"].map(\.typeName) ?? "nothing")")
        }
        do {
            var warnings: [String] = []
            let method = try ControlMethod.decode(name: name, params: document["params"], warnings: &warnings)
            return ControlRequest(id: id, method: method, warnings: warnings)
        } catch {
            throw RejectedRequest(id: id, error: error)
        }
    }

    public var json: JSONValue {
        var members = [
            JSONMember("id", id), JSONMember("version", .integer(ControlProtocol.version)),
            JSONMember("method", .string(method.name)),
        ]
        if let params = method.params { members.append(JSONMember("params", params)) }
        return .object(members)
    }

    /// The request as sent: JSON and a newline.
    public var line: String { json.serialized + "\n" }
}

/// A line that is not an acceptable request, and the id to answer it with (null when the line
/// had none that could be read).
public struct RejectedRequest: Error, Equatable, Sendable {
    public let id: JSONValue
    public let error: ControlError

    public init(id: JSONValue, error: ControlError) {
        self.id = id
        self.error = error
    }

    public var reply: ControlReply { ControlReply(id: id, outcome: .failure(error)) }
}

import EngineParameters

/// What a request asks for, with its typed params.
public enum ControlMethod: Sendable, Equatable {
    case ping
    case status
    /// One parameter, or all of them when nil.
    case get(ParameterName?)
    /// Several changes, applied together: all are checked before any takes effect.
    case set([ParameterChange])
    /// Plays `source` (nil: silence) on `channels`.
    case route(source: Int?, channels: [Int])
    /// The listener's talker on every playback channel, followed when the engine's order changes.
    case target(TargetChoice)
    /// Fresh demixing state (identity matrices, empty statistics).
    case reset
    /// Absolute path on the daemon's host.
    case saveState(path: String)
    case loadState(path: String)
    /// Status replies every `interval` seconds until the client disconnects.
    case subscribe(interval: Double)
    /// The engine's latest snapshot, summarised (`ObservationReport`).
    case observe
    case reload
    case shutdown

    /// The wire names, in the order the documentation lists them.
    public static let names = [
        "ping", "status", "get", "set", "route", "target", "reset", "save_state", "load_state", "subscribe", "observe", "reload", "shutdown",
    ]

    public static let defaultSubscribeInterval = 1.0

    public var name: String {
        switch self {
        case .ping: "ping"
        case .status: "status"
        case .get: "get"
        case .set: "set"
        case .route: "route"
        case .target: "target"
        case .reset: "reset"
        case .saveState: "save_state"
        case .loadState: "load_state"
        case .subscribe: "subscribe"
        case .observe: "observe"
        case .reload: "reload"
        case .shutdown: "shutdown"
        }
    }

    /// The method `name` with `params` (nil when the request has none).
    /// `warnings` gets a line for each deprecated parameter name the request used.
    static func decode(name: String, params: JSONValue?, warnings: inout [String]) throws(ControlError) -> ControlMethod {
        let fields = try JSONFields(params ?? .object([]), context: "params", code: .invalidParams)
        let method: ControlMethod
        var accepted: [String] = []
        switch name {
        case "ping": method = .ping
        case "status": method = .status
        case "reset": method = .reset
        case "reload": method = .reload
        case "observe": method = .observe
        case "shutdown": method = .shutdown
        case "get":
            accepted = ["name"]
            method = .get(fields.value("name") == nil ? nil : try parameterName(try fields.string("name")))
        case "set":
            accepted = fields.keys
            guard !fields.keys.isEmpty else {
                throw ControlError(.invalidParams, "set needs at least one parameter, e.g. {\"alpha\":0.98}; parameters: \(ParameterName.list)")
            }
            var changes: [ParameterChange] = []
            for key in fields.keys {
                if let sourceKey = SourceParameterKey(parsing: key) {
                    changes.append(try ParameterChange.decode(sourceKey, from: fields))
                    continue
                }
                guard ParameterName(rawValue: key) == nil, let old = EngineParameter.Deprecated(rawValue: key) else {
                    changes.append(try ParameterChange.decode(try parameterName(key, settable: true), from: fields))
                    continue
                }
                guard !fields.keys.contains(old.replacement.name) else { throw ControlError(.invalidParams, old.conflict(in: .control)) }
                let change = try ParameterChange.decode(deprecated: old, from: fields)
                changes.append(change)
                warnings.append(old.warning(try fields.string(key), in: .control))
            }
            method = .set(changes)
        case "route":
            accepted = ["source", "channels"]
            let source: Int? = try fields.required("source", "a source index or null") == .null ? nil : try fields.int("source")
            var channels: [Int] = []
            for channel in try fields.optionalInts("channels") {
                guard let channel else { throw fields.failure("channels", "an array of channel indices", got: .null) }
                channels.append(channel)
            }
            guard !channels.isEmpty else { throw ControlError(.invalidParams, "params.channels must name at least one playback channel") }
            method = .route(source: source, channels: channels)
        case "target":
            accepted = ["source"]
            let allowed = "a source index, \"next\" or null (no target)"
            switch try fields.required("source", allowed) {
            case .null: method = .target(.off)
            case .string("next"): method = .target(.next)
            case let value:
                guard let source = value.intValue else { throw fields.failure("source", allowed, got: value) }
                method = .target(.source(source))
            }
        case "save_state", "load_state":
            accepted = ["path"]
            let path = try fields.string("path")
            guard path.hasPrefix("/"), !path.utf8.contains(0) else {
                throw ControlError(.invalidParams, "params.path must be an absolute path on the daemon's host, got '\(path.prefix(256))'")
            }
            method = name == "save_state" ? .saveState(path: path) : .loadState(path: path)
        case "subscribe":
            accepted = ["interval_s"]
            let interval = fields.value("interval_s") == nil ? defaultSubscribeInterval : try fields.double("interval_s")
            guard ControlProtocol.subscribeIntervals.contains(interval) else {
                throw ControlError(.outOfRange, "params.interval_s \(interval) is outside \(ControlProtocol.subscribeIntervals.lowerBound)…\(ControlProtocol.subscribeIntervals.upperBound) seconds")
            }
            method = .subscribe(interval: interval)
        default:
            throw ControlError(.unknownMethod, "unknown method '\(name.prefix(64))'; known methods: \(names.joined(separator: ", "))")
        }
        if let unknown = fields.keys.first(where: { !accepted.contains($0) }) {
            let expected = accepted.isEmpty ? "no params" : "params \(accepted.joined(separator: ", "))"
            throw ControlError(.invalidParams, "\(name) takes \(expected); unknown param '\(unknown.prefix(64))'")
        }
        return method
    }

    /// `settable`: the refusal also lists one source's keys, which `set` takes and `get` does not.
    private static func parameterName(_ text: String, settable: Bool = false) throws(ControlError) -> ParameterName {
        guard let name = ParameterName(rawValue: text) else {
            let list = settable ? "\(ParameterName.list), \(SourceParameterKey.spelling)" : ParameterName.list
            throw ControlError(.invalidParams, "unknown parameter '\(text.prefix(64))'; parameters: \(list)")
        }
        return name
    }

    var params: JSONValue? {
        switch self {
        case .ping, .status, .reset, .reload, .shutdown, .observe: nil
        case .get(let name): name.map { .object(["name": .string($0.rawValue)]) }
        case .set(let changes): .object(changes.map { JSONMember($0.key, $0.jsonValue) })
        case .route(let source, let channels): ParameterChange.route(source: source, channels: channels).jsonValue
        case .target(let choice):
            switch choice {
            case .source(let source): .object(["source": .integer(source)])
            case .next: .object(["source": .string("next")])
            case .off: .object(["source": .null])
            }
        case .saveState(let path), .loadState(let path): .object(["path": .string(path)])
        case .subscribe(let interval): .object(["interval_s": .number(interval)])
        }
    }
}

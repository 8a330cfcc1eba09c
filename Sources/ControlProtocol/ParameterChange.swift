/// One change to a live parameter, typed. The protocol layer guarantees the type (an integer for
/// `iterations`, one of the spellings for `algorithm`); the handler checks the range against the
/// running engine (a route to a source that exists, a gain within limits) and names the
/// parameter, the value and what is allowed when it refuses.
public enum ParameterChange: Sendable, Equatable {
    case alpha(Double)
    case iterations(Int)
    case algorithm(LiveParameters.Algorithm)
    case update(LiveParameters.UpdateRule)
    /// The source model's spelling (`t:50`, `ggd:0.5`, …), parsed by the handler, which owns the
    /// model grammar.
    case model(String)
    /// A whole routing table: one entry per playback channel.
    case routing([Int?])
    /// Plays `source` (nil: silence) on each of `channels`, leaving the other channels as they are.
    case route(source: Int?, channels: [Int])
    case gainDB(Double)
    case mute(Bool)
    case bypass(Bool)

    /// The parameter it changes.
    public var name: ParameterName {
        switch self {
        case .alpha: .alpha
        case .iterations: .iterations
        case .algorithm: .algorithm
        case .update: .update
        case .model: .model
        case .routing, .route: .routing
        case .gainDB: .gainDB
        case .mute: .mute
        case .bypass: .bypass
        }
    }

    /// Reads member `name` of a `set` request's params as the change to that parameter.
    static func decode(_ name: ParameterName, from fields: JSONFields) throws(ControlError) -> ParameterChange {
        let key = name.rawValue
        func choice<T: RawRepresentable<String> & CaseIterable>(_: T.Type) throws(ControlError) -> T {
            let text = try fields.string(key)
            guard let value = T(rawValue: text) else {
                throw ControlError(.invalidParams, "\(key) '\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        switch name {
        case .alpha: return .alpha(try fields.double(key))
        case .iterations: return .iterations(try fields.int(key))
        case .algorithm: return .algorithm(try choice(LiveParameters.Algorithm.self))
        case .update: return .update(try choice(LiveParameters.UpdateRule.self))
        case .model: return .model(try fields.string(key))
        case .routing: return .routing(try fields.optionalInts(key))
        case .gainDB: return .gainDB(try fields.double(key))
        case .mute: return .mute(try fields.bool(key))
        case .bypass: return .bypass(try fields.bool(key))
        }
    }

    /// The value as `set` params carry it (`route` travels as its own request).
    var jsonValue: JSONValue {
        switch self {
        case .alpha(let value), .gainDB(let value): .number(value)
        case .iterations(let value): .integer(value)
        case .algorithm(let value): .string(value.rawValue)
        case .update(let value): .string(value.rawValue)
        case .model(let value): .string(value)
        case .routing(let routes): .array(routes.map(JSONValue.optional))
        case .route(let source, let channels): .object(["source": .optional(source), "channels": .array(channels.map(JSONValue.integer))])
        case .mute(let value), .bypass(let value): .bool(value)
        }
    }
}

public import EngineParameters

/// One change to a live parameter, typed. The protocol layer guarantees the type (an integer for
/// `iterations`, one of the spellings for `structure`); the handler checks the range against the
/// running engine (a route to a source that exists, a gain within limits) and names the
/// parameter, the value and what is allowed when it refuses.
public enum ParameterChange: Sendable, Equatable {
    case alpha(Double)
    case iterations(Int)
    case structure(SourceStructure)
    case update(LiveParameters.UpdateRule)
    /// The source density's spelling (`t:50`, `ggd:0.5`, …), parsed by the handler, which owns the
    /// density grammar.
    case density(String)
    /// The clustering family's mixture model.
    case mixture(MixtureModelKind)
    /// One source's own structure or density (`source.N.structure`, `source.N.density`), in place
    /// of the one all sources share.
    case sourceStructure(source: Int, SourceStructure)
    case sourceDensity(source: Int, String)
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
        case .structure, .sourceStructure: .structure
        case .update: .update
        case .density, .sourceDensity: .density
        case .mixture: .mixture
        case .routing, .route: .routing
        case .gainDB: .gainDB
        case .mute: .mute
        case .bypass: .bypass
        }
    }

    /// The member of `set` params that carries it: the parameter's name, or one source's key.
    public var key: String {
        switch self {
        case .sourceStructure(let source, _), .sourceDensity(let source, _):
            SourceParameterKey(source: source, parameter: name)!.text
        default: name.rawValue
        }
    }

    /// Reads member `key` of a `set` request's params as the change to one source's model.
    static func decode(_ key: SourceParameterKey, from fields: JSONFields) throws(ControlError) -> ParameterChange {
        let text = try fields.string(key.text)
        if key.parameter == .density { return .sourceDensity(source: key.source, text) }
        guard let structure = SourceStructure(rawValue: text) else {
            throw ControlError(.invalidParams, "\(key.text) '\(text.prefix(64))' is not one of \(SourceStructure.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return .sourceStructure(source: key.source, structure)
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
        case .structure: return .structure(try choice(SourceStructure.self))
        case .update: return .update(try choice(LiveParameters.UpdateRule.self))
        case .density: return .density(try fields.string(key))
        case .mixture: return .mixture(try choice(MixtureModelKind.self))
        case .routing: return .routing(try fields.optionalInts(key))
        case .gainDB: return .gainDB(try fields.double(key))
        case .mute: return .mute(try fields.bool(key))
        case .bypass: return .bypass(try fields.bool(key))
        }
    }

    /// Reads member `old` of a `set` request's params, a name an earlier release used, as the
    /// change to its replacement (`EngineParameter.Deprecated`).
    static func decode(deprecated old: EngineParameter.Deprecated, from fields: JSONFields) throws(ControlError) -> ParameterChange {
        let text = try fields.string(old.rawValue)
        switch old {
        case .algorithm:
            guard let structure = EngineParameter.Deprecated.structure(algorithm: text) else {
                throw ControlError(.invalidParams, "\(old.rawValue) '\(text)' is not one of \(old.allowed)")
            }
            return .structure(structure)
        case .model: return .density(text)
        }
    }

    /// The value as `set` params carry it (`route` travels as its own request).
    var jsonValue: JSONValue {
        switch self {
        case .alpha(let value), .gainDB(let value): .number(value)
        case .iterations(let value): .integer(value)
        case .structure(let value), .sourceStructure(_, let value): .string(value.rawValue)
        case .sourceDensity(_, let value): .string(value)
        case .update(let value): .string(value.rawValue)
        case .density(let value): .string(value)
        case .mixture(let value): .string(value.rawValue)
        case .routing(let routes): .array(routes.map(JSONValue.optional))
        case .route(let source, let channels): .object(["source": .optional(source), "channels": .array(channels.map(JSONValue.integer))])
        case .mute(let value), .bypass(let value): .bool(value)
        }
    }
}

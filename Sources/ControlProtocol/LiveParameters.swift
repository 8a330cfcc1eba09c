public import EngineParameters

/// The parameters an operator may change while the daemon runs, as the control socket reports
/// them. The daemon builds one from its live engine and output settings; the names and spellings
/// are those of the config file and `bssd separate`.
public struct LiveParameters: Sendable, Equatable {
    /// The engine's own types: the daemon copies them across without a mapping.
    public typealias UpdateRule = DemixingUpdateRule

    /// Forgetting factor per hop, in (0, 1).
    public var alpha: Double
    /// Sweeps over all sources per update, 1–16.
    public var iterations: Int
    /// Every source's model structure, unless the config gives a source its own (`StatusReport.sourceModels`).
    public var structure: SourceStructure
    public var update: UpdateRule
    /// Every source's model density as written in the config, unless a source has its own: `t:50`, `laplace`, `ggd:0.5`, `gauss`.
    public var density: String
    /// The clustering family's mixture model (kept, and unused, while the engine runs IVA).
    public var mixture: MixtureModelKind
    /// `routing[p]` is the source played on playback channel p, nil for silence.
    public var routing: [Int?]
    public var gainDB: Double
    public var mute: Bool
    public var bypass: Bool

    public init(
        alpha: Double, iterations: Int, structure: SourceStructure, update: UpdateRule, density: String,
        mixture: MixtureModelKind, routing: [Int?], gainDB: Double, mute: Bool, bypass: Bool
    ) {
        self.alpha = alpha
        self.iterations = iterations
        self.structure = structure
        self.update = update
        self.density = density
        self.mixture = mixture
        self.routing = routing
        self.gainDB = gainDB
        self.mute = mute
        self.bypass = bypass
    }

    /// The value of one parameter, as it appears in `get` replies.
    public func value(of name: ParameterName) -> JSONValue {
        switch name {
        case .alpha: .number(alpha)
        case .iterations: .integer(iterations)
        case .structure: .string(structure.rawValue)
        case .update: .string(update.rawValue)
        case .density: .string(density)
        case .mixture: .string(mixture.rawValue)
        case .routing: .array(routing.map(JSONValue.optional))
        case .gainDB: .number(gainDB)
        case .mute: .bool(mute)
        case .bypass: .bool(bypass)
        }
    }

    public var json: JSONValue {
        .object(ParameterName.allCases.map { JSONMember($0.rawValue, value(of: $0)) })
    }

    /// Reads a reply's parameters (client side); a mismatch is `invalid_reply`.
    public init(json: JSONValue) throws(ControlError) {
        let fields = try JSONFields(json, context: "parameters", code: .invalidReply)
        func choice<T: RawRepresentable<String> & CaseIterable>(_ key: String, _: T.Type) throws(ControlError) -> T {
            let text = try fields.string(key)
            guard let value = T(rawValue: text) else {
                throw ControlError(.invalidReply, "parameters.\(key) '\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        self.init(
            alpha: try fields.double("alpha"), iterations: try fields.int("iterations"),
            structure: try choice("structure", SourceStructure.self), update: try choice("update", UpdateRule.self),
            density: try fields.string("density"), mixture: try choice("mixture", MixtureModelKind.self), routing: try fields.optionalInts("routing"),
            gainDB: try fields.double("gain_db"), mute: try fields.bool("mute"), bypass: try fields.bool("bypass"))
    }
}

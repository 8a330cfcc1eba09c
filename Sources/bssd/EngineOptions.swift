import ArgumentParser
import EngineParameters
import PlainDecimal
import RealtimeEngine

/// The engine's parameters as command-line options, shared by every subcommand that runs the
/// engine. Each is optional so that only the options actually given change a configuration that
/// came from elsewhere (`bssd run --config`); the defaults shown are the engine's own
/// (`SeparatorConfiguration`), written once.
struct EngineOptions: ParsableArguments {
    private static let defaults = SeparatorConfiguration(channels: 2)

    @Option(help: help(.algorithm, default: defaults.algorithm.rawValue))
    var algorithm: SeparatorConfiguration.Algorithm?

    @Option(name: .customLong("update"), help: help(.update, default: defaults.updateRule.rawValue))
    var updateRule: SeparatorConfiguration.UpdateRule?

    @Option(help: help(.model, default: "\(defaults.model)"))
    var model: SourceModelKind?

    @Option(help: help(.frame, default: "\(defaults.frameLength)"))
    var frame: Int?

    @Option(help: help(.hop, default: "frame/4"))
    var hop: Int?

    @Option(help: help(.alpha, default: "\(defaults.forgetting)"), transform: decimalOption)
    var alpha: Double?

    @Option(help: help(.iterations, default: "\(defaults.iterations)"))
    var iterations: Int?

    @Option(help: help(.history, default: "\(defaults.history)"))
    var history: Int?

    @Option(help: help(.block, default: "\(defaults.block)"))
    var block: Int?

    @Option(help: help(.bases, default: "\(defaults.nmfBases)"))
    var bases: Int?

    @Option(name: .customLong("reference-mic"), help: help(.referenceMic, default: "\(defaults.referenceMic)"))
    var referenceMic: Int?

    @Option(help: help(.loading, default: "\(defaults.loading)"), transform: decimalOption)
    var loading: Double?

    /// An option's help: what it does and what it takes, in the words every front end uses.
    static func help(_ parameter: EngineParameter, default value: String) -> ArgumentHelp {
        ArgumentHelp("\(parameter.summary); allowed is \(parameter.allowed). (default: \(value))")
    }

    /// The defaults for `channels` microphones and `sources` outputs, with the options given.
    func configuration(channels: Int, sources: Int? = nil) -> SeparatorConfiguration {
        var configuration = SeparatorConfiguration(channels: channels, sources: sources)
        apply(to: &configuration)
        return configuration
    }

    /// Overrides the settings whose option was given. A new --frame without --hop brings the hop
    /// to frame/4, as it would be without a base configuration.
    func apply(to configuration: inout SeparatorConfiguration) {
        if let algorithm { configuration.algorithm = algorithm }
        if let updateRule { configuration.updateRule = updateRule }
        if let model { configuration.model = model }
        if let frame { configuration.frameLength = frame }
        if let hop = hop ?? frame.map({ $0 / 4 }) { configuration.hop = hop }
        if let alpha { configuration.forgetting = alpha }
        if let iterations { configuration.iterations = iterations }
        if let history { configuration.history = history }
        if let block { configuration.block = block }
        if let bases { configuration.nmfBases = bases }
        if let referenceMic { configuration.referenceMic = referenceMic }
        if let loading { configuration.loading = loading }
    }
}

extension SeparatorConfiguration.Algorithm: ExpressibleByArgument {}
extension SeparatorConfiguration.UpdateRule: ExpressibleByArgument {}

/// A number option's value, a plain decimal only: ArgumentParser's own `Double` parsing is
/// strtod's, which also takes hex floats, `inf` and `nan`.
func decimalOption(_ text: String) throws -> Double {
    guard let value = Double(plainDecimal: text) else {
        throw ValidationError("'\(text)' is not a decimal number; write it like 0.97, 4 or 1e-3")
    }
    return value
}

extension SourceModelKind: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(parsing: argument)
    }
}

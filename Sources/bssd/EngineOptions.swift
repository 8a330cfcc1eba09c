import ArgumentParser
import EngineParameters
import Foundation
import PlainDecimal
import RealtimeEngine

/// The engine's parameters as command-line options, shared by every subcommand that runs the
/// engine. Each is optional so that only the options actually given change a configuration that
/// came from elsewhere (`bssd run --config`); the defaults shown are the engine's own
/// (`SeparatorConfiguration`), written once.
struct EngineOptions: ParsableArguments {
    private static let defaults = SeparatorConfiguration(channels: 2)

    @Option(help: help(.structure, default: defaults.structure.rawValue))
    var structure: SourceStructure?

    @Option(name: .customLong("update"), help: help(.update, default: defaults.updateRule.rawValue))
    var updateRule: SeparatorConfiguration.UpdateRule?

    @Option(help: help(.density, default: "\(defaults.density)"))
    var density: SourceDensityKind?

    @Option(
        name: .customLong(String(EngineParameter.sourceFlag.dropFirst(2))),
        help: ArgumentHelp("One source's own model, over --structure and --density (repeatable); allowed is \(EngineParameter.sourceAllowed).", valueName: "N=STRUCTURE/DENSITY"))
    var source: [SourceModelOption] = []

    @Option(help: deprecatedHelp(.algorithm))
    var algorithm: String?

    @Option(help: deprecatedHelp(.model))
    var model: String?

    @Option(help: help(.frame, default: "\(defaults.frameLength)"))
    var frame: Int?

    @Option(help: help(.hop, default: "frame/4"))
    var hop: Int?

    @Option(help: help(.alpha, default: SeparatorConfiguration.defaultForgettingDescription), transform: decimalOption)
    var alpha: Double?

    @Option(help: help(.iterations, default: "\(defaults.iterations)"))
    var iterations: Int?

    @Option(help: help(.history, default: SeparatorConfiguration.defaultHistoryDescription))
    var history: Int?

    @Option(help: help(.block, default: "\(defaults.block)"))
    var block: Int?

    @Option(help: help(.bases, default: "\(defaults.nmfBases)"))
    var bases: Int?

    @Option(help: help(.groups, default: "\(defaults.groups)"))
    var groups: Int?

    @Option(name: .customLong("reference-mic"), help: help(.referenceMic, default: "\(defaults.referenceMic)"))
    var referenceMic: Int?

    @Option(help: help(.loading, default: "\(defaults.loading)"), transform: decimalOption)
    var loading: Double?

    @Option(help: help(.family, default: defaults.family.rawValue))
    var family: SeparationFamilyKind?

    @Option(help: help(.mixture, default: defaults.mixture.rawValue))
    var mixture: MixtureModelKind?

    @Option(name: .customLong("max-delay"), help: help(.maxDelay, default: "\(defaults.maxDelay)"), transform: decimalOption)
    var maxDelay: Double?

    @Option(name: .customLong("mask-floor"), help: help(.maskFloor, default: "\(defaults.maskFloor)"), transform: decimalOption)
    var maskFloor: Double?

    @Option(help: help(.clusters, default: "\(defaults.clusters), one per source"))
    var clusters: Int?

    @Option(name: .customLong("nmf-bases"), help: help(.clusterBases, default: "\(defaults.clusterBases)"))
    var clusterBases: Int?

    /// Checks the deprecated options once, when the command line is parsed: a value they cannot
    /// take, or one given with its replacement, is a usage error; otherwise a warning on stderr.
    func validate() throws {
        let given = [
            (Deprecated.algorithm, algorithm, structure != nil, oldStructure != nil), (.model, model, density != nil, oldDensity != nil),
        ]
        for (old, value, replacementGiven, understood) in given {
            guard let value else { continue }
            guard !replacementGiven else { throw ValidationError(old.conflict(in: .commandLine)) }
            guard understood else {
                throw ValidationError("\(old.spelling(in: .commandLine)) cannot be '\(value)': allowed is \(old.allowed)")
            }
            FileHandle.standardError.write(Data("bssd: warning: \(old.warning(value, in: .commandLine))\n".utf8))
        }
    }

    typealias Deprecated = EngineParameter.Deprecated

    /// What --algorithm and --model say, in the new terms; nil when not given or not understood.
    private var oldStructure: SourceStructure? { algorithm.flatMap(Deprecated.structure(algorithm:)) }
    private var oldDensity: SourceDensityKind? { model.flatMap(SourceDensityKind.init(parsing:)) }

    /// A deprecated option's help: what replaces it.
    static func deprecatedHelp(_ old: Deprecated) -> ArgumentHelp {
        ArgumentHelp("Deprecated, removed in the next release: use \(old.replacement.flag); allowed is \(old.allowed).")
    }

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
        // validate() has refused an old option that does not translate or comes with its new one.
        if let structure = structure ?? oldStructure { configuration.structure = structure }
        if let updateRule { configuration.updateRule = updateRule }
        if let density = density ?? oldDensity { configuration.density = density }
        for option in source {
            if let structure = option.override.structure { configuration.overrides[option.source].structure = structure }
            if let density = option.override.density { configuration.overrides[option.source].density = density }
        }
        if let frame { configuration.frameLength = frame }
        if let hop = hop ?? frame.map({ $0 / 4 }) { configuration.hop = hop }
        // A family without --alpha brings its own default, as --channels brings its history's.
        if let family {
            configuration.family = family
            configuration.forgetting = SeparatorConfiguration.defaultForgetting(family: family)
        }
        if let alpha { configuration.forgetting = alpha }
        if let iterations { configuration.iterations = iterations }
        if let history { configuration.history = history }
        if let block { configuration.block = block }
        if let bases { configuration.nmfBases = bases }
        if let groups { configuration.groups = groups }
        if let referenceMic { configuration.referenceMic = referenceMic }
        if let loading { configuration.loading = loading }
        if let mixture { configuration.mixture = mixture }
        if let maxDelay { configuration.maxDelay = maxDelay }
        if let maskFloor { configuration.maskFloor = maskFloor }
        if let clusters { configuration.clusters = clusters }
        if let clusterBases { configuration.clusterBases = clusterBases }
    }
}

extension SourceStructure: ExpressibleByArgument {}
extension SeparationFamilyKind: ExpressibleByArgument {}
extension MixtureModelKind: ExpressibleByArgument {}
extension SeparatorConfiguration.UpdateRule: ExpressibleByArgument {}

/// A number option's value, a plain decimal only: ArgumentParser's own `Double` parsing is
/// strtod's, which also takes hex floats, `inf` and `nan`.
func decimalOption(_ text: String) throws -> Double {
    guard let value = Double(plainDecimal: text) else {
        throw ValidationError("'\(text)' is not a decimal number; write it like 0.97, 4 or 1e-3")
    }
    return value
}

extension SourceDensityKind: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(parsing: argument)
    }
}

/// `--source 1=lowrank/gauss`: one source's structure, density or both (`1=lowrank`, `1=/gauss`).
struct SourceModelOption: ExpressibleByArgument {
    let source: Int
    let override: SourceModelOverrides.Override

    init?(argument: String) {
        let sides = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard sides.count == 2, let source = Int(sides[0]), String(source) == sides[0],
              (0..<SourceModelOverrides.capacity).contains(source) else { return nil }
        let halves = sides[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var override = SourceModelOverrides.Override()
        if let structure = halves.first, !structure.isEmpty {
            guard let value = SourceStructure(rawValue: structure.lowercased()) else { return nil }
            override.structure = value
        }
        if halves.count == 2 {
            guard let density = SourceDensityKind(parsing: halves[1]) else { return nil }
            override.density = density
        }
        guard !override.isEmpty else { return nil }
        self.source = source
        self.override = override
    }
}

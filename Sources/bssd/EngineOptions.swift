import ArgumentParser
import RealtimeEngine

/// The engine's parameters as command-line options, shared by every subcommand that runs the
/// engine; defaults are the engine's own (`SeparatorConfiguration`), so they are written once.
struct EngineOptions: ParsableArguments {
    private static let defaults = SeparatorConfiguration(channels: 2)

    @Option(help: "Separation algorithm: iva (one density per source) or ilrma (adds a low-rank NMF spectrogram model).")
    var algorithm: SeparatorConfiguration.Algorithm = defaults.algorithm

    @Option(name: .customLong("update"), help: "Demixing update rule: ip (iterative projection) or iss (iterative source steering).")
    var updateRule: SeparatorConfiguration.UpdateRule = defaults.updateRule

    @Option(help: "Source density: \(SourceModelKind.spellings).")
    var model: SourceModelKind = defaults.model

    @Option(help: "STFT frame length in samples (256…8192, power of two); longer separates reverberant rooms better but adds latency.")
    var frame: Int = defaults.frameLength

    @Option(help: "STFT hop in samples: frame/2, frame/4 or frame/8 (default frame/4).")
    var hop: Int?

    @Option(help: "Forgetting factor per hop (0 < α < 1); the memory is about hop/(1−α) samples.")
    var alpha: Double = defaults.forgetting

    @Option(help: "Sweeps over all sources per update.")
    var iterations: Int = defaults.iterations

    @Option(help: "Frames of history re-weighted at every update (1 = textbook online recursion).")
    var history: Int = defaults.history

    @Option(help: "Frames between updates (block-online).")
    var block: Int = defaults.block

    @Option(help: "NMF bases per source (ilrma).")
    var bases: Int = defaults.nmfBases

    @Option(name: .customLong("reference-mic"), help: "Microphone whose image of each source the outputs reproduce.")
    var referenceMic: Int = defaults.referenceMic

    @Option(help: "Diagonal loading of the weighted covariances, relative to their mean diagonal.")
    var loading: Double = defaults.loading

    /// The configuration for `channels` microphones and `sources` outputs.
    func configuration(channels: Int, sources: Int? = nil) -> SeparatorConfiguration {
        var configuration = SeparatorConfiguration(channels: channels, sources: sources)
        configuration.algorithm = algorithm
        configuration.updateRule = updateRule
        configuration.model = model
        configuration.frameLength = frame
        configuration.hop = hop ?? frame / 4
        configuration.forgetting = alpha
        configuration.iterations = iterations
        configuration.history = history
        configuration.block = block
        configuration.nmfBases = bases
        configuration.referenceMic = referenceMic
        configuration.loading = loading
        return configuration
    }
}

extension SeparatorConfiguration.Algorithm: ExpressibleByArgument {}
extension SeparatorConfiguration.UpdateRule: ExpressibleByArgument {}

extension SourceModelKind: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(parsing: argument)
    }
}

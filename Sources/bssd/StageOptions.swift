import ArgumentParser
import RealtimeEngine

/// The output stage as command-line options, for `bssd run` and `bssd separate`. Each is optional
/// so that only the options given change what a config file set; the defaults shown are
/// `OutputStageSettings`'s.
struct StageOptions: ParsableArguments {
    private static let defaults = OutputStageSettings()

    @Option(help: "Output stage: stft (STFT resynthesis, best separation, frame − hop of latency) or fir (FIR filters rendered from the learnt ones, a few milliseconds of latency for hearing-aid use). (default: \(defaults.kind.rawValue))")
    var stage: OutputStageKind?

    @Option(name: .customLong("fir-taps"), help: "FIR stage: filter length in samples, a power of two up to the STFT frame. (default: \(defaults.firTaps))")
    var firTaps: Int?

    @Option(name: .customLong("fir-delay"), help: "FIR stage: taps before each filter's zero lag, the stage's delay in samples. (default: \(defaults.firDelay))")
    var firDelay: Int?

    @Option(help: "FIR stage: samples over which new filters fade in. (default: \(defaults.crossfade))")
    var crossfade: Int?

    @Option(name: .customLong("fir-fit"), help: "FIR stage: steps fitting the FIR filters to the microphones' covariance (0 cuts the learnt filters instead). (default: \(defaults.firFit))")
    var firFit: Int?

    @Option(name: .customLong("fir-warmup"), help: "FIR stage: estimator hops after a start or reset over which the output blends from the reference microphone to the filters (0: none). (default: \(defaults.firWarmUp))")
    var firWarmUp: Int?

    func apply(to settings: inout OutputStageSettings) {
        if let stage { settings.kind = stage }
        if let firTaps { settings.firTaps = firTaps }
        if let firDelay { settings.firDelay = firDelay }
        if let crossfade { settings.crossfade = crossfade }
        if let firFit { settings.firFit = firFit }
        if let firWarmUp { settings.firWarmUp = firWarmUp }
    }
}

extension OutputStageKind: ExpressibleByArgument {}

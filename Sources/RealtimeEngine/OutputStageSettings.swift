/// Which output stage an engine renders with, and the FIR stage's shape: a value the daemon's
/// `[output]` section, `bssd run` and `bssd separate` fill in and `validate(for:)` checks.
/// Everything here sizes the stage's buffers, so a change needs a new engine.
public struct OutputStageSettings: Sendable, Equatable {
    public var kind: OutputStageKind = .stft
    /// FIR: filter length in samples (L), fitted to the learnt per-bin filters: 2048 (128 ms at
    /// 16 kHz) separated better than 1024 on the dev corpus and its validation splits
    /// (docs/hearing-aid.md).
    public var firTaps: Int = 2048
    /// FIR: taps before each filter's zero lag (D), the stage's algorithmic delay. Demixing filters
    /// have a non-causal part; what lies beyond D is cut, which costs separation (`docs/hearing-aid.md`).
    public var firDelay: Int = 64
    /// FIR: samples per block (B) of the partitioned convolution: the ALSA period in the daemon.
    public var firBlock: Int = 32
    /// FIR: samples over which a new filter bank is faded in, so a swap never clicks.
    public var crossfade: Int = 256
    /// FIR: gradient steps that fit each FIR to the microphones' covariance instead of cutting the
    /// learnt response (`FIRDesigner`); 0 cuts.
    public var firFit: Int = 8
    /// FIR: estimator hops after a start or a reset over which the output blends from the reference
    /// microphone to the filters (16: 1 s at the 16 kHz defaults); 0 plays the filters at once.
    public var firWarmUp: Int = 16

    public init(kind: OutputStageKind = .stft) {
        self.kind = kind
    }

    /// The FIR stage's limits: taps and blocks are powers of two (the partitions tile the filter
    /// and the FFT stays fast), a block no longer than the estimator's hop (which it divides) nor
    /// the filter, a delay inside the filter and within half the STFT frame (the span a per-bin
    /// filter's non-causal part can reach).
    public static let firTapRange = 64...8192
    public static let firBlockRange = 8...1024
    public static let crossfadeRange = 0...16384
    public static let firFitRange = 0...64
    public static let firWarmUpRange = 0...1000

    /// Checks the FIR shape against `engine` (an STFT stage ignores it); names the setting, the
    /// value and what is allowed.
    public func validate(for engine: SeparatorConfiguration) throws(SeparatorConfigurationError) {
        guard kind == .fir else { return }
        func powerOfTwo(_ n: Int) -> Bool { n > 0 && n & (n - 1) == 0 }
        guard Self.firTapRange.contains(firTaps), powerOfTwo(firTaps), firTaps <= engine.frameLength else {
            throw SeparatorConfigurationError(
                key: "fir_taps", value: "\(firTaps)",
                allowed: "a power of two from \(Self.firTapRange.lowerBound) to the STFT frame (\(engine.frameLength))")
        }
        guard Self.firBlockRange.contains(firBlock), powerOfTwo(firBlock), firBlock <= engine.hop, firBlock <= firTaps else {
            throw SeparatorConfigurationError(
                key: "fir_block", value: "\(firBlock)",
                allowed: "a power of two from \(Self.firBlockRange.lowerBound) to the hop (\(engine.hop)) and the taps (\(firTaps)); in the daemon it is the ALSA period")
        }
        guard (0..<firTaps).contains(firDelay), firDelay <= engine.frameLength / 2 else {
            throw SeparatorConfigurationError(
                key: "fir_delay", value: "\(firDelay)",
                allowed: "0 to \(min(firTaps - 1, engine.frameLength / 2)) taps (less than fir_taps, at most half the STFT frame)")
        }
        guard Self.firFitRange.contains(firFit) else {
            throw SeparatorConfigurationError(
                key: "fir_fit", value: "\(firFit)",
                allowed: "\(Self.firFitRange.lowerBound) to \(Self.firFitRange.upperBound) fitting steps per design (0: cut the learnt filters)")
        }
        guard Self.firWarmUpRange.contains(firWarmUp) else {
            throw SeparatorConfigurationError(
                key: "fir_warmup", value: "\(firWarmUp)",
                allowed: "\(Self.firWarmUpRange.lowerBound) to \(Self.firWarmUpRange.upperBound) hops (0: no blend from the reference microphone)")
        }
        guard Self.crossfadeRange.contains(crossfade) else {
            throw SeparatorConfigurationError(
                key: "crossfade", value: "\(crossfade)",
                allowed: "\(Self.crossfadeRange.lowerBound) to \(Self.crossfadeRange.upperBound) samples")
        }
    }

    /// The stage's delay from an input sample to the output sample it becomes, known before an
    /// engine exists (the daemon's status while no pipeline runs): the same figure its instance
    /// reports.
    public func latency(for engine: SeparatorConfiguration) -> Int {
        switch kind {
        case .stft: STFTResynthesis<Float>.latency(frameLength: engine.frameLength, hop: engine.hop)
        case .fir: firDelay
        }
    }

    /// The stage in a phrase, for logs and `--check`.
    public var summary: String {
        switch kind {
        case .stft: "output stage stft"
        case .fir: "output stage fir: \(firTaps) taps, \(firDelay) before the zero lag, block \(firBlock), crossfade \(crossfade), \(firFit) fitting steps, warm-up \(firWarmUp) hops"
        }
    }

    /// Frames per engine call: the STFT's hop, or the FIR block.
    public func blockSize(for engine: SeparatorConfiguration) -> Int {
        kind == .fir ? firBlock : engine.hop
    }
}

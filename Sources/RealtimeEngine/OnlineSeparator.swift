/// Block-online blind source separation of an M-microphone stream into K sources: the engine the
/// daemon runs on its processing thread and `bssd separate` runs over files.
///
/// Each hop: STFT of the new samples → the frame joins the re-iterated history → every `block`
/// frames, `iterations` sweeps of (weights from the source model → weighted covariances →
/// IP/ISS update of W) → demixing of the new frame, projection back, ISTFT. Everything is
/// allocated in `init`; `process` neither allocates nor locks, so it is safe on a real-time thread.
/// One instance is used from one thread at a time.
public final class OnlineSeparator<T: EngineScalar> {
    public let configuration: SeparatorConfiguration
    public let channels: Int
    public let sources: Int
    public let hop: Int
    public let bins: Int
    public private(set) var statistics = SeparatorStatistics()

    private let analyzer: STFTAnalyzer<T>
    private let synthesizer: STFTSynthesizer<T>
    private let history: FrameHistory<T>
    private let covariances: WeightedCovariances<T>
    private let demixing: DemixingMatrices<T>
    private let update: DemixingUpdate<T>
    private let model: SourceModel<T>
    private let forgetting: T
    private let loading: T
    /// α^i for i = 0…R: the coefficient of a history frame of age i.
    private let forgettingPowers: EngineBuffer<T>
    private let input: EngineBuffer<T>
    private let frameRe: EngineBuffer<T>, frameIm: EngineBuffer<T>
    private let outRe: EngineBuffer<T>, outIm: EngineBuffer<T>
    private let power: EngineBuffer<T>
    /// φ of every history slot, `(slot * K + k) * F + f`.
    private let weights: EngineBuffer<T>
    private var framesSinceUpdate = 0

    public init(configuration: SeparatorConfiguration) throws(SeparatorConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        channels = configuration.channels
        sources = configuration.sources
        hop = configuration.hop
        bins = configuration.frameLength / 2 + 1
        do {
            analyzer = try STFTAnalyzer(frameLength: configuration.frameLength, hop: hop, channels: channels)
            synthesizer = try STFTSynthesizer(frameLength: configuration.frameLength, hop: hop, channels: sources)
        } catch {
            throw SeparatorConfigurationError(key: "frame", value: "\(configuration.frameLength)/\(hop)", allowed: "\(error)")
        }
        let R = configuration.history
        history = FrameHistory(capacity: R, channels: channels, bins: bins)
        covariances = WeightedCovariances(sources: sources, channels: channels, bins: bins)
        demixing = DemixingMatrices(channels: channels, bins: bins)
        update = DemixingUpdate(channels: channels, bins: bins)
        let density = SourceDensity(configuration.model)
        switch configuration.algorithm {
        case .iva:
            model = .spherical(SphericalVarianceModel(density: density, sources: sources, bins: bins))
        case .ilrma:
            model = .lowRank(LowRankVarianceModel(
                density: density, sources: sources, bins: bins, bases: configuration.nmfBases,
                historySlots: R, forgetting: configuration.forgetting))
        }
        forgetting = T(configuration.forgetting)
        loading = T(configuration.loading)
        forgettingPowers = EngineBuffer(R + 1)
        for i in 0...R { forgettingPowers.pointer[i] = T(Double.pow(configuration.forgetting, Double(i))) }
        input = EngineBuffer(hop * channels)
        frameRe = EngineBuffer(channels * bins); frameIm = EngineBuffer(channels * bins)
        outRe = EngineBuffer(channels * bins); outIm = EngineBuffer(channels * bins)
        power = EngineBuffer(sources * bins)
        weights = EngineBuffer(R * sources * bins)
    }

    /// Delay from an input sample to the output sample it becomes.
    public var latency: Int { configuration.latencySamples }

    /// Consumes `hop` interleaved M-channel frames and writes `hop` interleaved K-channel frames.
    /// Non-finite input samples are replaced by silence (and counted) so the state stays finite.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func process(input samples: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        let x = input.pointer
        var nonFinite = 0
        for i in 0..<(hop &* channels) {
            let value = samples[i]
            if value.isFinite {
                x[i] = value
            } else {
                x[i] = 0
                nonFinite &+= 1
            }
        }
        statistics.nonFiniteSamples &+= nonFinite
        analyzer.analyze(interleaved: x, re: frameRe.pointer, im: frameIm.pointer)
        ingestFrame()
        framesSinceUpdate &+= 1
        if framesSinceUpdate >= configuration.block {
            framesSinceUpdate = 0
            updateDemixing()
        }
        applyCurrentFilters(re: frameRe.pointer, im: frameIm.pointer, outRe: outRe.pointer, outIm: outIm.pointer)
        synthesizer.synthesize(re: outRe.pointer, im: outIm.pointer, interleaved: output)
        statistics.frames &+= 1
        statistics.binResets = update.binResets
        statistics.singularSolves = update.singularSolves
    }

    /// Applies the demixing and projection back of the latest frame to another planar M×F
    /// spectrum, writing planar K×F. Tests use it to pass each source image through exactly the
    /// filters the mixture saw, which measures separation without any BSS Eval approximation.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func applyCurrentFilters(
        re: UnsafePointer<T>, im: UnsafePointer<T>, outRe: UnsafeMutablePointer<T>, outIm: UnsafeMutablePointer<T>
    ) {
        demixing.demix(re: re, im: im, intoRe: outRe, intoIm: outIm)
        demixing.scale(re: outRe, im: outIm)
    }

    /// Forgets everything learnt: identity demixing, empty statistics, fresh STFT state.
    public func reset() {
        analyzer.reset()
        synthesizer.reset()
        history.reset()
        covariances.reset()
        demixing.reset()
        model.reset()
        weights.zero()
        update.resetCounters()
        framesSinceUpdate = 0
        statistics = SeparatorStatistics()
    }

    private func ingestFrame() {
        let retiring = history.retiringSlot
        let coefficient = forgettingPowers.pointer[configuration.history]
        covariances.advance(forgetting: forgetting, retiring: retiring, coefficient: coefficient,
                            weights: weights.pointer, history: history)
        model.advance(retiring: retiring, coefficient: coefficient)
        history.push(re: frameRe.pointer, im: frameIm.pointer)
    }

    private func updateDemixing() {
        let F = bins, K = sources, M = channels
        let yr = outRe.pointer, yi = outIm.pointer, p = power.pointer
        for iteration in 0..<configuration.iterations {
            for i in 0..<history.count {
                let slot = history.order[i]
                let offset = slot &* M &* F
                demixing.demix(re: history.spectrumRe.pointer + offset, im: history.spectrumIm.pointer + offset,
                               intoRe: yr, intoIm: yi)
                for j in 0..<(K &* F) { p[j] = yr[j] * yr[j] + yi[j] * yi[j] }
                let fresh = iteration == 0 && history.fresh[slot]
                model.computeWeights(power: p, slot: slot, fresh: fresh, weights: weights.pointer + slot &* K &* F)
                history.fresh[slot] = false
            }
            model.finishSweep(historySlots: history.order, slotCount: history.count, coefficients: forgettingPowers.pointer)
            covariances.rebuild(history: history, weights: weights.pointer, coefficients: forgettingPowers.pointer, loading: loading)
            update.sweep(rule: configuration.updateRule, demixing: demixing, covariances: covariances)
        }
        demixing.updateScales(reference: configuration.referenceMic)
    }
}

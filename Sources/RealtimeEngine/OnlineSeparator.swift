/// Block-online blind source separation of an M-microphone stream into K sources: the engine the
/// daemon runs on its processing thread and `bssd separate` runs over files.
///
/// Each hop: STFT of the new samples → the frame joins the re-iterated history → every `block`
/// frames, `iterations` sweeps of (weights from the source model → weighted covariances →
/// IP/ISS update of W) → demixing of the new frame, projection back, ISTFT. Everything is
/// allocated in `init`; `process` neither allocates nor locks, so it is safe on a real-time thread.
/// One instance is used from one thread at a time.
///
/// The control plane changes the live parameters with `apply` (OnlineSeparator+LiveChanges.swift)
/// and saves and restores the learnt state with `copyState`/`loadState`
/// (OnlineSeparator+State.swift); both run on the processing thread between two `process` calls.
public final class OnlineSeparator<T: EngineScalar> {
    /// The settings in force: `apply` and `loadState` change its live fields, never its shape.
    public internal(set) var configuration: SeparatorConfiguration
    public let channels: Int
    public let sources: Int
    public let hop: Int
    public let bins: Int
    public internal(set) var statistics = SeparatorStatistics()

    let analyzer: STFTAnalyzer<T>
    let synthesizer: STFTSynthesizer<T>
    let history: FrameHistory<T>
    let covariances: WeightedCovariances<T>
    /// The mixture's covariance, for the background of W when K < M; nil when K = M.
    let mixture: MixtureCovariance<T>?
    let demixing: DemixingMatrices<T>
    let update: DemixingUpdate<T>
    /// Each source's average spectrum, which both structure models whiten by.
    let envelope: SpectralEnvelope<T>
    /// Both structure models exist whatever the algorithm, so that `apply` can switch between
    /// IVA and ILRMA without allocating; `model` is the one in use.
    let spherical: SphericalVarianceModel<T>
    let lowRank: LowRankVarianceModel<T>
    var model: SourceModel<T>
    /// α^i for i = 0…R: the coefficient of a history frame of age i.
    let forgettingPowers: EngineBuffer<T>
    private let input: EngineBuffer<T>
    private let frameRe: EngineBuffer<T>, frameIm: EngineBuffer<T>
    let outRe: EngineBuffer<T>, outIm: EngineBuffer<T>
    let power: EngineBuffer<T>
    /// Σ c φ under the new and the old density, planar K×F, when `apply` changes the density.
    let newWeightSums: EngineBuffer<T>, oldWeightSums: EngineBuffer<T>
    /// φ of every history slot, `(slot * K + k) * F + f`: state, since a retiring slot joins the
    /// covariances' past with its last weights.
    let weights: EngineBuffer<T>
    var framesSinceUpdate = 0
    /// Scalars and integers in a `SeparatorState` of this engine (a measuring `transferState`).
    private(set) var stateSize = (scalars: 0, integers: 0)

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
        mixture = sources < channels ? MixtureCovariance(channels: channels, bins: bins) : nil
        demixing = DemixingMatrices(channels: channels, sources: sources, bins: bins)
        update = DemixingUpdate(channels: channels, sources: sources, bins: bins, mixture: mixture)
        envelope = SpectralEnvelope(sources: sources, bins: bins)
        let density = SourceDensity(configuration.model)
        spherical = SphericalVarianceModel(density: density, envelope: envelope)
        lowRank = LowRankVarianceModel(density: density, envelope: envelope, bases: configuration.nmfBases,
                                       historySlots: R, forgetting: configuration.forgetting)
        model = .spherical(spherical)
        forgettingPowers = EngineBuffer(R + 1)
        input = EngineBuffer(hop * channels)
        frameRe = EngineBuffer(channels * bins); frameIm = EngineBuffer(channels * bins)
        outRe = EngineBuffer(sources * bins); outIm = EngineBuffer(sources * bins)
        power = EngineBuffer(sources * bins)
        newWeightSums = EngineBuffer(sources * bins); oldWeightSums = EngineBuffer(sources * bins)
        weights = EngineBuffer(R * sources * bins)
        adoptLiveParameters(of: configuration)
        var measure = StateTransfer<T>.measuring
        transferState(&measure)
        stateSize = (measure.scalarCount, measure.integerCount)
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

    /// Forgets everything learnt: identity demixing, empty statistics, fresh STFT state. Live
    /// parameters set by `apply` stay.
    public func reset() {
        analyzer.reset()
        synthesizer.reset()
        history.reset()
        covariances.reset()
        mixture?.reset()
        demixing.reset()
        envelope.reset()
        spherical.reset()
        lowRank.reset()
        weights.zero()
        update.resetCounters()
        framesSinceUpdate = 0
        statistics = SeparatorStatistics()
    }

    private func ingestFrame() {
        let retiring = history.retiringSlot
        let coefficient = forgettingPowers.pointer[configuration.history]
        covariances.advance(forgetting: forgettingPowers.pointer[1], retiring: retiring, coefficient: coefficient,
                            weights: weights.pointer, history: history)
        model.advance(retiring: retiring, coefficient: coefficient)
        history.push(re: frameRe.pointer, im: frameIm.pointer)
        mixture?.accumulate(re: frameRe.pointer, im: frameIm.pointer, forgetting: forgettingPowers.pointer[1])
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
            covariances.rebuild(history: history, weights: weights.pointer, coefficients: forgettingPowers.pointer,
                                loading: T(configuration.loading))
            update.sweep(rule: configuration.updateRule, demixing: demixing, covariances: covariances)
        }
        demixing.updateScales(reference: configuration.referenceMic)
    }
}

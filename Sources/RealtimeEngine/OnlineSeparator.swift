import EngineParameters
/// Block-online blind source separation of an M-microphone stream into K sources: the engine the
/// daemon runs on its processing thread and `bssd separate` runs over files.
///
/// Each hop: non-finite input samples → silence (counted); STFT analysis; the separation family
/// learns from the frame and publishes its filters when they change (`FilterExchange`); the output
/// stage renders the hop through the latest filters. The family and the stage are chosen once, at
/// `init`, and dispatched once per hop; their per-bin loops are concrete, specialised types.
/// Everything is allocated in `init`; `process` neither allocates nor locks, so it is safe on a
/// real-time thread. One instance is used from one thread at a time, except for the observation
/// tap's reader side.
///
/// The control plane changes the live parameters with `apply` (OnlineSeparator+LiveChanges.swift)
/// and saves and restores the learnt state with `copyState`/`loadState`
/// (OnlineSeparator+State.swift); both run on the processing thread between two `process` calls.
/// Observers on any other thread read snapshots of its work (`makeObservation`,
/// `latestObservation(into:)`: OnlineSeparator+Observation.swift), concurrently with `process`.
public final class OnlineSeparator<T: EngineScalar> {
    /// The families an engine can run (`SeparationFamilyKind`), dispatched once per hop.
    enum Family {
        case iva(OnlineIVA<T>)
        case clustering(DirectionClustering<T>)

        init(_ kind: SeparationFamilyKind, configuration: SeparatorConfiguration, structures: SourceStructureRegistry<T>) {
            switch kind {
            case .iva: self = .iva(OnlineIVA(configuration: configuration, structures: structures))
            case .clustering: self = .clustering(DirectionClustering(configuration: configuration))
            }
        }

        /// Whether its observations carry masks (`SeparationFamily.producesMasks`).
        var producesMasks: Bool {
            switch self {
            case .iva(let family): family.producesMasks
            case .clustering(let family): family.producesMasks
            }
        }

        /// Direction clusters its observations describe (`SeparationFamily.observedClusters`).
        var observedClusters: Int {
            switch self {
            case .iva(let family): family.observedClusters
            case .clustering(let family): family.observedClusters
            }
        }
    }

    /// The output stages an engine can run (`OutputStageKind`), dispatched once per block.
    enum Stage {
        case stft(STFTResynthesis<T>)
        case fir(FIRStage<T>)

        init(_ settings: OutputStageSettings, configuration: SeparatorConfiguration) throws(STFTError) {
            switch settings.kind {
            case .stft:
                self = .stft(try STFTResynthesis(frameLength: configuration.frameLength, hop: configuration.hop,
                                                 sources: configuration.sources))
            case .fir:
                self = .fir(try FIRStage(settings: settings, frameLength: configuration.frameLength,
                                         sources: configuration.sources, channels: configuration.channels,
                                         referenceMic: configuration.referenceMic))
            }
        }
    }

    /// The settings in force: `apply` and `loadState` change its live fields, never its shape.
    public internal(set) var configuration: SeparatorConfiguration
    /// The output stage's settings, fixed for the engine's life.
    public let stageSettings: OutputStageSettings
    public let channels: Int
    public let sources: Int
    public let hop: Int
    public let bins: Int
    public internal(set) var statistics = SeparatorStatistics()

    let analyzer: STFTAnalyzer<T>
    let family: Family
    let stage: Stage
    let filters: FilterExchange<T>
    /// Nil when the engine was made without one.
    let tap: ObservationTap<T>?
    private let input: EngineBuffer<T>
    /// FIR stage, `process` only: the hop being gathered block by block for the estimator.
    private let pending: EngineBuffer<T>
    private(set) var pendingFrames = 0
    /// The analysed frame of the current hop, planar M×F.
    let frameRe: EngineBuffer<T>, frameIm: EngineBuffer<T>
    /// Scalars and integers in a `SeparatorState` of this engine (a measuring `transferState`).
    private(set) var stateSize = (scalars: 0, integers: 0)

    /// An engine for `configuration`; with `observationInterval`, it keeps an observation tap
    /// that takes a snapshot every that many hops (at least 1), e.g. the hops in a tenth of a
    /// second for ten snapshots a second.
    public convenience init(
        configuration: SeparatorConfiguration, stage: OutputStageSettings = OutputStageSettings(), observationInterval: Int? = nil
    ) throws(SeparatorConfigurationError) {
        try self.init(configuration: configuration, family: configuration.family, stage: stage, structures: .builtIn,
                      observationInterval: observationInterval)
    }

    /// An engine of the given family and output stage, whose sources may take any structure of
    /// `structures` (tests register their own).
    init(configuration: SeparatorConfiguration, family familyKind: SeparationFamilyKind, stage stageSettings: OutputStageSettings,
         structures: SourceStructureRegistry<T>, observationInterval: Int?) throws(SeparatorConfigurationError) {
        try configuration.validate()
        try stageSettings.validate(for: configuration)
        for k in 0..<configuration.sources where !structures.offers(configuration.sourceModel(k).structure) {
            throw SeparatorConfigurationError(
                key: "structure", value: "\(configuration.sourceModel(k).structure)",
                allowed: structures.choices.map(\.description).joined(separator: ", "))
        }
        self.configuration = configuration
        self.stageSettings = stageSettings
        channels = configuration.channels
        sources = configuration.sources
        hop = configuration.hop
        bins = configuration.frameLength / 2 + 1
        do {
            analyzer = try STFTAnalyzer(frameLength: configuration.frameLength, hop: hop, channels: channels)
            stage = try Stage(stageSettings, configuration: configuration)
        } catch {
            throw SeparatorConfigurationError(key: "frame", value: "\(configuration.frameLength)/\(hop)", allowed: "\(error)")
        }
        let family = Family(familyKind, configuration: configuration, structures: structures)
        self.family = family
        let (K, M, F) = (sources, channels, bins)
        filters = FilterExchange { SeparationFilters(sources: K, channels: M, bins: F) }
        tap = observationInterval.map { interval in
            ObservationTap(interval: interval) { Observation(sources: K, channels: M, bins: F, masks: family.producesMasks, clusters: family.observedClusters) }
        }
        input = EngineBuffer(hop * channels)
        pending = EngineBuffer(stageSettings.kind == .fir ? hop * channels : 0)
        frameRe = EngineBuffer(channels * bins); frameIm = EngineBuffer(channels * bins)
        publishFilters()
        var measure = StateTransfer<T>.measuring
        transferState(&measure)
        stateSize = (measure.scalarCount, measure.integerCount)
    }

    /// Delay from an input sample to the output sample it becomes: the output stage's.
    public var latency: Int {
        switch stage {
        case .stft(let stage): stage.latency
        case .fir(let stage): stage.latency
        }
    }

    /// Frames per `process` call: the output stage's block (a hop, or the FIR block).
    public var blockSize: Int {
        switch stage {
        case .stft(let stage): stage.blockSize
        case .fir(let stage): stage.blockSize
        }
    }

    /// The FIR stage's start-up blend: 0 while the output is the reference microphone, 1 once it
    /// is all filters (`FIRStage`); nil with the STFT stage. Any thread.
    public var outputTrust: Double? {
        if case .fir(let stage) = stage { return stage.trust }
        return nil
    }

    /// Whether the estimator can run on another thread than the rendering (`render(block:into:)`
    /// and `learn(hop:)`): the FIR stage's engines.
    public var learnsSeparately: Bool {
        if case .fir = stage { return true }
        return false
    }

    /// Consumes `blockSize` interleaved M-channel frames and writes `blockSize` interleaved
    /// K-channel frames. Non-finite input samples are replaced by silence (and counted) so the
    /// state stays finite. With the FIR stage, the block is rendered through the filters learnt so
    /// far, then gathered until a hop is complete, which the estimator then learns from
    /// (`learn(hop:)`): the order of the live pipeline, whose learning thread trails its rendering.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func process(input samples: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        switch stage {
        case .stft(let stage):
            learn(hop: samples)
            stage.render(re: frameRe.pointer, im: frameIm.pointer, filters: filters.latest, output: output)
        case .fir(let stage):
            stage.render(input: samples, output: output)
            let count = stage.blockSize &* channels
            (pending.pointer + pendingFrames &* channels).update(from: samples, count: count)
            pendingFrames &+= stage.blockSize
            if pendingFrames == hop {
                pendingFrames = 0
                learn(hop: pending.pointer)
            }
        }
    }

    /// The rendering side of an engine that `learnsSeparately`: one block of `blockSize`
    /// interleaved M-channel frames through the latest filters into `blockSize` K-channel frames.
    /// May run on another thread than `learn(hop:)` and the control plane's calls.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func render(block samples: UnsafePointer<T>, into output: UnsafeMutablePointer<T>) {
        guard case .fir(let stage) = stage else { preconditionFailure("render(block:into:) needs the FIR stage") }
        stage.render(input: samples, output: output)
    }

    /// The estimator's step: consumes `hop` interleaved M-channel frames (non-finite ones taken as
    /// silence, and counted), analyses them, lets the family learn and publishes what changed to
    /// the output stage; every N hops a snapshot into the observation tap. `process` calls it; an
    /// engine that `learnsSeparately` may have it called on its own thread, together with the
    /// control plane's calls (`apply`, states, `reset`).
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func learn(hop samples: UnsafePointer<T>) {
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
        switch family {
        case .iva(let family):
            family.learn(re: frameRe.pointer, im: frameIm.pointer, filters: filters)
            (statistics.binResets, statistics.singularSolves) = family.repairs
        case .clustering(let family):
            family.learn(re: frameRe.pointer, im: frameIm.pointer, filters: filters)
        }
        if case .fir(let stage) = stage {
            stage.observe(re: frameRe.pointer, im: frameIm.pointer)
            stage.update(from: filters.latest)
            stage.learnedHop(referenceMic: configuration.referenceMic)
        }
        statistics.frames &+= 1
        observe()
    }

    /// Applies the latest filters to another planar M×F spectrum, writing planar K×F. Tests use
    /// it to pass each source image through exactly the filters the mixture saw, which measures
    /// separation without any BSS Eval approximation.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func applyCurrentFilters(
        re: UnsafePointer<T>, im: UnsafePointer<T>, outRe: UnsafeMutablePointer<T>, outIm: UnsafeMutablePointer<T>
    ) {
        filters.latest.apply(re: re, im: im, intoRe: outRe, intoIm: outIm)
    }

    /// Forgets everything learnt: identity demixing, empty statistics, fresh STFT state. Live
    /// parameters set by `apply` stay.
    public func reset() {
        analyzer.reset()
        switch stage {
        case .stft(let stage): stage.reset()
        case .fir(let stage): stage.reset()
        }
        pendingFrames = 0
        switch family {
        case .iva(let family): family.reset()
        case .clustering(let family): family.reset()
        }
        publishFilters()
        statistics = SeparatorStatistics()
        tap?.restart()
    }

    /// The part of a hop `process` has gathered for the estimator (FIR stage): learning state, so
    /// a loaded engine learns from the same hops as the one that saved it.
    func transferPendingHop(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(pending)
        transfer.integer(&pendingFrames, in: 0...(hop - blockSize))
    }

    func publishFilters() {
        switch family {
        case .iva(let family): family.publishFilters(to: filters)
        case .clustering(let family): family.publishFilters(to: filters)
        }
        if case .fir(let stage) = stage { stage.update(from: filters.latest) }
    }
}

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

    /// The output stages an engine can run (`OutputStageKind`), dispatched once per hop.
    enum Stage {
        case stft(STFTResynthesis<T>)

        init(_ kind: OutputStageKind, configuration: SeparatorConfiguration) throws(STFTError) {
            switch kind {
            case .stft:
                self = .stft(try STFTResynthesis(frameLength: configuration.frameLength, hop: configuration.hop,
                                                 sources: configuration.sources))
            }
        }
    }

    /// The settings in force: `apply` and `loadState` change its live fields, never its shape.
    public internal(set) var configuration: SeparatorConfiguration
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
    /// The analysed frame of the current hop, planar M×F.
    let frameRe: EngineBuffer<T>, frameIm: EngineBuffer<T>
    /// Scalars and integers in a `SeparatorState` of this engine (a measuring `transferState`).
    private(set) var stateSize = (scalars: 0, integers: 0)

    /// An engine for `configuration`; with `observationInterval`, it keeps an observation tap
    /// that takes a snapshot every that many hops (at least 1), e.g. the hops in a tenth of a
    /// second for ten snapshots a second.
    public convenience init(configuration: SeparatorConfiguration, observationInterval: Int? = nil) throws(SeparatorConfigurationError) {
        try self.init(configuration: configuration, family: configuration.family, stage: .stft, structures: .builtIn,
                      observationInterval: observationInterval)
    }

    /// An engine of the given family and output stage, whose sources may take any structure of
    /// `structures` (tests register their own).
    init(configuration: SeparatorConfiguration, family familyKind: SeparationFamilyKind, stage stageKind: OutputStageKind,
         structures: SourceStructureRegistry<T>, observationInterval: Int?) throws(SeparatorConfigurationError) {
        try configuration.validate()
        for k in 0..<configuration.sources where structures.index(of: configuration.sourceModel(k).structure) == nil {
            throw SeparatorConfigurationError(
                key: "structure", value: "\(configuration.sourceModel(k).structure)",
                allowed: structures.structures.map(\.description).joined(separator: ", "))
        }
        self.configuration = configuration
        channels = configuration.channels
        sources = configuration.sources
        hop = configuration.hop
        bins = configuration.frameLength / 2 + 1
        do {
            analyzer = try STFTAnalyzer(frameLength: configuration.frameLength, hop: hop, channels: channels)
            stage = try Stage(stageKind, configuration: configuration)
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
        frameRe = EngineBuffer(channels * bins); frameIm = EngineBuffer(channels * bins)
        publishFilters()
        var measure = StateTransfer<T>.measuring
        transferState(&measure)
        stateSize = (measure.scalarCount, measure.integerCount)
    }

    /// The delay an engine made with `configuration` will have (`latency`), without making one.
    public static func latency(for configuration: SeparatorConfiguration) -> Int {
        OutputStageKind.stft.latency(for: configuration)
    }

    /// Delay from an input sample to the output sample it becomes: the output stage's.
    public var latency: Int {
        switch stage {
        case .stft(let stage): stage.latency
        }
    }

    /// Frames per `process` call: the output stage's block.
    public var blockSize: Int {
        switch stage {
        case .stft(let stage): stage.blockSize
        }
    }

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
        switch family {
        case .iva(let family):
            family.learn(re: frameRe.pointer, im: frameIm.pointer, filters: filters)
            (statistics.binResets, statistics.singularSolves) = family.repairs
        case .clustering(let family):
            family.learn(re: frameRe.pointer, im: frameIm.pointer, filters: filters)
        }
        switch stage {
        case .stft(let stage): stage.render(re: frameRe.pointer, im: frameIm.pointer, filters: filters.latest, output: output)
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
        }
        switch family {
        case .iva(let family): family.reset()
        case .clustering(let family): family.reset()
        }
        publishFilters()
        statistics = SeparatorStatistics()
        tap?.restart()
    }

    func publishFilters() {
        switch family {
        case .iva(let family): family.publishFilters(to: filters)
        case .clustering(let family): family.publishFilters(to: filters)
        }
    }
}

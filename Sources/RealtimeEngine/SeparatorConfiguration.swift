import EngineParameters

/// Everything that shapes one online separator, as a value: the daemon keeps one per engine, the
/// control plane edits copies, and `validate()` is the single place where limits are enforced.
public struct SeparatorConfiguration: Sendable, Equatable, BitwiseCopyable {
    public typealias UpdateRule = DemixingUpdateRule

    /// Microphones (M).
    public var channels: Int
    /// Separated outputs (K), 2 to M: K < M separates K sources from a background (OverIVA).
    public var sources: Int
    public var frameLength: Int = 4096
    public var hop: Int = 1024
    /// Every source's model (`sourceModel(_:)`), unless `overrides` says otherwise for it.
    /// Harmonic: IVA's variance with a comb on each voiced frame's pitch, which scored at least as
    /// well as spherical (IVA) on the dev corpus and both validation splits, with the STFT and
    /// the FIR output stage alike (docs/source-models.md).
    public var structure: SourceStructure = .harmonic
    public var updateRule: UpdateRule = .ip
    public var density: SourceDensityKind = .studentT(nu: 50)
    /// Sources whose structure or density differs from the two above.
    public var overrides = SourceModelOverrides()
    /// Forgetting factor per hop: the statistics' time constant is hop / (1 − α) samples. The
    /// default depends on the family (`defaultForgetting(family:)`).
    public var forgetting: Double = Self.defaultForgetting(family: .iva)
    /// Sweeps over all sources per update.
    public var iterations: Int = 2
    /// Frames whose auxiliary weights are recomputed at every update (the re-iterated history);
    /// older frames contribute with their weights frozen. 1 gives the textbook recursion. The
    /// default depends on the microphone count (`defaultHistory(channels:)`).
    public var history: Int
    /// Frames between two updates (block-online); 1 updates at every frame.
    public var block: Int = 1
    /// NMF bases per source (ILRMA only).
    public var nmfBases: Int = 2
    /// Bands of bins per frame of the group-sparse structure, spaced on a log-frequency axis.
    public var groups: Int = 24
    /// Microphone whose image of each source the outputs reproduce (projection back).
    public var referenceMic: Int = 0
    /// Diagonal loading of each weighted covariance, relative to its mean diagonal.
    public var loading: Double = 1e-3
    /// How the outputs are learnt: spatial filters (IVA/ILRMA) or direction clustering (masks, for
    /// more sources than microphones).
    public var family: SeparationFamilyKind = .iva
    /// Clustering: the scatter model of each direction's points.
    public var mixture: MixtureModelKind = .kmeans
    /// Clustering: the largest inter-microphone delay a source can have, in samples (spacing /
    /// speed of sound × rate: 10 is 21 cm at 16 kHz). It bounds the directions and sets the
    /// frequencies below which the first frames place the clusters (no spatial aliasing there).
    public var maxDelay: Double = 10
    /// Clustering: the smallest gain a mask gives a bin (0 to 0.5), against musical noise.
    public var maskFloor: Double = 0.05
    /// Clustering: direction clusters learnt, 0 for one per source (`clusterCount`). Clusters
    /// beyond the sources are learnt like the others but not output: a further talker, an
    /// instrument or a noise direction the outputs should not take.
    public var clusters: Int = 0
    /// Clustering: NMF bases per output of the NMF stage that refines the masks (`MaskNMF`); 0
    /// turns the stage off. 4 helped k-means and Student's t on the dev corpus and its validation
    /// splits (docs/clustering.md); 4 to 16 scored alike.
    public var clusterBases: Int = 4

    /// The direction clusters a clustering engine learns: `clusters`, or one per source.
    public var clusterCount: Int { max(clusters, sources) }

    public init(channels: Int, sources: Int? = nil) {
        self.channels = channels
        self.sources = sources ?? channels
        history = Self.defaultHistory(channels: channels)
    }

    /// The history when none is given: 64 frames up to 4 microphones, where it separated best
    /// on the dev corpus and both validation splits (docs/validation.md); fewer above, where the
    /// history's cost (frames × sources × channel pairs per bin and sweep) would take most of a
    /// core — 64 frames at 8 microphones ran at 0.92 of real time, 16 at 0.32 (`bssd bench`, float). The corpora have
    /// no larger arrays, so there the choice is one of CPU alone.
    public static func defaultHistory(channels: Int) -> Int {
        channels <= 4 ? 64 : channels <= 6 ? 32 : 16
    }

    /// The forgetting factor when none is given: 0.98 (3.2 s at the default hop) for IVA, where it
    /// separated best on the dev corpus and both validation splits (docs/validation.md); 0.995
    /// (13 s) for clustering, whose directions are means over many points that a longer memory
    /// steadies (k-means, mean SDRi dev / validation: 6.14 / 3.52 dB at 0.98, 6.88 / 4.02 at 0.99,
    /// 7.24 / 4.23 at 0.995; docs/clustering.md).
    public static func defaultForgetting(family: SeparationFamilyKind) -> Double {
        switch family {
        case .iva: 0.98
        case .clustering: 0.995
        }
    }

    /// What `defaultForgetting(family:)` says, in words, for help texts.
    public static var defaultForgettingDescription: String { "0.98; 0.995 with family clustering" }

    /// What `defaultHistory(channels:)` says, in words, for help texts.
    public static var defaultHistoryDescription: String { "64 up to 4 microphones, 32 for 5 or 6, 16 for more" }

    /// Checks every field against what the engine supports (`EngineBounds`); the error names the
    /// field, the value and what is allowed (`EngineParameter.allowed`, with the figures of the
    /// settings a bound depends on), so a config file or control request can be answered precisely.
    public func validate() throws(SeparatorConfigurationError) {
        func fail(_ parameter: EngineParameter, _ value: Any, given: String = "") -> SeparatorConfigurationError {
            SeparatorConfigurationError(key: parameter.name, value: "\(value)", allowed: parameter.allowed + given)
        }
        guard EngineBounds.channels.contains(channels) else {
            let range = EngineBounds.channels
            throw SeparatorConfigurationError(key: "channels", value: "\(channels)", allowed: "\(range.lowerBound) to \(range.upperBound) microphones")
        }
        // The clustering parameters are checked whatever the family, as are the others below, so
        // a value in a config file is judged the same before and after the family changes.
        guard maxDelay > 0, maxDelay <= EngineBounds.maximumDelay else { throw fail(.maxDelay, maxDelay) }
        guard EngineBounds.maskFloor.contains(maskFloor) else { throw fail(.maskFloor, maskFloor) }
        guard clusters == 0 || (sources...EngineBounds.maximumClusters).contains(clusters) else {
            throw fail(.clusters, clusters, given: " (sources \(sources))")
        }
        guard EngineBounds.clusterBases.contains(clusterBases) else { throw fail(.clusterBases, clusterBases) }
        switch family {
        case .iva:
            // K < M separates K targets from a background (OverIVA). K = 1 would be extraction of
            // a single source, but blind, nothing says which: on the 4-mic 2-talker dev case its
            // one output improved neither talker (SDRi -2.4 dB after 3 s). More sources than
            // microphones need the clustering family.
            guard (2...channels).contains(sources) else {
                throw SeparatorConfigurationError(
                    key: "sources", value: "\(sources)", allowed: "2 to \(channels) (at most one per microphone)")
            }
            // ISS steers every row by the others' statistics; with K < M the background rows have
            // none, and only IP has the closed-form background update.
            guard sources == channels || updateRule == .ip else {
                throw SeparatorConfigurationError(
                    key: EngineParameter.update.name, value: "\(updateRule)", allowed: "ip when sources (\(sources)) < channels (\(channels)); iss needs one source per microphone")
            }
        case .clustering:
            let range = EngineBounds.clusteringSources
            guard range.contains(sources) else {
                throw SeparatorConfigurationError(
                    key: "sources", value: "\(sources)", allowed: "\(range.lowerBound) to \(range.upperBound) with family = clustering")
            }
        }
        guard EngineBounds.frameLengths.contains(frameLength) else { throw fail(.frame, frameLength) }
        guard EngineBounds.hopDivisors.contains(where: { hop * $0 == frameLength }) else {
            throw fail(.hop, hop, given: " (\(EngineBounds.hopDivisors.map { String(frameLength / $0) }.joined(separator: ", ")) for frame \(frameLength))")
        }
        guard EngineBounds.acceptsForgetting(forgetting) else { throw fail(.alpha, forgetting) }
        guard EngineBounds.iterations.contains(iterations) else { throw fail(.iterations, iterations) }
        guard EngineBounds.history.contains(history) else { throw fail(.history, history) }
        guard EngineBounds.block.contains(block), block <= history else { throw fail(.block, block, given: " (\(history))") }
        guard EngineBounds.bases.contains(nmfBases) else { throw fail(.bases, nmfBases) }
        guard EngineBounds.groups.contains(groups) else { throw fail(.groups, groups) }
        guard (0..<channels).contains(referenceMic) else { throw fail(.referenceMic, referenceMic, given: " (0 to \(channels - 1))") }
        guard EngineBounds.loading.contains(loading) else { throw fail(.loading, loading) }
        guard density.isWithinBounds else { throw fail(.density, density) }
        for source in 0..<SourceModelOverrides.capacity where !overrides[source].isEmpty {
            guard source < sources else {
                throw SeparatorConfigurationError(
                    key: "source.\(source)", value: "\(sourceModel(source))", allowed: "a source index from 0 to \(sources - 1)")
            }
            if let density = overrides[source].density, !density.isWithinBounds {
                throw SeparatorConfigurationError(key: EngineParameter.density.name(source: source), value: "\(density)", allowed: EngineParameter.density.allowed)
            }
        }
    }

    /// Source `source`'s model: its override where it has one, else the configuration's.
    public func sourceModel(_ source: Int) -> SourceModelSpec {
        let override = overrides[source]
        return SourceModelSpec(structure: override.structure ?? structure, density: override.density ?? density)
    }
}

/// A configuration value outside what the engine supports.
public struct SeparatorConfigurationError: Error, Equatable, CustomStringConvertible {
    public let key: String
    public let value: String
    public let allowed: String

    public init(key: String, value: String, allowed: String) {
        self.key = key
        self.value = value
        self.allowed = allowed
    }

    public var description: String { "invalid \(key) = \(value): allowed is \(allowed)" }
}

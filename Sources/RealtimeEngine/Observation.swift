import EngineParameters

/// What the engine shows of its work at one frame, for a monitor, a web page or a test: the
/// spectrum of each output, each source's steering vector and, from a family that estimates
/// them, each source's time–frequency mask.
///
/// The engine's observation tap fills such snapshots on the processing thread every few hops; a
/// reader gets its own from `OnlineSeparator.makeObservation()` and copies the latest into it with
/// `OnlineSeparator.latestObservation(into:)`, from any thread, while the engine runs.
///
/// Entries are stored across bins, like the filters (`SeparationFilters`): magnitudes and masks
/// at `k * F + f`, steering vectors at `(k * M + m) * F + f`.
public final class Observation<T: EngineScalar>: TripleBufferSlot {
    /// Outputs (K), microphones (M) and bins (F) of the engine that made it.
    public let sources: Int
    public let channels: Int
    public let bins: Int
    /// The tap's publication number: 0 while the snapshot holds nothing, then increasing with
    /// every snapshot the engine takes (also across `reset`), so a reader can tell what is new.
    public internal(set) var version: UInt64 = 0
    /// The engine frame (`SeparatorStatistics.frames`: `process` calls since start or reset) of
    /// the analysed STFT frame observed: the one ending with that call's hop.
    public internal(set) var frame = 0
    /// |y_k(f)|: the output's STFT magnitude, on the analysis scale of `STFTAnalyzer`.
    let magnitudes: EngineBuffer<T>
    /// Per source the direction it arrives from as the family estimates it, relative to the
    /// reference microphone (whose entry is 1): IVA's column of A = W⁻¹, a clustering family's
    /// cluster centre. Zero where the family has no estimate.
    let steeringRe: EngineBuffer<T>, steeringIm: EngineBuffer<T>
    /// Posterior of each source in each bin, from a family that estimates masks; nil otherwise,
    /// so that a family without them costs nothing.
    let masks: EngineBuffer<T>?
    /// Direction clusters a clustering family learns (outputs first, then the ones it does not
    /// output); 0 for a family without them.
    public let clusterCount: Int
    /// Per direction cluster its weight and shape (0: none), then per microphone its delay and
    /// level (`clusterFieldCount` in all); then the diffuse cluster's weight. Empty without clusters.
    let clusterFields: EngineBuffer<T>
    var clusterFieldCount: Int { 2 + 2 * channels }
    /// The structure each source's model uses: its own, or where it is `auto` the engine's choice
    /// of the moment. Spherical for a family without source models.
    public internal(set) var structures: [SourceStructure]

    init(sources: Int, channels: Int, bins: Int, masks: Bool, clusters: Int = 0) {
        self.sources = sources
        self.channels = channels
        self.bins = bins
        magnitudes = EngineBuffer(sources * bins)
        steeringRe = EngineBuffer(sources * channels * bins)
        steeringIm = EngineBuffer(sources * channels * bins)
        self.masks = masks ? EngineBuffer(sources * bins) : nil
        clusterCount = clusters
        clusterFields = EngineBuffer(clusters > 0 ? clusters * (2 + 2 * channels) + 1 : 0)
        structures = Array(repeating: .spherical, count: sources)
    }

    /// |y_k(f)|.
    public func magnitude(source k: Int, bin f: Int) -> T {
        precondition((0..<sources).contains(k) && (0..<bins).contains(f), "source \(k), bin \(f) out of range")
        return magnitudes.pointer[k * bins + f]
    }

    /// Entry m of source k's steering vector at bin f; entry `referenceMic` is 1 where the
    /// family has an estimate.
    public func steering(source k: Int, channel m: Int, bin f: Int) -> (re: T, im: T) {
        precondition((0..<sources).contains(k) && (0..<channels).contains(m) && (0..<bins).contains(f),
                     "source \(k), channel \(m), bin \(f) out of range")
        let index = (k * channels + m) * bins + f
        return (steeringRe.pointer[index], steeringIm.pointer[index])
    }

    /// Whether the family estimates masks (`mask(source:bin:)` is not nil).
    public var hasMasks: Bool { masks != nil }

    /// Source k's mask at bin f, in 0…1; nil from a family without masks.
    public func mask(source k: Int, bin f: Int) -> T? {
        precondition((0..<sources).contains(k) && (0..<bins).contains(f), "source \(k), bin \(f) out of range")
        return masks.map { $0.pointer[k * bins + f] }
    }

    /// Direction cluster c (0 to `clusterCount` − 1; cluster k < `sources` is output k).
    /// Allocates its arrays: call it off the processing thread.
    public func cluster(_ c: Int) -> ClusterEstimate {
        precondition((0..<clusterCount).contains(c), "cluster \(c) out of range")
        let row = clusterFields.pointer + c * clusterFieldCount
        return ClusterEstimate(
            delaysSamples: (0..<channels).map { Double(row[2 + 2 * $0]) }, levelsDB: (0..<channels).map { Double(row[3 + 2 * $0]) },
            weight: Double(row[0]), shape: row[1] > 0 ? Double(row[1]) : nil)
    }

    /// The share of the points the diffuse cluster (reverberation, noise; never output) takes;
    /// nil without clusters.
    public var diffuseWeight: Double? {
        clusterCount > 0 ? Double(clusterFields.pointer[clusterCount * clusterFieldCount]) : nil
    }

    /// Writes direction cluster c's weight and shape (a family's `observe`); a nil shape is
    /// stored as 0.
    func setCluster(_ c: Int, weight: Double, shape: Double?) {
        let row = clusterFields.pointer + c * clusterFieldCount
        row[0] = T(weight); row[1] = T(shape ?? 0)
    }

    /// Writes direction cluster c's delay and level at `microphone` against microphone 0 (whose
    /// own stay 0).
    func setCluster(_ c: Int, microphone m: Int, delaySamples: Double, levelDB: Double) {
        let row = clusterFields.pointer + c * clusterFieldCount
        row[2 + 2 * m] = T(delaySamples); row[3 + 2 * m] = T(levelDB)
    }

    func setDiffuseWeight(_ weight: Double) {
        clusterFields.pointer[clusterCount * clusterFieldCount] = T(weight)
    }

    /// Takes everything from `other`, a snapshot of the same engine.
    func copy(from other: Observation<T>) {
        precondition(other.sources == sources && other.channels == channels && other.bins == bins
                     && other.hasMasks == hasMasks && other.clusterCount == clusterCount, "an observation of another engine")
        version = other.version
        frame = other.frame
        magnitudes.pointer.update(from: other.magnitudes.pointer, count: magnitudes.count)
        steeringRe.pointer.update(from: other.steeringRe.pointer, count: steeringRe.count)
        steeringIm.pointer.update(from: other.steeringIm.pointer, count: steeringIm.count)
        if let masks, let source = other.masks { masks.pointer.update(from: source.pointer, count: masks.count) }
        clusterFields.pointer.update(from: other.clusterFields.pointer, count: clusterFields.count)
        // Element by element: assigning the array would share its storage, and the next write
        // into either snapshot would then copy it (an allocation on the processing thread).
        for k in 0..<sources { structures[k] = other.structures[k] }
    }
}

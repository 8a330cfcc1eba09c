/// The observation tap (`ObservationTap`): what a monitor, a web page or a test sees of the
/// running engine, taken every `observationInterval` hops on the processing thread and read from
/// any other thread without making it wait.
extension OnlineSeparator {
    /// Storage for one snapshot of this engine; allocates, so call it off the processing thread.
    /// Safe from any thread, concurrently with `process`.
    public func makeObservation() -> Observation<T> {
        Observation(sources: sources, channels: channels, bins: bins, masks: family.producesMasks,
                    clusters: family.observedClusters)
    }

    /// Hops between two snapshots; nil when the engine was made without a tap.
    public var observationInterval: Int? { tap?.interval }

    /// Copies the latest snapshot into `observation` (from `makeObservation()` of this engine)
    /// when it is newer than the one it holds, and says whether it did. Safe from any thread,
    /// concurrently with `process`, which it never makes wait: readers only wait for each other.
    /// Always false for an engine without a tap or before its first snapshot.
    public func latestObservation(into observation: Observation<T>) -> Bool {
        tap?.read(into: observation) ?? false
    }

    /// At the end of `process`, on the processing thread: a snapshot when one is due. The
    /// composition knows the outputs' spectrum; the family adds what only it knows.
    func observe() {
        guard let tap, tap.isDue() else { return }
        tap.recordOutputSpectra(re: frameRe.pointer, im: frameIm.pointer, through: filters.latest)
        switch family {
        case .iva(let family): family.observe(into: tap.writable)
        case .clustering(let family): family.observe(into: tap.writable)
        }
        tap.publish(frame: statistics.frames)
    }
}

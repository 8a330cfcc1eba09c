import ControlProtocol
import EngineParameters
import RealtimeEngine

/// `observe`: the running engine's latest snapshot, read on the control thread from the engine's
/// observation tap, which never makes the processing thread wait.
extension Daemon {
    /// The snapshot storage `observe` copies into, and the engine it was made for: a reload that
    /// starts a fresh engine (of another shape, or with its own snapshot numbers) gets a new one.
    /// Sendable because the engine's tap is read from any thread (`latestObservation(into:)`) and
    /// the snapshot only under `observed`'s lock.
    struct ObservedEngine: @unchecked Sendable {
        weak var engine: OnlineSeparator<Float>?
        let snapshot: Observation<Float>
    }

    /// The latest snapshot, summarised; `unavailable` until the engine has taken its first.
    public func observe() throws(ControlError) -> ObservationReport {
        let (engine, configuration) = reconfiguration.withLock { _ in (self.engine, self.configuration) }
        let report = latestSnapshot(of: engine) { snapshot in
            ObservationReport(
                snapshot, sampleRate: configuration.sampleRate, frameLength: configuration.engine.frameLength,
                referenceMic: configuration.engine.referenceMic)
        }
        guard let report else {
            throw ControlError(.unavailable, "the engine has not taken a snapshot yet (it takes the first about 0.1 s after audio starts flowing); ask again in a moment")
        }
        return report
    }

    /// Every output's delays per microphone in the latest snapshot (`ObservationReport`), for the
    /// target tracker; nil before the first one.
    func observedDelays() -> [[Double?]]? {
        let (engine, configuration) = reconfiguration.withLock { _ in (self.engine, self.configuration) }
        return latestSnapshot(of: engine) { snapshot in
            ObservationReport(
                snapshot, sampleRate: configuration.sampleRate, frameLength: configuration.engine.frameLength,
                referenceMic: configuration.engine.referenceMic).delaysSamples
        }
    }

    /// The direction clusters of the latest snapshot, for `status`: empty before the first one
    /// and for a family without clusters.
    func observedClusters() -> [ClusterReport] {
        let engine = reconfiguration.withLock { _ in self.engine }
        return latestSnapshot(of: engine) { ClusterReport.all(of: $0) } ?? []
    }

    /// The structure each source uses in the latest snapshot, for `status`: where a source's is
    /// `auto`, the engine's current choice. Nil before the first snapshot.
    func observedStructures() -> [SourceStructure]? {
        let engine = reconfiguration.withLock { _ in self.engine }
        return latestSnapshot(of: engine) { $0.structures }
    }

    /// `body` applied to `engine`'s latest snapshot; nil before its first. The control server asks
    /// from its one thread, but the lock keeps two callers (a test, a future second server) from
    /// copying into the same snapshot at once; it is never taken by an audio thread.
    private func latestSnapshot<Result: Sendable>(of engine: OnlineSeparator<Float>, _ body: (Observation<Float>) -> Result) -> Result? {
        observed.withLock { observed in
            if observed?.engine !== engine { observed = ObservedEngine(engine: engine, snapshot: engine.makeObservation()) }
            let snapshot = observed!.snapshot
            // False when nothing is newer than what `snapshot` holds: it is then still the latest.
            _ = engine.latestObservation(into: snapshot)
            return snapshot.version > 0 ? body(snapshot) : nil
        }
    }
}

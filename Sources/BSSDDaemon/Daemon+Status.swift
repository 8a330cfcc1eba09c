import ControlProtocol
import LivePipeline
import RealtimeEngine
import RealtimeSupport
import Synchronization

/// The status the control socket reports: the daemon's totals plus the running pipeline's live
/// counters, and block-time percentiles and max over a recent window rather than since start, so
/// a regression shows within seconds.
extension Daemon {
    /// How far back the block-time percentiles and max look: between one and two of these.
    static let blockWindowNanoseconds = 10_000_000_000

    public func statusReport() -> StatusReport {
        let configuration = configuration
        let (sum, pipeline, snapshot) = counters()
        let rate = Double(configuration.sampleRate)
        let stage = configuration.engineStage
        let latency = pipeline?.latencyFrames ?? SeparationPipeline.latencyFrames(
            pacing: configuration.pacing, engineLatency: stage.latency(for: configuration.engine),
            hop: stage.blockSize(for: configuration.engine),
            prefill: configuration.playbackPrefillPeriods * configuration.periodFrames, capturedAtPlaybackStart: nil)
        let blocks = recentBlockTimes(pipeline?.status.blockTimes)
        func milliseconds(_ nanoseconds: Double?) -> Double { (nanoseconds ?? 0) / 1e6 }
        return StatusReport(
            state: StatusReport.State(rawValue: state.rawValue) ?? .stopping,
            uptimeSeconds: uptime,
            captureDevice: configuration.captureDevice, playbackDevice: configuration.playbackDevice,
            sampleRate: configuration.sampleRate, captureChannels: configuration.captureChannels,
            playbackChannels: configuration.resolvedPlaybackChannels, sources: configuration.engine.sources,
            periodFrames: pipeline?.captureParameters.periodFrames ?? configuration.periodFrames,
            periods: pipeline?.captureParameters.periods ?? configuration.periods,
            latencyMilliseconds: Double(latency) * 1000 / rate,
            framesCaptured: sum.capturedFrames, framesProcessed: sum.processedFrames, framesPlayed: sum.playedFrames,
            captureXruns: sum.captureXruns, playbackXruns: sum.playbackXruns, lateBlocks: sum.lateBlocks,
            overrunFrames: sum.captureOverrunFrames + sum.outputOverrunFrames,
            blockMillisecondsP50: milliseconds(blocks.percentile(0.5)),
            blockMillisecondsP99: milliseconds(blocks.percentile(0.99)),
            blockMillisecondsMax: milliseconds(blocks.observed.map { Double($0.upperBound) }),
            budgetMilliseconds: Double(stage.blockSize(for: configuration.engine)) * 1000 / rate,
            levelsDBFS: snapshot?.sourceLevels ?? Array(repeating: -.infinity, count: configuration.engine.sources),
            deviceReopens: sum.deviceReopens,
            parameters: liveParameters(),
            sourceModels: sourceModelNames(configuration.engine),
            // Only a clustering engine has clusters: an IVA engine's status copies no snapshot.
            clusters: configuration.engine.family == .clustering ? observedClusters() : [],
            target: targetReport(), outputTrust: reconfiguration.withLock { _ in engine }.outputTrust.map { ObservationReport.rounded($0, decimals: 3) })
    }

    /// Each source's model as `structure/density`; an automatic source's as `auto:CHOICE/density`,
    /// with the structure the engine uses now (`auto` alone before the first snapshot).
    private func sourceModelNames(_ engine: SeparatorConfiguration) -> [String] {
        // A clustering engine has no per-source model: each output is one direction of its mixture.
        guard engine.family != .clustering else { return Array(repeating: engine.methodSummary, count: engine.sources) }
        let observed = (0..<engine.sources).contains { engine.sourceModel($0).structure == .automatic } ? observedStructures() : nil
        return (0..<engine.sources).map { source in
            let model = engine.sourceModel(source)
            guard model.structure == .automatic, let observed, observed.indices.contains(source) else { return model.description }
            return "auto:\(observed[source])/\(model.density)"
        }
    }

    /// The blocks of the last 10–20 s of the running pipeline (all of its blocks while it is younger
    /// than that), percentiles and max over the same blocks.
    private func recentBlockTimes(_ histogram: BlockTimeHistogram?) -> BlockTimes {
        guard let histogram else { return BlockTimes(counts: [], observed: nil) }
        return blockWindow.withLock { $0.recent(of: histogram, at: MonotonicClock.nanoseconds, length: Self.blockWindowNanoseconds) }
    }
}

import ControlProtocol
import Synchronization

/// The status the control socket reports: the daemon's totals plus the running pipeline's live
/// counters, and block-time percentiles over a recent window rather than since start, so a
/// regression shows within seconds.
extension Daemon {
    /// How far back the block-time percentiles look: between one and two of these.
    static let blockWindowNanoseconds = 10_000_000_000

    public func statusReport() -> StatusReport {
        let configuration = configuration
        let pipeline = current.withLock { $0 }
        let (sum, snapshot) = counters()
        let rate = Double(configuration.sampleRate)
        let hop = configuration.engine.hop
        let prefill = pipeline?.playbackParameters.prefillFrames ?? configuration.playbackPrefillPeriods * configuration.periodFrames
        let counts = recentBlockTimes(snapshot?.blockTimeCounts ?? [])
        func milliseconds(_ nanoseconds: Double?) -> Double { (nanoseconds ?? 0) / 1e6 }
        return StatusReport(
            state: StatusReport.State(rawValue: state.rawValue) ?? .stopping,
            uptimeSeconds: uptime,
            captureDevice: configuration.captureDevice, playbackDevice: configuration.playbackDevice,
            sampleRate: configuration.sampleRate, captureChannels: configuration.captureChannels,
            playbackChannels: configuration.resolvedPlaybackChannels, sources: configuration.engine.sources,
            periodFrames: pipeline?.captureParameters.periodFrames ?? configuration.periodFrames,
            periods: pipeline?.captureParameters.periods ?? configuration.periods,
            latencyMilliseconds: Double(configuration.engine.latencySamples + hop + prefill) * 1000 / rate,
            framesCaptured: sum.capturedFrames, framesProcessed: sum.processedFrames, framesPlayed: sum.playedFrames,
            captureXruns: sum.captureXruns, playbackXruns: sum.playbackXruns, lateBlocks: sum.lateBlocks,
            overrunFrames: sum.captureOverrunFrames + sum.outputOverrunFrames,
            blockMillisecondsP50: milliseconds(BlockTimeHistogram.percentile(0.5, of: counts)),
            blockMillisecondsP99: milliseconds(BlockTimeHistogram.percentile(0.99, of: counts)),
            blockMillisecondsMax: Double(sum.maxBlockNanoseconds) / 1e6,
            budgetMilliseconds: Double(hop) * 1000 / rate,
            levelsDBFS: snapshot?.sourceLevels ?? Array(repeating: -.infinity, count: configuration.engine.sources),
            deviceReopens: sum.deviceReopens,
            parameters: liveParameters())
    }

    /// The histogram counts of the last 10–20 s: `now` minus a reading kept from at least 10 s
    /// ago (all of `now` when the pipeline is younger than that or was replaced).
    private func recentBlockTimes(_ now: [Int]) -> [Int] {
        let time = MonotonicClock.nanoseconds
        return blockWindow.withLock { window in
            if time - window.latestTime >= Self.blockWindowNanoseconds {
                window.previous = window.latest
                window.latest = now
                window.latestTime = time
            }
            let recent = BlockTimeHistogram.counts(now, since: window.previous)
            return recent.reduce(0, +) > 0 ? recent : now
        }
    }
}

/// Two readings of the block-time histogram, for `Daemon.recentBlockTimes`.
struct BlockTimeWindow {
    var previous: [Int] = []
    var latest: [Int] = []
    var latestTime = 0
}

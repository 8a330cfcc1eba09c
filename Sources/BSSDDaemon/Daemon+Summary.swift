import LivePipeline

extension Daemon {
    /// The line `bssd run` logs when it ends: what went through, what went wrong, how fast.
    public func summary(_ totals: DaemonTotals) -> String {
        let stage = configuration.engineStage
        let budget = Double(stage.blockSize(for: configuration.engine)) * 1000 / Double(configuration.sampleRate)
        var parts = [
            "\(totals.capturedFrames) frames captured, \(totals.processedFrames) processed, \(totals.playedFrames) played",
            "xruns capture \(totals.captureXruns) playback \(totals.playbackXruns)",
            "late blocks \(totals.lateBlocks)",
            "block time max \(Self.milliseconds(Double(totals.maxBlockNanoseconds) / 1e6)) of \(Self.milliseconds(budget)) budget",
            "audio-thread allocations \(totals.audioThreadAllocations)",
        ]
        if stage.kind == .fir {
            let hop = Double(configuration.engine.hop) * 1000 / Double(configuration.sampleRate)
            parts.insert("learning hop max \(Self.milliseconds(Double(totals.maxLearnNanoseconds) / 1e6)) of \(Self.milliseconds(hop))", at: 4)
        }
        if totals.learnerSkippedFrames > 0 {
            parts.append("\(totals.learnerSkippedFrames) frames the learning thread skipped (it fell behind; the filters adapt more slowly)")
        }
        if totals.captureOverrunFrames > 0 { parts.append("\(totals.captureOverrunFrames) captured frames dropped (capture ring full)") }
        if totals.outputOverrunFrames > 0 { parts.append("\(totals.outputOverrunFrames) separated frames dropped (output ring full)") }
        if totals.nonFiniteInputSamples > 0 { parts.append("\(totals.nonFiniteInputSamples) NaN/Inf captured samples replaced by silence") }
        if totals.deviceReopens > 0 { parts.append("devices reopened \(totals.deviceReopens) times") }
        if totals.reloads > 0 { parts.append("\(totals.reloads) reloads") }
        return "Stopped: " + parts.joined(separator: "; ") + "."
    }

    /// One line for `systemctl status` (STATUS=): state, shape, trouble counters, block time.
    func statusLine() -> String {
        let report = statusReport()
        return "\(report.state.rawValue): \(report.captureChannels) mics → \(report.sources) sources; "
            + "xruns \(report.captureXruns)/\(report.playbackXruns), late blocks \(report.lateBlocks); block p99 "
            + "\(Self.milliseconds(report.blockMillisecondsP99)) of \(Self.milliseconds(report.budgetMilliseconds))"
    }
}

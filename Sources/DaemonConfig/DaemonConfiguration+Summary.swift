import RealtimeEngine

extension DaemonConfiguration {
    /// The effective configuration on one line, for `bssd run --check` and logs: enough to tell
    /// at a glance which devices, engine and policies a file (plus options) amounts to.
    public var summary: String {
        let output = resolvedOutput
        let routes = output.routes.map { $0.map(String.init) ?? "off" }.joined(separator: ", ")
        var parts = [
            "capture '\(captureDevice)' \(captureChannels) ch → playback '\(playbackDevice)' \(resolvedPlaybackChannels) ch"
                + ", \(sampleRate) Hz, period \(periodFrames) × \(periods), prefill \(playbackPrefillPeriods), \(pacing.rawValue)"
                + (alsaDefinitions == nil ? "" : ", own ALSA definitions"),
            "engine \(engine.sources) sources, \(engine.methodSummary) frame \(engine.frameLength) hop \(engine.hop) α \(engine.forgetting)"
                + (engine.family == .clustering
                    ? " max delay \(engine.maxDelay) mask floor \(engine.maskFloor) clusters \(engine.clusterCount) NMF bases \(engine.clusterBases)"
                    : " iterations \(engine.iterations) history \(engine.history) block \(engine.block) bases \(engine.nmfBases)")
                + " reference mic \(engine.referenceMic)" + (engine.family == .clustering ? "" : " loading \(engine.loading)"),
            engineStage.summary,
            "output [\(routes)] \(output.gainDecibels) dB" + (output.muted ? " muted" : "") + (output.bypass ? " bypassed" : "")
                + ", late → \(lateFallback.rawValue)",
            (realtimePriority.map { "SCHED_FIFO \($0)" } ?? "normal priority") + (lockMemory ? ", mlock" : ", no mlock")
                + ", stall timeout \(stallTimeoutMilliseconds) ms",
            "control socket \(control.socketPath ?? "(resolved at start-up)") mode 0\(String(control.mode, radix: 8))"
                + (control.group.map { " group \($0)" } ?? "") + ", \(control.maxClients) clients",
            "log \(log.level)",
        ]
        if let duration { parts.append("stop after \(duration) s") }
        return parts.joined(separator: "; ")
    }
}

extension SeparatorConfiguration {
    /// "spherical/t:50", or with sources of their own "spherical/t:50 (source 1 lowrank/gauss)":
    /// the source models as the start-up line and `--check` show them.
    package var modelSummary: String {
        let all = SourceModelSpec(structure: structure, density: density).description
        let own = overrides.sources.filter { $0 < sources }.map { "source \($0) \(sourceModel($0))" }
        return own.isEmpty ? all : "\(all) (\(own.joined(separator: ", ")))"
    }

    /// "spherical/t:50 ip", or "clustering/kmeans": how the outputs are learnt, in a phrase.
    package var methodSummary: String {
        family == .clustering ? "clustering/\(mixture)" : "\(modelSummary) \(updateRule.rawValue)"
    }
}

import DaemonConfig
import Glibc
import LivePipeline
import RealtimeEngine
import RealtimeSupport
import Synchronization

/// Reloading the configuration (SIGHUP, `bssctl reload`): what can change on the running daemon
/// changes in place, the rest by reopening the devices.
///
/// - Engine parameters that `OnlineSeparator` can take live (α, iterations, update rule, source
///   density, structure, …) go through the engine channel: no gap, the demixing state is kept.
/// - Output settings are published to `LiveOutput` (cross-faded over a hop).
/// - Audio settings (devices, rate, period, …) or the playback channel count: the pipeline is
///   stopped and rebuilt around the same engine, a gap of a few hundred milliseconds.
/// - An engine shape change (channels, frame, hop, history, block, bases): a fresh engine, which
///   must converge again, and the reload says so.
/// - The log level changes at once; the control socket's settings need a restart.
///
/// A file that fails to load or validate changes nothing.
extension Daemon {
    /// Main thread: applies a reload and logs what changed or why nothing did.
    func reload() {
        supervision?.reloading()
        let result = reconfiguration.withLock { _ in applyReload() }
        supervision?.ready(statusLine())
        reloadResults.withLock { $0.complete(with: result) }
        switch result {
        case let .success(summary):
            log.notice("Configuration reloaded: \(summary)")
            for warning in configuration.warnings { log.warning(warning) }
        case let .failure(error): log.error("Reload refused, still running the previous configuration: \(error)")
        }
    }

    /// Any thread (the control socket): asks the main loop to reload and waits up to `timeout`
    /// seconds for its answer.
    public func reloadAndWait(timeout: Double = 15) -> Result<String, DaemonReloadError> {
        guard loader != nil else { return .failure(Self.noFile) }
        guard state != .stopped, state != .stopping else {
            return .failure(DaemonReloadError("bssd is stopping; nothing was reloaded"))
        }
        let ticket = reloadResults.withLock { $0.take() }
        requestReload()
        let deadline = MonotonicClock.nanoseconds + Int(timeout * 1e9)
        while MonotonicClock.nanoseconds < deadline {
            if let result = reloadResults.withLock({ $0.result(for: ticket) }) { return result }
            usleep(10_000)
        }
        return .failure(DaemonReloadError("the daemon did not finish the reload within \(Int(timeout)) s; see its log"))
    }

    private static let noFile = DaemonReloadError("bssd was started without --config, so there is no file to reload")

    private func applyReload() -> Result<String, DaemonReloadError> {
        guard let loader else { return .failure(Self.noFile) }
        let new: DaemonConfiguration
        do { new = try loader() } catch {
            // A config file gives one line per problem, but the journal's priority prefix marks
            // only the first line of a log message: one line keeps every problem at error level.
            return .failure(DaemonReloadError("\(error)".split(separator: "\n").joined(separator: "; ")))
        }
        if let problem = new.problem() { return .failure(DaemonReloadError(problem)) }
        do { try new.engine.validate() } catch { return .failure(DaemonReloadError("\(error)")) }
        setState(.reloading)
        defer { if state == .reloading { setState(.running) } }
        let old = configuration
        var changes: [String] = []
        if new.log != old.log {
            log.setLevel(new.log.level)
            changes.append("log level \(new.log.level)")
        }
        if new.control != old.control {
            changes.append("control settings need a restart of bssd to take effect")
        }
        let restartKeys = OnlineSeparator<Float>.restartKeys(from: old.engine, to: new.engine)
        let playbackChanged = new.resolvedPlaybackChannels != old.resolvedPlaybackChannels
        // The output stage sizes the engine too: another stage, or with the FIR stage other taps,
        // delay, fit, warm-up, crossfade or block (the period), needs a fresh engine.
        let stageChanged = (old.stage.kind == .fir || new.stage.kind == .fir) && old.engineStage != new.engineStage
        let freshEngine = !restartKeys.isEmpty || stageChanged
        if audioSettingsChanged(old, new) || playbackChanged || freshEngine {
            switch rebuild(with: new, freshEngine: freshEngine) {
            case .success:
                if !restartKeys.isEmpty {
                    changes.append("engine \(restartKeys.joined(separator: ", ")) changed: a fresh engine converges again")
                }
                if stageChanged {
                    changes.append("\(new.engineStage.summary): a fresh engine converges again")
                }
                changes.append("devices reopened")
            case let .failure(error):
                return .failure(error)
            }
        } else {
            if new.engine != old.engine {
                guard commands.send(.configure(new.engine)) else {
                    return .failure(DaemonReloadError("the processing thread did not take the new engine settings in time"))
                }
                changes.append("engine settings applied live")
            }
            if new.resolvedOutput != old.resolvedOutput {
                output.publish(new.resolvedOutput)
                changes.append("output settings applied")
            }
        }
        configuration = new
        eventLogger.update(Self.loggerContext(new))
        totals.withLock { $0.reloads += 1 }
        return .success(changes.isEmpty ? "nothing changed" : changes.joined(separator: "; "))
    }

    /// Whether anything besides the engine, output, control and log settings differs: those are
    /// handled on their own; every other field is opened into the PCMs or the audio threads.
    private func audioSettingsChanged(_ old: DaemonConfiguration, _ new: DaemonConfiguration) -> Bool {
        var rest = old
        rest.engine = new.engine
        rest.output = new.output
        rest.playbackChannels = new.playbackChannels
        rest.control = new.control
        rest.log = new.log
        rest.warnings = new.warnings
        return rest != new
    }

    /// Stops the running pipeline (draining it) and starts one for `new`. When the new one cannot
    /// start, the old configuration is started again so the daemon keeps separating.
    private func rebuild(with new: DaemonConfiguration, freshEngine: Bool) -> Result<Void, DaemonReloadError> {
        guard let old = current.withLock({ $0 }) else { return .failure(DaemonReloadError("no pipeline is running")) }
        old.stop()
        old.wait()
        retire(old)
        let newEngine: OnlineSeparator<Float>
        do {
            newEngine = freshEngine ? try SeparationPipeline.makeEngine(new) : engine
        } catch {
            return restore(after: DaemonReloadError("\(error)"))
        }
        if !freshEngine { _ = engine.apply(new.engine) }
        let newOutput = new.resolvedPlaybackChannels == output.playbackChannels ? output : LiveOutput(new.resolvedOutput)
        if newOutput === output { output.publish(new.resolvedOutput) }
        do {
            let pipeline = try SeparationPipeline(
                configuration: new, engine: newEngine, output: newOutput, events: events, commands: commands)
            try start(pipeline)
        } catch {
            return restore(after: DaemonReloadError("\(error)"))
        }
        engine = newEngine
        output = newOutput
        return .success(())
    }

    /// Starts the configuration in force again after a failed rebuild.
    private func restore(after error: DaemonReloadError) -> Result<Void, DaemonReloadError> {
        _ = engine.apply(configuration.engine)
        output.publish(configuration.resolvedOutput)
        do {
            let pipeline = try SeparationPipeline(
                configuration: configuration, engine: engine, output: output, events: events, commands: commands)
            try start(pipeline)
            return .failure(DaemonReloadError("\(error) The previous devices were reopened."))
        } catch let restart {
            // Neither works: leave it to the reopen loop, which retries the previous configuration.
            current.withLock { $0 = nil }
            return .failure(DaemonReloadError("\(error) Reopening the previous devices failed too (\(restart)); retrying with back-off."))
        }
    }
}

/// Hands the main loop's reload result to the control thread that asked for it.
struct ReloadMailbox {
    private var issued = 0
    private var completed = 0
    private var last: Result<String, DaemonReloadError>?

    /// A ticket for the next reload the caller requests.
    mutating func take() -> Int {
        issued += 1
        return issued
    }

    mutating func complete(with result: Result<String, DaemonReloadError>) {
        completed = issued
        last = result
    }

    func result(for ticket: Int) -> Result<String, DaemonReloadError>? {
        completed >= ticket ? last : nil
    }
}

import AudioIO
import ControlServer
import DaemonConfig
import DaemonLogging
import Glibc
import LivePipeline
import RealtimeEngine
import RealtimeSupport
import Synchronization

/// The running daemon: the pipeline, plus everything that keeps it running for weeks — device
/// reopening with back-off, SIGHUP reloads, the logger thread, and the state the control plane
/// reads. `bssd run` builds one and calls `run()` on the main thread.
///
/// What survives a device reopen or a reload: the engine with its demixing state (unless the
/// reload changes its shape), the output settings, the event queues and the counters (`totals`).
/// Signals only set flags (`requestStop`, `requestReload`, `requestStall`: atomic stores,
/// async-signal-safe); the main loop acts on them every `tick`.
public final class Daemon: @unchecked Sendable {
    public enum State: String, Sendable, CaseIterable {
        case starting, running, reopening, reloading, stopping, stopped
    }

    /// Reads the configuration file again on SIGHUP; nil when the daemon runs from flags only.
    public typealias ConfigurationLoader = @Sendable () throws -> DaemonConfiguration

    public let log: DaemonLog
    let loader: ConfigurationLoader?
    let events = AudioEventQueues()
    let commands = EngineChannel()
    let eventLogger: EventLogger
    let startTime = MonotonicClock.nanoseconds

    /// The configuration in force. Written by the main thread (reload) and the control thread
    /// (`set`), both holding `reconfiguration`.
    var configuration: DaemonConfiguration {
        get { settings.withLock { $0 } }
        set { settings.withLock { $0 = newValue } }
    }
    private let settings: Mutex<DaemonConfiguration>
    /// Serialises everything that changes the engine, the output or the pipeline (reload, reopen,
    /// control requests); never taken by an audio thread.
    let reconfiguration = Mutex<Void>(())
    /// Replaced only by the main thread holding `reconfiguration`; other threads read them
    /// holding it.
    var engine: OnlineSeparator<Float>
    var output: LiveOutput
    /// The pipeline now running; guarded by `current` for readers on other threads.
    let current = Mutex<SeparationPipeline?>(nil)
    /// Counters of the pipelines that ended (device reopens, device reloads).
    let totals = Mutex(DaemonTotals())
    let reloadResults = Mutex(ReloadMailbox())
    let blockWindow = Mutex(BlockTimeWindow())
    /// `observe`'s copy of the engine's latest snapshot (`Daemon+Observe`), made once per engine.
    let observed = Mutex<ObservedEngine?>(nil)
    /// The listener's chosen talker (`Daemon+Target`); nil when none is chosen.
    let targeting = Mutex<TargetTracker?>(nil)
    private let stateValue = Atomic<Int>(0)
    private let stopRequested = Atomic<Bool>(false)
    private let reloadRequested = Atomic<Bool>(false)
    private let stallRequest = Atomic<Int>(0)
    private let tickMicroseconds: UInt32
    /// Back-off between reopen attempts: doubles from `first` up to `longest` seconds.
    let reopenBackoff: (first: Double, longest: Double)

    /// Where the control socket listens.
    public let socketPath: String
    let notifier: SystemdNotifier?
    /// Main thread only, while `run()` runs.
    var supervision: SystemdSupervision?

    /// `environment` resolves the default socket path (`RUNTIME_DIRECTORY`, `XDG_RUNTIME_DIR`).
    public init(
        configuration: DaemonConfiguration, log: DaemonLog, loader: ConfigurationLoader? = nil,
        environment: [String: String] = [:], notifier: SystemdNotifier? = nil, tick: Double = 0.05,
        reopenBackoff: (first: Double, longest: Double) = (0.25, 8)
    ) throws(PipelineError) {
        self.notifier = notifier
        socketPath = configuration.control.resolvedSocketPath(environment: environment, uid: geteuid())
        if let problem = configuration.problem() { throw .configuration(problem) }
        settings = Mutex(configuration)
        self.log = log
        self.loader = loader
        do { engine = try SeparationPipeline.makeEngine(configuration) } catch { throw .engine(error) }
        output = LiveOutput(configuration.resolvedOutput)
        eventLogger = EventLogger(queues: events, log: log, context: Self.loggerContext(configuration))
        tickMicroseconds = UInt32(tick * 1e6)
        self.reopenBackoff = reopenBackoff
    }

    public var state: State {
        State.allCases[stateValue.load(ordering: .relaxed)]
    }

    /// The state as its index in `State.allCases`, so it fits an atomic.
    func setState(_ newState: State) {
        stateValue.store(State.allCases.firstIndex(of: newState)!, ordering: .relaxed)
    }

    /// Seconds since the daemon was built.
    public var uptime: Double { Double(MonotonicClock.nanoseconds - startTime) / 1e9 }

    // MARK: - Requests (any thread, async-signal-safe)

    /// Drain and stop: the captured audio is processed and played out.
    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }

    /// Read the configuration file again at the next tick.
    public func requestReload() { reloadRequested.store(true, ordering: .relaxed) }

    /// Freeze the capture thread once for `milliseconds` (test hook for xrun recovery).
    public func requestStall(milliseconds: Int) { stallRequest.store(milliseconds, ordering: .relaxed) }

    // MARK: - Main loop

    /// Opens the devices, starts the audio threads and supervises them until a stop is requested
    /// or a bounded run (`duration`) ends. Throws only when the first start fails (a later device
    /// loss is retried, not thrown). Returns the run's totals.
    public func run(onReady: () -> Void = {}, onTick: () -> Void = {}) throws(DaemonError) -> DaemonTotals {
        let first: SeparationPipeline
        do {
            first = try SeparationPipeline(
                configuration: configuration, engine: engine, output: output, events: events, commands: commands)
            try eventLogger.start()
        } catch {
            throw .pipeline(error)
        }
        defer { eventLogger.stop() }
        let server = ControlServer(
            path: socketPath, settings: configuration.control, handler: DaemonControlHandler(daemon: self),
            log: { [log] level, message in log.write(level, message) })
        do { try server.start() } catch { throw .controlSocket(error) }
        defer { server.stop() }
        do { try start(first) } catch { throw .pipeline(error) }
        logStarted(first)
        for warning in configuration.warnings { log.warning(warning) }
        setState(.running)
        supervision = notifier.map { notifier in
            SystemdSupervision(notifier: notifier, log: log) { [self] in counters().sum.processedFrames }
        }
        var ready = false
        /// The pipeline whose latency was logged (each reopen measures it again).
        var latencyLogged: SeparationPipeline?
        var targetLooked = MonotonicClock.nanoseconds
        while true {
            guard let pipeline = current.withLock({ $0 }) else {
                // A reload that could start neither the new nor the old devices left none running.
                if state != .stopping, !stopRequested.load(ordering: .relaxed), reopen() { continue }
                break
            }
            if latencyLogged !== pipeline, pipeline.latencyIsMeasured {
                latencyLogged = pipeline
                logLatency(pipeline)
            }
            if !ready, pipeline.status.processedFrames.load(ordering: .relaxed) > 0 {
                ready = true
                supervision?.ready(statusLine())
                onReady()
            }
            if stopRequested.load(ordering: .relaxed), state != .stopping {
                setState(.stopping)
                supervision?.stopping()
                pipeline.stop()
            }
            if reloadRequested.exchange(false, ordering: .relaxed), state == .running {
                reload()
                continue  // the reload may have replaced the pipeline
            }
            let stall = stallRequest.exchange(0, ordering: .relaxed)
            if stall > 0 { current.withLock { $0?.injectStall(milliseconds: stall) } }
            if pipeline.isFinished {
                pipeline.wait()
                retire(pipeline)
                let snapshot = pipeline.status.snapshot()
                if snapshot.deviceFailed, state != .stopping {
                    for error in snapshot.errors { log.error("\(error)") }
                    if reopen() { continue }
                }
                break
            }
            if MonotonicClock.nanoseconds - targetLooked >= Int(Self.targetInterval * 1e9) {
                targetLooked = MonotonicClock.nanoseconds
                followTarget()
            }
            onTick()
            supervision?.tick(waiting: false, status: statusLine)
            usleep(tickMicroseconds)
        }
        setState(.stopped)
        if let dropped = supervision?.dropped, dropped > 0 {
            log.warning("\(dropped) systemd notification\(dropped == 1 ? " was" : "s were") dropped because systemd did not read them.")
        }
        return totals.withLock { $0 }
    }

    /// Starts `pipeline` as the current one and logs its warnings.
    func start(_ pipeline: SeparationPipeline) throws(PipelineError) {
        current.withLock { $0 = pipeline }
        let warnings: [String]
        do { warnings = try pipeline.start() } catch {
            current.withLock { $0 = nil }
            throw error
        }
        for warning in warnings { log.warning(warning) }
    }

    /// Moves an ended pipeline's counters into the totals and takes it out of `current`, both
    /// under `current`'s lock: a reader (`counters()`) sees it either running or retired, so it is
    /// counted exactly once and no counter goes backwards across a reopen or a reload. The next
    /// pipeline's logged events are numbered on from the new totals.
    func retire(_ pipeline: SeparationPipeline) {
        let snapshot = pipeline.status.snapshot()
        current.withLock { running in
            totals.withLock {
                $0.add(snapshot)
                events.continueNumbering(after: $0)
            }
            if running === pipeline { running = nil }
        }
    }

    /// The totals plus the running pipeline's counters, read under `current`'s lock (then
    /// `totals`'s, the order `retire` takes them in), with that pipeline and its snapshot.
    func counters() -> (sum: DaemonTotals, pipeline: SeparationPipeline?, snapshot: PipelineSnapshot?) {
        current.withLock { pipeline in
            let snapshot = pipeline?.status.snapshot()
            return (totals.withLock { $0 }.adding(snapshot), pipeline, snapshot)
        }
    }

    /// After a device failure: tries to build and start a new pipeline with the same engine,
    /// doubling the wait between attempts, until it works or a stop is requested. The engine's
    /// queued commands are applied here meanwhile, so the control plane keeps working.
    private func reopen() -> Bool {
        setState(.reopening)
        var wait = reopenBackoff.first
        var attempt = 1
        while !stopRequested.load(ordering: .relaxed) {
            do throws(PipelineError) {
                try reconfiguration.withLock { _ throws(PipelineError) in
                    let pipeline = try SeparationPipeline(
                        configuration: configuration, engine: engine, output: output, events: events, commands: commands)
                    try start(pipeline)
                }
                totals.withLock { $0.deviceReopens += 1 }
                log.notice("Devices reopened after \(attempt) attempt\(attempt == 1 ? "" : "s"); separation continues with the demixing state it had.")
                setState(.running)
                return true
            } catch {
                log.warning("Reopen attempt \(attempt) failed: \(error) Retrying in \(Self.seconds(wait)).")
            }
            let deadline = MonotonicClock.nanoseconds + Int(wait * 1e9)
            while MonotonicClock.nanoseconds < deadline, !stopRequested.load(ordering: .relaxed) {
                commands.receive(into: engine)
                supervision?.tick(waiting: true, status: statusLine)
                usleep(tickMicroseconds)
            }
            wait = min(wait * 2, reopenBackoff.longest)
            attempt += 1
        }
        return false
    }

    private func logStarted(_ pipeline: SeparationPipeline) {
        let c = pipeline.captureParameters, p = pipeline.playbackParameters
        let e = configuration.engine
        log.notice(
            "Separating: capture '\(configuration.captureDevice)' \(c.channels) ch \(c.format) \(c.sampleRate) Hz, "
                + "period \(c.periodFrames) × \(c.periods); playback '\(configuration.playbackDevice)' \(p.channels) ch "
                + "\(p.format), period \(p.periodFrames) × \(p.periods), prefill \(p.prefillFrames); engine "
                + "\(e.methodSummary) frame \(e.frameLength) hop \(e.hop); \(configuration.engineStage.summary).")
    }

    private func logLatency(_ pipeline: SeparationPipeline) {
        let rate = Double(configuration.sampleRate)
        func ms(_ frames: Int) -> String { Self.milliseconds(Double(frames) * 1000 / rate) }
        if pipeline.configuration.pacing == .freewheel {
            return log.notice(
                "The output lags the input by \(ms(pipeline.latencyFrames)) (\(configuration.stage.kind.delayName) and playback prefill); "
                    + "freewheeling devices have no clock, so there is no real-time latency.")
        }
        log.notice(
            "Latency \(ms(pipeline.latencyFrames)), microphone to speaker: \(configuration.stage.kind.delayName) \(ms(pipeline.engineLatency)), "
                + "playback prefill \(ms(pipeline.playbackParameters.prefillFrames)), and playback started "
                + "\(ms(pipeline.capturedAtPlaybackStart ?? pipeline.hop)) after capture (a block of \(ms(pipeline.hop)) at least).")
    }

    static func loggerContext(_ configuration: DaemonConfiguration) -> EventLogger.Context {
        EventLogger.Context(
            captureDevice: configuration.captureDevice, playbackDevice: configuration.playbackDevice,
            lateFallback: configuration.lateFallback)
    }

    static func seconds(_ value: Double) -> String {
        value < 1 ? "\(Int((value * 1000).rounded())) ms" : "\(Int(value.rounded())) s"
    }

    static func milliseconds(_ value: Double) -> String {
        "\(tenths(value)) ms"
    }
}

import AudioIO
import DaemonConfig
import Glibc
import RealtimeEngine
import RealtimeSupport
import Synchronization
import SystemCalls

/// The live daemon's audio path: capture PCM → ring → engine → ring → playback PCM, on three
/// threads.
///
/// ```
/// capture thread      reads a period (ALSAPCM.readFrames), pushes it; never waits on the ring
///      │ inputRing (M ch)
/// processing thread   pops `hop` frames, OnlineSeparator.process, maps K → P outputs, pushes
///      │ outputRing (P ch)
/// playback thread     pops a period, writes it (ALSAPCM.writeFrames); short ring → fallback
/// ```
///
/// Life cycle: `init` opens both PCMs and allocates every buffer, ring and the engine (and warms
/// the engine's code paths on a scratch instance), so an unusable device or setting fails there
/// and no thread is started. `start()` locks memory, starts the threads and raises their
/// priority, returning the warnings for the caller to log. `stop()` may be called from any thread
/// (and is async-signal-safe: an atomic store and `sem_post`s): capture stops, processing
/// finishes the whole hops already captured, playback plays them out, drains and closes its PCM.
/// `wait()` joins. A run with `duration` stops by itself.
///
/// A device error on an audio thread (`deviceLost`, `stalled`, `ioFailed`) is recorded in
/// `status` (thread state and the error) and aborts the whole pipeline without draining. A
/// pipeline is never reopened: the daemon builds a new one on the same engine, retrying with
/// back-off (by default from 0.25 s, doubling, up to 8 s) until the devices open
/// (`Daemon.reopen()`), so separation goes on with the demixing state it had.
///
/// Sample alignment: the playback stream is the playback prefill (`playbackPrefillPeriods`
/// periods of silence, queued by `ALSAPCM`) followed by exactly the engine's output, hop after
/// hop, as long as nothing is dropped or substituted (always in `.freewheel` pacing; in
/// `.realtime` while the counters stay at 0). The separated signal therefore lags the captured
/// one by `prefill + (frameLength − hop)` samples in the stream; the rings add no samples. In wall
/// time a live run adds the wait for a whole hop and the processing time on top.
///
/// `@unchecked Sendable`: the buffers are raw pointers, each used by one thread (listed at each);
/// the rings follow their own single-producer/single-consumer contract; `threads` and the PCMs
/// before `start()` are touched only by the thread that owns the pipeline.
public final class SeparationPipeline: @unchecked Sendable {
    public let configuration: DaemonConfiguration
    public let status: PipelineStatus
    /// Routing, gain, mute and bypass in force; the control plane publishes, processing reads.
    public let output: LiveOutput
    /// Where the audio threads report xruns and the like for the logger thread.
    public let events: AudioEventQueues
    /// Commands for the engine, applied by the processing thread between blocks.
    let commands: EngineChannel
    /// What the two PCMs granted.
    public let captureParameters: ALSANegotiatedParameters
    public let playbackParameters: ALSANegotiatedParameters
    /// The frames the engine takes per call (its output stage's block, a hop) and its delay (the
    /// output stage's: STFT frame − hop).
    public let hop: Int
    public let engineLatency: Int

    /// The end-to-end latency, in frames: from a sample entering the capture device to the same
    /// instant of the separated signal leaving the playback device. The output stream lags the
    /// input stream by the STFT's frame − hop and the playback prefill (the stream lag); the playback
    /// device runs behind the capture device by the frames capture had taken when playback
    /// started — at least a hop (the engine needs a whole one), a period more when the first
    /// block was queued after the device clock's next period (as the paced rig shows, run to run).
    /// Measured at that start, so it is what a listener gets; until then, the least it can be.
    /// Freewheeling devices have no clock to run behind: there the output stream's lag is all.
    public var latencyFrames: Int {
        Self.latencyFrames(
            pacing: configuration.pacing, engineLatency: engineLatency, hop: hop,
            prefill: playbackParameters.prefillFrames, capturedAtPlaybackStart: capturedAtPlaybackStart)
    }

    /// Whether `latencyFrames` is final (playback has started, or nothing is paced).
    public var latencyIsMeasured: Bool { configuration.pacing == .freewheel || capturedAtPlaybackStart != nil }

    /// Frames capture had taken when playback started its device; nil until then.
    package var capturedAtPlaybackStart: Int? {
        let captured = status.capturedAtPlaybackStart.load(ordering: .relaxed)
        return captured >= 0 ? captured : nil
    }

    /// `latencyFrames` from its parts; before playback has started (`capturedAtPlaybackStart`
    /// nil, or no pipeline at all), the least it can be.
    package static func latencyFrames(
        pacing: DaemonConfiguration.Pacing, engineLatency: Int, hop: Int, prefill: Int, capturedAtPlaybackStart: Int?
    ) -> Int {
        let streamLag = engineLatency + prefill
        if pacing == .freewheel { return streamLag }
        return streamLag + (capturedAtPlaybackStart ?? hop)
    }

    /// Threads currently inside an audio loop, over all pipelines of the process (for tests and
    /// the control plane).
    public static let runningAudioThreads = Atomic<Int>(0)

    // Owner thread only, and only until `start()` hands them to their threads.
    private var capturePCM: ALSAPCM?
    private var playbackPCM: ALSAPCM?
    private var threads: [AudioThread] = []

    // Processing thread only.
    let separator: OnlineSeparator<Float>
    let renderer: OutputRenderer
    let engineInput: UnsafeMutablePointer<Float>    // hop × M
    let engineOutput: UnsafeMutablePointer<Float>   // hop × K
    let renderedOutput: UnsafeMutablePointer<Float> // hop × P
    // Capture thread only.
    let captureBuffer: UnsafeMutablePointer<Float>  // capture period × M
    let bypassScratch: UnsafeMutablePointer<Float>  // capture period × 1
    // Playback thread only.
    let playbackBuffer: UnsafeMutablePointer<Float> // playback period × P
    let bypassBuffer: UnsafeMutablePointer<Float>   // playback period × 1

    let inputRing: SPSCRing<Float>
    let outputRing: SPSCRing<Float>
    /// FIR stage: the microphones, processing → learning thread, a hop at a time there.
    let learnRing: SPSCRing<Float>
    /// Rung by processing after a push to `learnRing` (and when it ends); waited on by learning.
    let learnReady = Doorbell()
    /// Freewheel only: rung by learning after a pop (processing waits for space, as nothing is
    /// skipped when nothing is paced).
    let learnSpace = Doorbell()
    // Learning thread only (FIR stage).
    let learnInput: UnsafeMutablePointer<Float>     // hop × M
    /// The reference microphone, capture → playback, for the `.bypass` fallback.
    let bypassRing: SPSCRing<Float>
    /// Rung by capture after a push; waited on by processing.
    let inputReady = Doorbell()
    /// Rung by processing after a push (and when it ends); waited on by playback.
    let outputReady = Doorbell()
    /// Freewheel only: rung by processing after a pop (capture waits for space) and by playback
    /// after a pop (processing waits for space).
    let inputSpace = Doorbell()
    let outputSpace = Doorbell()

    /// `Control` raw values: run, stop (finish and drain), abort (a device failed: leave now).
    let control = Atomic<Int>(Control.run.rawValue)
    let captureDone = Atomic<Bool>(false)
    let processingDone = Atomic<Bool>(false)
    let exitedThreads = Atomic<Int>(0)
    private let started = Atomic<Bool>(false)
    /// Milliseconds the capture thread is asked to sleep once (`injectStall`), 0 for none.
    let stallRequest = Atomic<Int>(0)

    enum Control: Int {
        case run, stop, abort
    }

    /// Opens both PCMs (capture first) and allocates everything. Throws `.configuration` or
    /// `.engine` before opening anything, `.device` with the `ALSAError` of the PCM that failed;
    /// nothing stays open after a throw.
    ///
    /// `engine`, `output`, `events` and `commands` let a daemon carry its demixing state, output
    /// settings, log queues and command channel over a device reopen; each is created afresh when
    /// nil (and the initialiser with only `configuration` is the public one). A given `engine` must
    /// have been built from `configuration.engine`'s shape, `output` for its playback channels.
    package init(
        configuration: DaemonConfiguration, engine: OnlineSeparator<Float>? = nil, output: LiveOutput? = nil,
        events: AudioEventQueues? = nil, commands: EngineChannel? = nil
    ) throws(PipelineError) {
        if let problem = configuration.problem() { throw .configuration(problem) }
        if let output, output.playbackChannels != configuration.resolvedPlaybackChannels {
            throw .configuration("the output settings have \(output.playbackChannels) routes for \(configuration.resolvedPlaybackChannels) playback channels")
        }
        let separator: OnlineSeparator<Float>
        do {
            if let engine {
                separator = engine
            } else {
                separator = try Self.makeEngine(configuration)
            }
            // First calls instantiate generic metadata and take first-time paths; do that here, on a
            // scratch engine, so the processing thread's first block is already steady state and
            // the engine that runs starts from scratch, exactly as `bssd separate` does.
            try Self.warmUp(configuration)
        } catch {
            throw .engine(error)
        }
        let capture: ALSAPCM, playback: ALSAPCM
        do {
            capture = try ALSAPCM(configuration: configuration.captureRequest)
            playback = try ALSAPCM(configuration: configuration.playbackRequest)
        } catch {
            throw .device(error)
        }
        self.configuration = configuration
        self.separator = separator
        capturePCM = capture
        playbackPCM = playback
        captureParameters = capture.negotiated
        playbackParameters = playback.negotiated
        hop = separator.blockSize
        engineLatency = separator.latency
        self.output = output ?? LiveOutput(configuration.resolvedOutput)
        self.events = events ?? AudioEventQueues()
        self.commands = commands ?? EngineChannel()

        let M = configuration.captureChannels, K = configuration.engine.sources
        let P = configuration.resolvedPlaybackChannels
        status = PipelineStatus(channels: M, sources: K)
        renderer = OutputRenderer(
            sources: K, channels: M, playbackChannels: P, hop: hop, latency: engineLatency,
            referenceMic: configuration.engine.referenceMic)
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))  // also faults the pages in
            return pointer
        }
        engineInput = buffer(hop * M)
        learnInput = buffer(separator.learnsSeparately ? configuration.engine.hop * M : 0)
        // Four hops: the learning thread may run a hop late at most that often before it skips one.
        learnRing = SPSCRing(capacityFrames: separator.learnsSeparately ? 4 * configuration.engine.hop : 1, channels: M)
        engineOutput = buffer(hop * K)
        renderedOutput = buffer(hop * P)
        captureBuffer = buffer(captureParameters.periodFrames * M)
        bypassScratch = buffer(captureParameters.periodFrames)
        playbackBuffer = buffer(playbackParameters.periodFrames * P)
        bypassBuffer = buffer(playbackParameters.periodFrames)
        // Room for several hops and several device buffers: the rings absorb scheduling jitter
        // between the threads, while the latency is set by what playback keeps queued.
        let frames = 4 * (hop + captureParameters.bufferFrames + playbackParameters.bufferFrames)
        inputRing = SPSCRing(capacityFrames: frames, channels: M)
        outputRing = SPSCRing(capacityFrames: frames, channels: P)
        bypassRing = SPSCRing(capacityFrames: 2 * (captureParameters.bufferFrames + playbackParameters.bufferFrames), channels: 1)
    }

    public convenience init(configuration: DaemonConfiguration) throws(PipelineError) {
        try self.init(configuration: configuration, engine: nil)
    }

    deinit {
        // Threads hold the pipeline while they run, so none is running here; release any never joined.
        for thread in threads { pthread_detach(thread.handle) }
        for pointer in [engineInput, learnInput, engineOutput, renderedOutput, captureBuffer, bypassScratch, playbackBuffer, bypassBuffer] {
            pointer.deallocate()
        }
    }

    /// Locks memory (if configured), starts processing, playback and capture, and gives them
    /// SCHED_FIFO (if configured). Returns at most one warning per refused setting, for the caller
    /// to log; the pipeline runs either way. Call once.
    public func start() throws(PipelineError) -> [String] {
        precondition(!started.exchange(true, ordering: .relaxed), "SeparationPipeline.start() called twice")
        var warnings: [String] = []
        if configuration.lockMemory {
            let code = AudioThread.lockAllMemory()
            if code != 0 {
                warnings.append(
                    "Could not lock bssd's memory (mlockall: \(Errno(code))): a page fault on an "
                        + "audio thread can cause a dropout. Allow it with LimitMEMLOCK=infinity in the systemd unit "
                        + "or a memlock limit for the user (/etc/security/limits.d), or pass --no-mlock.")
            }
        }
        guard let capture = capturePCM, let playback = playbackPCM else { preconditionFailure("PCMs already handed out") }
        capturePCM = nil
        playbackPCM = nil
        var bodies: [(String, @Sendable () -> Void)] = [
            ("bssd-process", { [self] in runLoop(status.processingState) { processingLoop() } }),
            ("bssd-playback", { [self] in runLoop(status.playbackState) { playbackLoop(playback) } }),
            ("bssd-capture", { [self] in runLoop(status.captureState) { captureLoop(capture) } }),
        ]
        if separator.learnsSeparately {
            bodies.insert(("bssd-learn", { [self] in runLoop(status.learnerState) { learningLoop() } }), at: 0)
        }
        for (name, body) in bodies {
            switch AudioThread.spawn(name: name, body) {
            case let .success(thread):
                threads.append(thread)
            case let .failure(error):
                abort()
                wait()
                throw error
            }
        }
        if let priority = configuration.realtimePriority {
            var refusal: Int32 = 0
            // The learning thread stays at normal priority: its hops take milliseconds of CPU, and at
            // real-time priority it would hold a core the audio threads and the sound server need.
            // Falling behind costs it only skipped frames (`learnerSkippedFrames`).
            for thread in threads where thread.name != "bssd-learn" {
                let level = thread.name == "bssd-process" ? max(1, priority - 5) : priority
                let code = thread.setRealtimePriority(level)
                if code != 0, refusal == 0 { refusal = code }
            }
            if refusal != 0 {
                warnings.append(
                    "Could not give the audio threads real-time priority (SCHED_FIFO \(priority)): "
                        + "\(Errno(refusal)). They run at normal priority and may drop out under "
                        + "load. Allow it with LimitRTPRIO=\(priority) in the systemd unit or an rtprio limit for the "
                        + "user (/etc/security/limits.d), or pass --rt-priority 0.")
            }
        }
        return warnings
    }

    /// Asks the threads to finish: capture stops, the captured whole hops are processed and played,
    /// playback drains. Returns at once; `wait()` joins. Any thread, async-signal-safe.
    public func stop() {
        _ = control.compareExchange(expected: Control.run.rawValue, desired: Control.stop.rawValue, ordering: .sequentiallyConsistent)
        ringAll()
    }

    /// Makes the capture thread sleep `milliseconds` once, at its next period: a stuck audio
    /// thread on demand, for tests of xrun recovery (`bssd run --test-stall-signal`). Any thread,
    /// async-signal-safe.
    public func injectStall(milliseconds: Int) {
        stallRequest.store(max(milliseconds, 0), ordering: .relaxed)
    }

    /// Stops at once without draining (a device failed).
    func abort() {
        control.store(Control.abort.rawValue, ordering: .sequentiallyConsistent)
        ringAll()
    }

    private func ringAll() {
        inputReady.ring(); outputReady.ring(); inputSpace.ring(); outputSpace.ring(); learnReady.ring(); learnSpace.ring()
    }

    /// Joins the audio threads (owner thread only). After it returns both PCMs are closed and
    /// `status` is final.
    public func wait() {
        for thread in threads { thread.join() }
        threads.removeAll()
    }

    /// True once every started audio thread has left its loop (and closed its PCM).
    public var isFinished: Bool {
        started.load(ordering: .relaxed) && exitedThreads.load(ordering: .acquiring) == (separator.learnsSeparately ? 4 : 3)
    }

    private func runLoop(_ state: borrowing Atomic<UInt8>, _ loop: () -> Void) {
        Self.runningAudioThreads.add(1, ordering: .relaxed)
        state.store(AudioThreadState.running.rawValue, ordering: .relaxed)
        loop()
        _ = state.compareExchange(expected: AudioThreadState.running.rawValue, desired: AudioThreadState.finished.rawValue, ordering: .relaxed)
        Self.runningAudioThreads.subtract(1, ordering: .relaxed)
        exitedThreads.add(1, ordering: .releasing)
    }

    /// Runs a scratch engine with the same settings over a few blocks of noise, enough to fill its
    /// history and take every path once, then through each engine command.
    private static func warmUp(_ daemonConfiguration: DaemonConfiguration) throws(SeparatorConfigurationError) {
        // With the running engine's tap, so that the first snapshot is not taken on the audio thread.
        let scratch = try makeEngine(daemonConfiguration)
        let configuration = daemonConfiguration.engine
        let M = configuration.channels, block = scratch.blockSize
        var input = [Float](repeating: 0, count: block * M)
        var output = [Float](repeating: 0, count: block * configuration.sources)
        var random = SplitMix64(seed: 0x9E37_79B9)
        // Long enough for the tap to take a snapshot too, however many hops apart they are.
        let hops = configuration.history + configuration.block + 4 + (scratch.observationInterval ?? 0)
        for _ in 0..<(hops * configuration.hop / block) {
            for i in input.indices { input[i] = Float(random.signal() / 8) }
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in scratch.process(input: x.baseAddress!, output: y.baseAddress!) }
            }
        }
        // The control plane's paths too: their first use instantiates metadata in unoptimised builds.
        let channel = EngineChannel()
        channel.stateSlot = scratch.makeState()
        for command in [EngineCommand.configure(configuration), .copyState, .loadState, .reset] {
            scratch.perform(command, channel: channel)
        }
    }

    /// Snapshots per second the live engine's observation tap takes: enough for a monitor's
    /// refresh, at one snapshot's computation every few hops on the processing thread.
    package static let observationsPerSecond = 10.0

    /// The engine the live path runs for `configuration`, with an observation tap taking about
    /// `observationsPerSecond` snapshots (`control-protocol.md`, `observe`).
    package static func makeEngine(_ configuration: DaemonConfiguration) throws(SeparatorConfigurationError) -> OnlineSeparator<Float> {
        try OnlineSeparator<Float>(
            configuration: configuration.engine, stage: configuration.engineStage,
            observationInterval: observationInterval(sampleRate: configuration.sampleRate, hop: configuration.engine.hop))
    }

    /// Hops between two snapshots: round(rate / `observationsPerSecond` / hop), at least one.
    package static func observationInterval(sampleRate: Int, hop: Int) -> Int {
        max(1, Int((Double(sampleRate) / observationsPerSecond / Double(hop)).rounded()))
    }
}

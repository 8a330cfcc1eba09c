import ArgumentParser
import AudioIO
import BSSDKit
import Foundation
import RealtimeEngine
import Synchronization

/// The signal that asked the run to stop (0 until one arrives). Written by the signal handler:
/// an atomic store is async-signal-safe; touched once on the main thread before the handlers are
/// installed, so its lazy initialisation never runs inside a handler.
private let stopSignal = Atomic<Int32>(0)

/// `bssd run`: the live daemon, capture → separation → playback, in the foreground.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Separate a live ALSA capture stream into an ALSA playback stream.",
        discussion: """
            Captures M channels from --capture, separates them with the streaming engine and plays one \
            channel per source to --playback, on three threads (capture, processing, playback) joined by \
            lock-free rings. SIGINT or SIGTERM stops it: the captured audio is processed and played out, a \
            one-line summary is printed and bssd exits 0 (a second signal kills it). With unclocked PCMs \
            (null, file) use --freewheel: in real-time pacing they spin, at SCHED_FIFO priority too. Exit codes: 64 bad option, 66 unreadable \
            --asoundrc, 69 device missing or failing, 77 permission denied, 78 invalid setting.
            Example: bssd run --capture plughw:CARD=Array --playback default --channels 4 --period 256
            """
    )

    @Option(help: "Capture PCM (e.g. hw:1, plughw:CARD=Array,DEV=0, or a name from --asoundrc).")
    var capture: String

    @Option(help: "Playback PCM.")
    var playback: String

    @Option(help: "Sample rate in Hz, for both devices and the engine (granted exactly or refused).")
    var rate: Int = 16000

    @Option(help: "Microphones to capture (M); also the number of separated sources.")
    var channels: Int = 2

    @Option(name: .customLong("playback-channels"), help: "Channels to open for playback (default: one per source; extra ones are silent).")
    var playbackChannels: Int?

    @Option(help: "Frames per ALSA period.")
    var period: Int = 256

    @Option(help: "Periods per ALSA buffer.")
    var periods: Int = 3

    @Option(help: "Periods of silence queued before playback starts: the margin for processing jitter.")
    var prefill: Int = 1

    @Option(help: "A file of ALSA definitions (asoundrc syntax) loaded for these two devices only.")
    var asoundrc: String?

    @Option(help: "Stop by itself after capturing this many seconds.")
    var duration: Double?

    @Option(help: "What to play when separation is late: silence or bypass (the reference microphone).")
    var fallback: DaemonConfiguration.LateFallback = .silence

    @Option(name: .customLong("rt-priority"), help: "SCHED_FIFO priority of the audio threads (1–99); 0 leaves them at normal priority.")
    var realtimePriority: Int = 70

    @Flag(name: .customLong("no-mlock"), help: "Do not lock bssd's memory (mlockall).")
    var noMemoryLock = false

    @Flag(help: "Never drop or substitute audio: threads wait for each other (for clockless PCMs such as ALSA's file plugin).")
    var freewheel = false

    @OptionGroup(title: "Engine")
    var engine: EngineOptions

    func run() throws {
        var definitions: String?
        if let asoundrc {
            do { definitions = try String(contentsOfFile: asoundrc, encoding: .utf8) } catch {
                Self.log("bssd run: cannot read --asoundrc \(asoundrc): \(error.localizedDescription)")
                throw ExitCode(66)
            }
        }
        let configuration = DaemonConfiguration(
            captureDevice: capture, playbackDevice: playback, sampleRate: rate,
            engine: engine.configuration(channels: channels), playbackChannels: playbackChannels,
            periodFrames: period, periods: periods, playbackPrefillPeriods: prefill, alsaDefinitions: definitions,
            duration: duration, lateFallback: fallback, pacing: freewheel ? .freewheel : .realtime,
            realtimePriority: realtimePriority > 0 ? realtimePriority : nil, lockMemory: !noMemoryLock)

        // alsa-lib would print its own terse line for every failed open; the ALSAError says more.
        ALSALibraryMessages.silence()
        let pipeline: SeparationPipeline
        do {
            pipeline = try SeparationPipeline(configuration: configuration)
        } catch {
            Self.log("bssd run: \(error)")
            throw ExitCode(error.exitCode)
        }
        let c = pipeline.captureParameters, p = pipeline.playbackParameters
        Self.log("bssd run: capture '\(capture)' \(c.channels) ch \(c.format) \(c.sampleRate) Hz, period \(c.periodFrames) × \(c.periods); "
            + "playback '\(playback)' \(p.channels) ch \(p.format), period \(p.periodFrames) × \(p.periods), prefill \(p.prefillFrames); "
            + "engine \(configuration.engine.algorithm.rawValue)-\(configuration.engine.updateRule.rawValue) frame "
            + "\(configuration.engine.frameLength) hop \(pipeline.hop); latency ≥ "
            + String(format: "%.1f ms", Double(pipeline.engineLatency + pipeline.hop + p.prefillFrames) * 1000 / Double(rate)))

        _ = stopSignal.load(ordering: .relaxed)
        signal(SIGINT) { stopSignal.store($0, ordering: .relaxed) }
        signal(SIGTERM) { stopSignal.store($0, ordering: .relaxed) }

        let warnings: [String]
        do { warnings = try pipeline.start() } catch {
            Self.log("bssd run: \(error)")
            throw ExitCode(error.exitCode)
        }
        for warning in warnings { Self.log("bssd run: warning: \(warning)") }

        var stopping = false
        while !pipeline.isFinished {
            if !stopping, stopSignal.load(ordering: .relaxed) != 0 {
                stopping = true
                pipeline.stop()
                // A second Ctrl-C kills at once, should draining ever hang.
                signal(SIGINT, SIG_DFL)
                signal(SIGTERM, SIG_DFL)
            }
            usleep(50_000)
        }
        pipeline.wait()

        let s = pipeline.status.snapshot()
        let budget = Double(pipeline.hop) * 1000 / Double(rate)
        var summary = "bssd run: \(s.capturedFrames) frames captured, \(s.processedFrames) processed, \(s.playedFrames) played; "
            + "xruns capture \(s.captureXruns) playback \(s.playbackXruns); late blocks \(s.lateBlocks); "
            + String(format: "block time max %.2f ms of %.2f ms budget; ", Double(s.maxBlockNanoseconds) / 1e6, budget)
            + "audio-thread allocations \(s.audioThreadAllocations)"
        if s.captureOverrunFrames > 0 { summary += "; \(s.captureOverrunFrames) captured frames dropped (capture ring full)" }
        if s.resyncFrames > 0 { summary += "; \(s.resyncFrames) separated frames skipped to recover the latency after late blocks" }
        if s.outputOverrunFrames > 0 { summary += "; \(s.outputOverrunFrames) separated frames dropped (output ring full)" }
        Self.log(summary)
        if s.deviceFailed {
            for error in s.errors { Self.log("bssd run: \(error)") }
            throw ExitCode(69)
        }
    }

    private static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension DaemonConfiguration.LateFallback: ExpressibleByArgument {}

extension PipelineError {
    /// sysexits: 78 a setting, 77 permission, 69 a device missing, busy or failing.
    var exitCode: Int32 {
        switch self {
        case .configuration, .engine: 78
        case let .device(error):
            switch error {
            case .invalidConfiguration, .invalidDefinitions, .parameterRefused: 78
            case let .cannotOpen(_, _, code, _) where code == -EACCES || code == -EPERM: 77
            default: 69
            }
        case .thread: 71
        }
    }
}

import DaemonConfig
import DaemonLogging
import Glibc
import LivePipeline
import RealtimeSupport
import Synchronization

/// The thread that turns the audio threads' `AudioEvent`s into log lines, so that the audio path
/// never formats text or writes to a descriptor.
///
/// It wakes every `interval`, drains the queues, and rate-limits per kind (`LogRateLimit`): the
/// first event of a kind in a window is written at once with an explanation for the operator;
/// later ones in the same window are counted and summed up in one line when the window closes. A
/// burst of xruns thus gives two lines a second, not hundreds.
public final class EventLogger: @unchecked Sendable {
    /// What the logger says about where events come from.
    public struct Context: Sendable {
        public var captureDevice: String
        public var playbackDevice: String
        public var lateFallback: DaemonConfiguration.LateFallback

        public init(captureDevice: String, playbackDevice: String, lateFallback: DaemonConfiguration.LateFallback) {
            self.captureDevice = captureDevice
            self.playbackDevice = playbackDevice
            self.lateFallback = lateFallback
        }
    }

    private let queues: AudioEventQueues
    private let log: DaemonLog
    private let context: Mutex<Context>
    private let intervalMicroseconds: UInt32
    private let running = Atomic<Bool>(false)
    private var thread: AudioThread?
    // Logger thread only.
    private var rateLimit: LogRateLimit<AudioEvent.Kind, AudioEvent>

    public init(queues: AudioEventQueues, log: DaemonLog, context: Context, window: Double = 1, interval: Double = 0.1) {
        self.queues = queues
        self.log = log
        self.context = Mutex(context)
        rateLimit = LogRateLimit(windowNanoseconds: Int(window * 1e9))
        intervalMicroseconds = UInt32(interval * 1e6)
    }

    /// After a reload or reopen the devices may have other names.
    public func update(_ newContext: Context) {
        context.withLock { $0 = newContext }
    }

    public func start() throws(PipelineError) {
        running.store(true, ordering: .relaxed)
        thread = try AudioThread.spawn(name: "bssd-log") { [self] in
            while running.load(ordering: .relaxed) {
                usleep(intervalMicroseconds)
                flush(now: MonotonicClock.nanoseconds)
            }
            flush(now: .max)
        }.get()
    }

    /// Writes what is still queued and ends the thread.
    public func stop() {
        guard let thread else { return }
        running.store(false, ordering: .relaxed)
        thread.join()
        self.thread = nil
    }

    /// Drains the queues and writes what is due; `now == .max` closes every window. Exposed to the
    /// tests, which call it instead of starting the thread.
    func flush(now: Int) {
        queues.drain { event in
            if rateLimit.record(event.kind, event, amount: event.count, at: event.time, summarize: summarize) {
                write(event)
            }
        }
        rateLimit.closeDue(now: now, summarize: summarize)
    }

    private func summarize(_ kind: AudioEvent.Kind, _ window: LogRateLimit<AudioEvent.Kind, AudioEvent>.Window) {
        let amount = Self.unitless(kind) ? "" : " (\(window.amount) \(Self.unit(kind)))"
        log.warning("\(window.suppressed) more \(Self.noun(kind)) \(window.span)\(amount); \(window.last.total) in total since start.")
    }

    private func write(_ event: AudioEvent) {
        let context = context.withLock { $0 }
        switch event.kind {
        case .captureXrun:
            log.warning(
                "Capture overrun on \(context.captureDevice) (xrun \(event.total)): bssd read the microphones too late "
                    + "and ALSA dropped input; recovered. If this repeats, give bssd real-time priority (LimitRTPRIO) "
                    + "or raise audio.period / audio.periods.")
        case .playbackXrun:
            log.warning(
                "Playback underrun on \(context.playbackDevice) (xrun \(event.total)): the device ran out of output "
                    + "and played a gap; recovered. If this repeats, raise audio.prefill or audio.periods.")
        case .captureOverrun:
            log.warning(
                "Processing fell behind: \(event.count) captured frames dropped (\(event.total) in total). The engine "
                    + "is too slow for these settings: lower engine.iterations, raise engine.hop, or check the block "
                    + "time with `bssctl status`.")
        case .outputOverrun:
            log.warning(
                "Playback fell behind: \(event.count) separated frames dropped (\(event.total) in total). The "
                    + "playback device takes frames slower than capture delivers them (clock drift or a stalled device).")
        case .lateBlock:
            log.warning(
                "Late block \(event.total): the separated output was not ready when playback needed it, so a period "
                    + "of \(context.lateFallback == .bypass ? "unseparated microphone" : "silence") was played. If this "
                    + "repeats, raise audio.prefill or lower the engine's load.")
        case .nonFiniteInput:
            log.warning(
                "\(event.count) NaN/Inf samples in the captured audio were replaced by silence (\(event.total) in "
                    + "total): the capture device or its driver delivers invalid data.")
        case .stallInjected:
            log.notice("Test hook: the capture thread stalled for \(event.count) ms on request.")
        }
    }

    private static func noun(_ kind: AudioEvent.Kind) -> String {
        switch kind {
        case .captureXrun: "capture overruns"
        case .playbackXrun: "playback underruns"
        case .captureOverrun: "capture-ring overflows"
        case .outputOverrun: "output-ring overflows"
        case .lateBlock: "late blocks"
        case .nonFiniteInput: "captured periods with NaN/Inf"
        case .stallInjected: "injected stalls"
        }
    }

    private static func unitless(_ kind: AudioEvent.Kind) -> Bool {
        [.captureXrun, .playbackXrun, .lateBlock].contains(kind)
    }

    private static func unit(_ kind: AudioEvent.Kind) -> String {
        switch kind {
        case .nonFiniteInput: "samples"
        case .stallInjected: "ms"
        default: "frames"
        }
    }
}

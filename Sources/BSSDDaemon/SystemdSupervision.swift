import DaemonLogging
import RealtimeSupport

/// The daemon's side of systemd's notify protocol, on the main thread: READY=1 once the first
/// block is separated, RELOADING=1 / READY=1 around a reload, STOPPING=1, a STATUS= line every
/// few seconds, and WATCHDOG=1 only while the engine makes progress (or while the daemon is
/// deliberately waiting to reopen a lost device), so systemd restarts a wedged engine.
///
/// A notification that cannot be sent is logged once and never stops the daemon. When systemd
/// is not reading (its queue is full) nothing waits: a state change (READY, RELOADING, STOPPING)
/// is kept and sent again at the next ticks, since systemd acts on it; a WATCHDOG or STATUS is
/// dropped and counted (`dropped`), since the next one replaces it.
struct SystemdSupervision {
    let notifier: SystemdNotifier
    private let log: DaemonLog
    private var policy: WatchdogPolicy
    private var lastPing: Int
    private var lastStatus = 0
    private var warned = false
    /// State changes not yet taken by systemd, oldest first.
    private var pending: [[String]] = []
    /// Notifications dropped because systemd was not reading.
    private(set) var dropped = 0
    static let statusIntervalNanoseconds = 5_000_000_000
    /// State changes kept for systemd at most; beyond that the oldest is dropped (a reload storm
    /// while systemd is hung must not grow the daemon).
    static let pendingLimit = 8

    init(notifier: SystemdNotifier, log: DaemonLog, progress: @escaping () -> Int) {
        self.notifier = notifier
        self.log = log
        policy = WatchdogPolicy(progress: progress)
        lastPing = MonotonicClock.nanoseconds
    }

    mutating func ready(_ status: String) { sendStateChange(SystemdNotifier.readyFields(status: status)) }
    mutating func reloading() { sendStateChange(SystemdNotifier.reloadingFields()) }
    mutating func stopping() { sendStateChange(["STOPPING=1"]) }

    /// Every main-loop tick: the watchdog at half its timeout, the status line every 5 s.
    /// `waiting` is true while the daemon is reopening a device (no progress is expected).
    mutating func tick(waiting: Bool, status: () -> String) {
        flushPending()
        let now = MonotonicClock.nanoseconds
        if let interval = notifier.watchdogInterval {
            let (seconds, attoseconds) = interval.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            if now - lastPing >= nanoseconds {
                let progressed = policy.shouldPing()
                if progressed || waiting {
                    send { [notifier] () throws(SystemdNotifyError) in try notifier.watchdog() }
                    lastPing = now
                }
            }
        }
        if notifier.isEnabled, now - lastStatus >= Self.statusIntervalNanoseconds {
            lastStatus = now
            let line = status()
            send { [notifier] () throws(SystemdNotifyError) in try notifier.status(line) }
        }
    }

    /// Sends a state change after those still pending, so systemd sees them in order.
    private mutating func sendStateChange(_ fields: [String]) {
        pending.append(fields)
        if pending.count > Self.pendingLimit {
            pending.removeFirst()
            dropped += 1
        }
        flushPending()
    }

    private mutating func flushPending() {
        while let fields = pending.first {
            guard send({ [notifier] () throws(SystemdNotifyError) in try notifier.send(fields) }) != .notReading else { return }
            pending.removeFirst()
        }
    }

    private enum Outcome { case sent, notReading, failed }

    @discardableResult
    private mutating func send(_ body: () throws(SystemdNotifyError) -> Void) -> Outcome {
        do throws(SystemdNotifyError) {
            try body()
            return .sent
        } catch {
            if case .notReading = error {
                dropped += 1
                if !warned {
                    log.warning("\(error) systemd may be hung; state changes are sent again once it reads, "
                        + "watchdog and status updates are dropped meanwhile.")
                }
                warned = true
                return .notReading
            }
            if !warned { log.warning("Cannot notify systemd: \(error). Watchdog and status updates may be missing.") }
            warned = true
            return .failed
        }
    }
}

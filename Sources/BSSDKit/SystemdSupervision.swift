import ControlProtocol

/// The daemon's side of systemd's notify protocol, on the main thread: READY=1 once the first
/// block is separated, RELOADING=1 / READY=1 around a reload, STOPPING=1, a STATUS= line every
/// few seconds, and WATCHDOG=1 only while the engine makes progress (or while the daemon is
/// deliberately waiting to reopen a lost device), so systemd restarts a wedged engine.
///
/// A notification that cannot be sent is logged once and never stops the daemon.
struct SystemdSupervision {
    let notifier: SystemdNotifier
    private let log: DaemonLog
    private var policy: WatchdogPolicy
    private var lastPing: Int
    private var lastStatus = 0
    private var warned = false
    static let statusIntervalNanoseconds = 5_000_000_000

    init(notifier: SystemdNotifier, log: DaemonLog, progress: @escaping () -> Int) {
        self.notifier = notifier
        self.log = log
        policy = WatchdogPolicy(progress: progress)
        lastPing = MonotonicClock.nanoseconds
    }

    mutating func ready(_ status: String) { send { [notifier] in try notifier.ready(status: status) } }
    mutating func reloading() { send { [notifier] in try notifier.reloading() } }
    mutating func stopping() { send { [notifier] in try notifier.stopping() } }

    /// Every main-loop tick: the watchdog at half its timeout, the status line every 5 s.
    /// `waiting` is true while the daemon is reopening a device (no progress is expected).
    mutating func tick(waiting: Bool, status: () -> String) {
        let now = MonotonicClock.nanoseconds
        if let interval = notifier.watchdogInterval {
            let (seconds, attoseconds) = interval.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            if now - lastPing >= nanoseconds {
                let progressed = policy.shouldPing()
                if progressed || waiting {
                    send { [notifier] in try notifier.watchdog() }
                    lastPing = now
                }
            }
        }
        if notifier.isEnabled, now - lastStatus >= Self.statusIntervalNanoseconds {
            lastStatus = now
            let line = status()
            send { [notifier] in try notifier.status(line) }
        }
    }

    private mutating func send(_ body: () throws -> Void) {
        do { try body() } catch {
            if !warned { log.warning("Cannot notify systemd: \(error). Watchdog and status updates may be missing.") }
            warned = true
        }
    }
}

import BSSDDaemon
import Glibc
import Synchronization

/// Signals for `bssd run`: SIGINT/SIGTERM stop (drain and exit 0; a second one kills at once),
/// SIGHUP reloads the config file, SIGUSR1 stalls the capture thread for 200 ms when the test
/// hook is on. Handlers only store into atomics (async-signal-safe); the daemon's main loop
/// forwards them every tick.
enum DaemonSignals {
    private static let stop = Atomic<Bool>(false)
    private static let reload = Atomic<Bool>(false)
    private static let stall = Atomic<Bool>(false)

    static func install(stall stallHook: Bool) {
        // Touch the atomics first so their lazy initialisation never runs inside a handler.
        _ = stop.load(ordering: .relaxed)
        _ = reload.load(ordering: .relaxed)
        _ = stall.load(ordering: .relaxed)
        signal(SIGINT) { _ in DaemonSignals.stop.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in DaemonSignals.stop.store(true, ordering: .relaxed) }
        signal(SIGHUP) { _ in DaemonSignals.reload.store(true, ordering: .relaxed) }
        if stallHook { signal(SIGUSR1) { _ in DaemonSignals.stall.store(true, ordering: .relaxed) } }
        // A client that leaves mid-reply must not kill the daemon; sends report EPIPE instead.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Main thread, every tick.
    static func forward(to daemon: Daemon) {
        if stop.exchange(false, ordering: .relaxed) {
            daemon.requestStop()
            // Should draining ever hang, the next signal ends the process.
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        if reload.exchange(false, ordering: .relaxed) { daemon.requestReload() }
        if stall.exchange(false, ordering: .relaxed) { daemon.requestStall(milliseconds: 200) }
    }
}

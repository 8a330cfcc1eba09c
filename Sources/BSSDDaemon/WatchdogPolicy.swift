/// Decides whether the daemon has earned its next `WATCHDOG=1`. A ping from a timer alone would
/// only prove the main loop is alive; tying it to the processing thread's frame counter means a
/// wedged engine or a PCM that stopped delivering audio stops the pings, and systemd restarts the
/// service after WatchdogSec=.
///
/// Use from one thread (the main loop), every `SystemdNotifier.watchdogInterval`:
///
///     var policy = WatchdogPolicy { pipeline.status.processedFrames.load(ordering: .relaxed) }
///     if policy.shouldPing() { try notifier.watchdog() }
public struct WatchdogPolicy {
    private let progress: () -> Int
    private var lastSeen: Int

    /// `progress` returns a counter that moves while the daemon works (processed frames). The
    /// value at creation is the baseline: the first ping needs progress after it.
    public init(progress: @escaping () -> Int) {
        self.progress = progress
        lastSeen = progress()
    }

    /// True when the counter changed since the previous call (or since `init`). "Changed" rather
    /// than "grew": a reload that builds a new pipeline restarts the count at 0, and that new
    /// pipeline's first frames must count as progress.
    public mutating func shouldPing() -> Bool {
        let now = progress()
        defer { lastSeen = now }
        return now != lastSeen
    }
}

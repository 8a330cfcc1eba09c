import Glibc

/// CLOCK_MONOTONIC: deadlines and intervals that a wall-clock step cannot disturb. One reader for
/// the whole project — the audio threads (block times, event stamps), the daemon's timers, the
/// control server and client, and systemd's MONOTONIC_USEC. Allocation-free, never blocks.
public enum MonotonicClock {
    public static var nanoseconds: Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1_000_000_000 + time.tv_nsec
    }

    /// In seconds, for deadlines written in seconds.
    public static var now: Double { Double(nanoseconds) * 1e-9 }
}

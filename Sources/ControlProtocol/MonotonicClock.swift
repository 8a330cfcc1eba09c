import Glibc

/// Seconds on CLOCK_MONOTONIC: deadlines and intervals that a wall-clock step cannot disturb.
public enum MonotonicClock {
    public static var now: Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}

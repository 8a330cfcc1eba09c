import Glibc
import SystemCalls

/// Wakes a thread that waits for a ring to change: the producer `ring()`s after pushing, the
/// consumer `wait`s when it found too little. A POSIX semaphore underneath: `sem_post` neither
/// blocks nor allocates (a futex wake at most), so a real-time producer may ring it; the consumer
/// always re-checks its ring after waking, so a spurious or coalesced ring is harmless.
///
/// `@unchecked Sendable`: it owns a `sem_t`, which is made for use from several threads.
final class Doorbell: @unchecked Sendable {
    private let semaphore: UnsafeMutablePointer<sem_t>

    init() {
        semaphore = .allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// Wakes the waiter, or the next `wait`. Rings already pending are not stacked up (beyond a
    /// benign race), so a consumer that was busy does not spin through stale rings afterwards.
    func ring() {
        var value: Int32 = 0
        sem_getvalue(semaphore, &value)
        if value <= 0 { sem_post(semaphore) }
    }

    /// Waits for a ring, at most `milliseconds` (so that the caller re-checks its stop flag).
    func wait(milliseconds: Int) {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let nanoseconds = deadline.tv_nsec + milliseconds * 1_000_000
        deadline.tv_sec += nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        // Whether it was rung or timed out, the caller looks at its rings and stop flag next.
        _ = Errno.resultRetryingOnInterrupt { sem_timedwait(semaphore, &deadline) }
    }
}

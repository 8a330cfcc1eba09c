import Glibc
import RealtimeSupport
import SystemCalls
import Testing

@Suite("Errno")
struct ErrnoTests {
    @Test("description is strerror's text")
    func description() {
        #expect(Errno(ENOENT).description == "No such file or directory")
        #expect(Errno(EACCES).description == "Permission denied")
    }

    @Test("current reads errno")
    func current() {
        errno = EPIPE
        #expect(Errno.current == Errno(EPIPE))
    }

    @Test("EINTR is retried; the result comes back")
    func retriesInterrupted() throws {
        var calls = 0
        let result = try Errno.retryingOnInterrupt { () -> Int in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 42
        }
        #expect(result == 42)
        #expect(calls == 3)
    }

    @Test("another failure is thrown once, without a retry")
    func throwsOtherFailures() {
        var calls = 0
        #expect(throws: Errno(EAGAIN)) {
            try Errno.retryingOnInterrupt { () -> Int32 in
                calls += 1
                errno = EAGAIN
                return -1
            }
        }
        #expect(calls == 1)
    }

    @Test("a real call: reading a closed descriptor fails with EBADF")
    func realCall() {
        var byte: UInt8 = 0
        #expect(throws: Errno(EBADF)) {
            try Errno.retryingOnInterrupt { read(-1, &byte, 1) }
        }
    }

    /// Audio threads wait on semaphores and sleep through this; a timed wait that times out is
    /// routine there.
    @Test("the result form allocates nothing, whether the call succeeds or fails; the throwing form nothing on success")
    func allocationFree() {
        var total: Int32 = 0
        var deadline = timespec()  // long past: every timed wait times out
        let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        defer { semaphore.deallocate() }
        sem_init(semaphore, 0, 0)
        func timedOut() -> Bool {
            if case .failure(let error) = Errno.resultRetryingOnInterrupt({ sem_timedwait(semaphore, &deadline) }) {
                return error.code == ETIMEDOUT
            }
            return false
        }
        func postedAndTaken() -> Int32 {
            sem_post(semaphore)
            return (try? Errno.retryingOnInterrupt { sem_wait(semaphore) }) ?? -1
        }
        _ = timedOut()
        _ = postedAndTaken()
        let (_, allocations) = AllocationCounter.count {
            for _ in 0..<100 {
                total &+= timedOut() ? 1 : 0
                total &+= postedAndTaken()
            }
        }
        #expect(allocations == 0)
        #expect(total == 100)
    }
}

import Glibc

/// The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), for what a block costs the processing
/// thread. Wall time would also count the time the thread did not run: preempted, or the whole
/// process stopped (SIGSTOP, a debugger, a suspended VM), which once showed as a 203 ms "block".
/// Whether the output was late anyway is the playback thread's `late_blocks`, in wall time.
///
/// Real-time safe: unlike the wall clocks this is a system call rather than a vDSO read, but it
/// neither blocks nor allocates.
enum ThreadCPUClock {
    static var nanoseconds: Int {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return time.tv_sec * 1_000_000_000 + time.tv_nsec
    }

    /// The CPU time `body` takes on the calling thread, in nanoseconds.
    static func measure(_ body: () -> Void) -> Int {
        let begin = nanoseconds
        body()
        return nanoseconds - begin
    }
}

import CSystem
import Glibc

/// A pthread running one audio loop, and the process-level real-time settings around it
/// (SCHED_FIFO, `mlockall`).
///
/// pthreads rather than `Foundation.Thread` because the scheduling policy is set on the
/// `pthread_t`, from the starting thread, so that a refusal comes back to the caller to log
/// instead of being printed from the audio thread. The entry point is a `@convention(c)` function
/// in this library file, never a closure written in `main.swift` (which would be MainActor
/// isolated and trap off the main thread: see docs/realtime.md, "Bites").
package struct AudioThread {
    let name: String
    let handle: pthread_t

    /// Starts `body` on a new thread named `name` (shown by `top -H`, used in messages). Fails with `pthread_create`'s
    /// error code.
    package static func spawn(name: String, _ body: @escaping @Sendable () -> Void) -> Result<AudioThread, PipelineError> {
        let context = Unmanaged.passRetained(Entry(name: name, body)).toOpaque()
        var handle = pthread_t()
        let code = pthread_create(&handle, nil, { raw in
            guard let raw else { return nil }
            let entry = Unmanaged<Entry>.fromOpaque(raw).takeRetainedValue()
            _ = bssd_set_thread_name(entry.name)
            entry.body()
            return nil
        }, context)
        guard code == 0 else {
            Unmanaged<Entry>.fromOpaque(context).release()
            return .failure(.thread(name: name, code: code))
        }
        return .success(AudioThread(name: name, handle: handle))
    }

    /// `pthread_setschedparam(SCHED_FIFO, priority)`: 0 or the errno (EPERM without
    /// CAP_SYS_NICE or an RLIMIT_RTPRIO of at least `priority`).
    func setRealtimePriority(_ priority: Int) -> Int32 {
        var parameters = sched_param()
        parameters.sched_priority = Int32(priority)
        return pthread_setschedparam(handle, Int32(SCHED_FIFO), &parameters)
    }

    /// Waits for the thread to end.
    package func join() {
        pthread_join(handle, nil)
    }

    /// `mlockall(MCL_CURRENT | MCL_FUTURE)`: 0 or the errno (EPERM, or ENOMEM over
    /// RLIMIT_MEMLOCK).
    static func lockAllMemory() -> Int32 {
        mlockall(Int32(MCL_CURRENT | MCL_FUTURE)) == 0 ? 0 : errno
    }

    private final class Entry {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, _ body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}

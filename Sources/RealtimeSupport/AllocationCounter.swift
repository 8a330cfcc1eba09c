import CAllocationCounter

/// Counts heap allocations made by the current thread, to prove that real-time
/// threads (capture, processing, playback) do not allocate once they are running.
///
/// Why: `malloc` and friends take locks, may call `mmap`/`brk`, and have unbounded
/// worst-case latency, so a single allocation on an audio thread can cause an
/// xrun. Swift allocates implicitly (class instances, escaping closures, growing
/// arrays, copy-on-write copies, boxed existentials, first-time generic metadata),
/// so "no allocation" cannot be checked by reading code; it has to be measured.
///
/// How: linking this module links `CAllocationCounter`, which replaces the glibc
/// allocator entry points (`malloc`, `calloc`, `realloc`, `posix_memalign`,
/// `aligned_alloc`, ...) in the whole process with thin wrappers that forward to
/// glibc and, on threads that opted in, increment a thread-local counter. This
/// catches every path to the heap: Swift's `swift_slowAlloc` (which calls
/// `malloc`, or `posix_memalign` for alignments above 16), C++ `operator new`, and
/// C libraries. `free` is not counted.
///
/// Counting is per thread, so tests may run in parallel and a measurement is not
/// disturbed by other threads. ``processTotal`` sums every thread's counted
/// allocations so one thread can monitor another (e.g. a watchdog checking that a
/// running audio thread's count stays flat).
///
/// Warm up first: the first pass through a code path can allocate legitimately
/// (lazy globals, generic metadata instantiation, protocol conformance caches).
/// Measure the steady state, after one or more warm-up iterations.
public enum AllocationCounter {
    /// Runs `body` on the current thread and returns its result together with the
    /// number of allocation calls the current thread made while it ran.
    ///
    /// Allocations made by other threads in the meantime are not counted. Calls
    /// nest: an inner `count` does not stop an outer ``begin()``/``end()`` region.
    @inline(never)
    public static func count<R>(_ body: () throws -> R) rethrows -> (result: R, allocations: Int) {
        let before = bssd_allocation_count()
        bssd_allocation_counting_begin()
        let result: R
        do {
            result = try body()
        } catch {
            bssd_allocation_counting_end()
            throw error
        }
        bssd_allocation_counting_end()
        // Read before building the tuple, so nothing after `body` is counted.
        let allocations = Int(truncatingIfNeeded: bssd_allocation_count() &- before)
        return (result, allocations)
    }

    /// Starts counting the current thread's allocations, for long-running threads:
    /// call it once the thread has finished setting up, and read ``current`` (here,
    /// or ``processTotal`` from elsewhere) to check it stays flat. Nests with
    /// ``end()``.
    @inline(__always)
    public static func begin() {
        bssd_allocation_counting_begin()
    }

    /// Stops counting on the current thread (undoes one ``begin()``).
    @inline(__always)
    public static func end() {
        bssd_allocation_counting_end()
    }

    /// Whether the current thread is counting.
    public static var isCounting: Bool {
        bssd_allocation_counting_active() != 0
    }

    /// Allocation calls the current thread has made while counting, since it
    /// started. Monotonic: compare two readings.
    public static var current: Int {
        Int(truncatingIfNeeded: bssd_allocation_count())
    }

    /// Allocation calls made by all threads while they were counting, since the
    /// process started. Monotonic and safe to read from any thread: a monitor can
    /// sample it while real-time threads run with ``begin()`` in effect.
    public static var processTotal: Int {
        Int(truncatingIfNeeded: bssd_allocation_total())
    }

    /// True when the allocator replacements are linked into this process. It is
    /// always true when this module is linked (the replacements live in the same
    /// object file as the counter functions), and referencing it keeps that object
    /// in static-library links. Tests should still check that counting works,
    /// with a block known to allocate.
    public static var isInterposerLinked: Bool {
        bssd_allocation_interposer_linked() != 0
    }
}

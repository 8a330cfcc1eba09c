#if canImport(Glibc)
import Glibc
#endif
import RealtimeSupport
import Synchronization
import Testing

private final class Payload {
    var value = 0
}

private struct Failure: Error {}

// State shared with the helper thread in `otherThreadsAreNotCounted`. Plain
// globals with atomics, so the main thread's waiting loop does not allocate.
private let phase = Atomic<Int>(0)
private let helperAllocations = Atomic<Int>(0)
private let helperAllocationCount = 100

/// Body of the helper thread: waits for phase 1, allocates while counting itself,
/// records its own count, then sets phase 2. `argument` is a preallocated array of
/// `helperAllocationCount` pointers that receives the blocks, which the main
/// thread frees.
private func helperThread(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let blocks = argument!.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    while phase.load(ordering: .acquiring) != 1 { sched_yield() }
    AllocationCounter.begin()
    let before = AllocationCounter.current
    for i in 0..<helperAllocationCount {
        blocks[i] = malloc(32)
    }
    helperAllocations.store(AllocationCounter.current - before, ordering: .relaxed)
    AllocationCounter.end()
    phase.store(2, ordering: .releasing)
    return nil
}

/// Frees `block` out of the optimizer's sight, so a `malloc` whose block is only
/// freed is not deleted in -O builds (a plain malloc/free pair is).
@inline(never)
private func opaqueFree(_ block: UnsafeMutableRawPointer?) {
    free(block)
}

@Suite struct AllocationCounterTests {
    /// Guards every other test against passing vacuously: if the replacement
    /// `malloc` were not the one being called, this would count 0 and fail.
    ///
    /// Every block allocated under `count` in these tests escapes (returned from
    /// the body, or stored) and is freed outside it: in -O builds LLVM deletes a
    /// `malloc` whose block is only freed, and Swift's optimizer does the same
    /// for unused class instances, so a local malloc/free pair counts 0.
    @Test func interpositionIsActive() {
        #expect(AllocationCounter.isInterposerLinked)
        let (block, allocations) = AllocationCounter.count { malloc(16) }
        free(block)
        #expect(allocations == 1, "malloc is not interposed: the allocator replacement is not linked into this binary")
    }

    @Test func classInstanceIsCounted() {
        let (payload, allocations) = AllocationCounter.count { Payload() }
        payload.value = 1
        #expect(allocations >= 1)
    }

    @Test func arrayIsCounted() {
        let (array, allocations) = AllocationCounter.count { [Int](repeating: 0, count: 1000) }
        #expect(array.count == 1000)
        #expect(allocations >= 1)
    }

    @Test func arithmeticOnPreallocatedBufferDoesNotAllocate() {
        let n = 4096
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0.5, count: n)
        func process() -> Float {
            var sum: Float = 0
            for i in 0..<n {
                buffer[i] = buffer[i] * 0.99 + 0.01
                sum += buffer[i]
            }
            return sum
        }
        _ = AllocationCounter.count(process)  // warm-up: first pass may instantiate metadata
        let (sum, allocations) = AllocationCounter.count(process)
        #expect(sum > 0)
        #expect(allocations == 0)
    }

    @Test func otherThreadsAreNotCounted() {
        phase.store(0, ordering: .relaxed)
        helperAllocations.store(-1, ordering: .relaxed)
        let blocks = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: helperAllocationCount)
        blocks.initialize(repeating: nil, count: helperAllocationCount)
        defer { blocks.deallocate() }
        var thread = pthread_t()
        #expect(pthread_create(&thread, nil, helperThread, blocks) == 0)

        let totalBefore = AllocationCounter.processTotal
        AllocationCounter.begin()
        let before = AllocationCounter.current
        phase.store(1, ordering: .releasing)
        while phase.load(ordering: .acquiring) != 2 { sched_yield() }
        let mine = AllocationCounter.current - before
        AllocationCounter.end()
        let totalAfter = AllocationCounter.processTotal
        pthread_join(thread, nil)
        for i in 0..<helperAllocationCount { free(blocks[i]) }

        #expect(mine == 0)
        #expect(helperAllocations.load(ordering: .relaxed) == helperAllocationCount)
        // Other tests may count in parallel, so the process total only has a lower bound.
        #expect(totalAfter - totalBefore >= helperAllocationCount)
    }

    @Test func alignedAllocationsAreCounted() {
        var (pointer, allocations) = AllocationCounter.count { aligned_alloc(64, 256) }
        #expect(allocations == 1)
        #expect(pointer != nil && Int(bitPattern: pointer) % 64 == 0)
        free(pointer)

        var raw: UnsafeMutableRawPointer? = nil
        let (status, posixAllocations) = AllocationCounter.count { posix_memalign(&raw, 128, 1000) }
        #expect(status == 0 && posixAllocations == 1)
        #expect(raw != nil && Int(bitPattern: raw) % 128 == 0)
        free(raw)

        // memalign and pvalloc are declared in <malloc.h>, which Glibc does not
        // import: look them up the way the dynamic linker resolves them for any
        // library (global scope, executable first), which must find ours.
        typealias AlignedFunction = @convention(c) (Int, Int) -> UnsafeMutableRawPointer?
        typealias SizedFunction = @convention(c) (Int) -> UnsafeMutableRawPointer?
        let memalignFunction = unsafeBitCast(dlsym(nil, "memalign"), to: AlignedFunction.self)
        let pvallocFunction = unsafeBitCast(dlsym(nil, "pvalloc"), to: SizedFunction.self)

        (pointer, allocations) = AllocationCounter.count { memalignFunction(4096, 100) }
        #expect(allocations == 1 && Int(bitPattern: pointer) % 4096 == 0)
        free(pointer)

        (pointer, allocations) = AllocationCounter.count { pvallocFunction(100) }
        #expect(allocations == 1 && Int(bitPattern: pointer) % Int(getpagesize()) == 0)
        free(pointer)

        (pointer, allocations) = AllocationCounter.count { valloc(100) }
        #expect(allocations == 1 && Int(bitPattern: pointer) % Int(getpagesize()) == 0)
        free(pointer)

        // An invalid alignment is still an allocation call, and must be rejected
        // the way glibc does.
        let (invalid, invalidAllocations) = AllocationCounter.count { posix_memalign(&raw, 24, 16) }
        #expect(invalid == EINVAL && invalidAllocations == 1)
    }

    @Test func callocReallocAndReallocarrayAreCounted() {
        var (pointer, allocations) = AllocationCounter.count { calloc(10, 8) }
        #expect(allocations == 1 && pointer != nil)
        (pointer, allocations) = AllocationCounter.count { realloc(pointer, 4000) }
        #expect(allocations == 1 && pointer != nil)
        (pointer, allocations) = AllocationCounter.count { reallocarray(pointer, 100, 80) }
        #expect(allocations == 1 && pointer != nil)
        let (overflow, _) = AllocationCounter.count { reallocarray(pointer, Int.max, 2) }
        #expect(overflow == nil && errno == ENOMEM)
        let (_, frees) = AllocationCounter.count { free(pointer) }
        #expect(frees == 0)
    }

    /// swift_slowAlloc uses malloc up to 16-byte alignment and posix_memalign above.
    @Test func swiftRuntimeAllocationPathsAreCounted() {
        let (plain, plainAllocations) = AllocationCounter.count {
            UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
        }
        #expect(plainAllocations == 1)
        plain.deallocate()

        let (aligned, alignedAllocations) = AllocationCounter.count {
            UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 64)
        }
        #expect(alignedAllocations == 1)
        #expect(Int(bitPattern: aligned) % 64 == 0)
        aligned.deallocate()
    }

    @Test func beginEndNestAndThrowingBodiesStopCounting() throws {
        #expect(!AllocationCounter.isCounting)
        AllocationCounter.begin()
        let start = AllocationCounter.current
        let (_, inner) = AllocationCounter.count { Payload() }
        #expect(inner >= 1)
        #expect(AllocationCounter.isCounting)  // the inner count did not end the outer region
        opaqueFree(malloc(8))
        #expect(AllocationCounter.current - start >= inner + 1)
        AllocationCounter.end()
        #expect(!AllocationCounter.isCounting)

        #expect(throws: Failure.self) {
            _ = try AllocationCounter.count { () throws -> Int in throw Failure() }
        }
        #expect(!AllocationCounter.isCounting)

        // Nothing is counted while not counting.
        let idle = AllocationCounter.current
        opaqueFree(malloc(8))
        #expect(AllocationCounter.current == idle)
    }
}

import AudioIO
import Foundation
import Synchronization
import TestSupport
import Testing

@Suite("SPSC ring")
struct SPSCRingTests {
    // MARK: - Single-thread semantics

    @Test("capacity rounds up to a power of two and starts empty", arguments: [
        (1, 1), (2, 2), (3, 4), (5, 8), (1000, 1024), (1024, 1024), (1025, 2048),
    ])
    func capacityRounding(requested: Int, expected: Int) {
        let ring = SPSCRing<Float>(capacityFrames: requested, channels: 3)
        #expect(ring.capacity == expected)
        #expect(ring.channels == 3)
        #expect(ring.availableToRead == 0)
        #expect(ring.availableToWrite == expected)
    }

    @Test("frames come out in order; a full ring takes part of a push, an empty one gives part of a pop")
    func partialPushAndPop() {
        let channels = 2
        let ring = SPSCRing<Float>(capacityFrames: 8, channels: channels)
        let input = (0 ..< 20 * channels).map(Float.init)

        #expect(push(ring, input, frames: 0 ..< 5) == 5)
        #expect(push(ring, input, frames: 5 ..< 10) == 3) // only 3 frames free
        #expect(push(ring, input, frames: 8 ..< 9) == 0) // full
        #expect(ring.availableToRead == 8)
        #expect(ring.availableToWrite == 0)

        var (read, output) = pop(ring, count: 3, channels: channels)
        #expect(read == 3)
        #expect(output == Array(input[0 ..< 3 * channels]))
        #expect(ring.availableToWrite == 3)

        (read, output) = pop(ring, count: 10, channels: channels) // only 5 frames left
        #expect(read == 5)
        #expect(output == Array(input[3 * channels ..< 8 * channels]))
        (read, output) = pop(ring, count: 4, channels: channels) // empty
        #expect(read == 0)
        #expect(output.isEmpty)
        #expect(ring.availableToRead == 0)
        #expect(ring.availableToWrite == 8)
    }

    @Test("a pop writes nothing past the frames it returns")
    func popLeavesTheRestOfTheDestinationAlone() {
        let ring = SPSCRing<Int32>(capacityFrames: 4, channels: 3)
        let input: [Int32] = [1, 2, 3, 4, 5, 6]
        #expect(input.withUnsafeBufferPointer { ring.push($0.baseAddress!, count: 2) } == 2)
        var destination = [Int32](repeating: -1, count: 4 * 3)
        #expect(destination.withUnsafeMutableBufferPointer { ring.pop(into: $0.baseAddress!, count: 4) } == 2)
        #expect(destination == [1, 2, 3, 4, 5, 6, -1, -1, -1, -1, -1, -1])
    }

    @Test("pushes and pops that cross the end of the storage keep frames whole and in order",
          arguments: [1, 2, 3, 5, 8])
    func wrapAround(channels: Int) {
        let ring = SPSCRing<UInt32>(capacityFrames: 16, channels: channels)
        // Sizes prime to 16, so that the split point lands on every slot over the rounds.
        let pushSizes = [7, 11, 3, 13, 16, 5, 9, 1]
        let popSizes = [5, 13, 2, 16, 7, 11, 1, 9, 3]
        let total = 1000
        let input = (0 ..< UInt32(total * channels)).map { $0 }
        var output: [UInt32] = []
        var pushed = 0, round = 0
        while output.count < total * channels {
            let size = min(pushSizes[round % pushSizes.count], total - pushed, ring.availableToWrite)
            if size > 0 {
                #expect(push(ring, input, frames: pushed ..< pushed + size, channels: channels) == size)
                pushed += size
            }
            let (read, frames) = pop(ring, count: popSizes[round % popSizes.count], channels: channels)
            #expect(frames.count == read * channels)
            output += frames
            round += 1
        }
        #expect(output == input)
        #expect(ring.availableToRead == 0)
    }

    @Test("discard drops the oldest frames, at most as many as are readable")
    func discard() {
        let channels = 2
        let ring = SPSCRing<Double>(capacityFrames: 16, channels: channels)
        let input = (0 ..< 40 * channels).map(Double.init)
        #expect(ring.discard(count: 3) == 0) // empty

        // Start near the end of the storage, so that the discard and the pop both wrap.
        #expect(push(ring, input, frames: 0 ..< 12) == 12)
        #expect(ring.discard(count: 12) == 12)
        #expect(push(ring, input, frames: 12 ..< 22) == 10)
        #expect(ring.discard(count: 6) == 6)
        #expect(ring.availableToRead == 4)
        #expect(ring.availableToWrite == 12)

        let (read, output) = pop(ring, count: 2, channels: channels)
        #expect(read == 2)
        #expect(output == Array(input[18 * channels ..< 20 * channels]))
        #expect(ring.discard(count: 100) == 2)
        #expect(ring.availableToRead == 0)
        #expect(ring.availableToWrite == 16)
    }

    @Test("zero-frame calls do nothing")
    func zeroCounts() {
        let ring = SPSCRing<Float>(capacityFrames: 4, channels: 2)
        var sample: Float = 0
        #expect(ring.push(&sample, count: 0) == 0)
        #expect(ring.pop(into: &sample, count: 0) == 0)
        #expect(ring.discard(count: 0) == 0)
        #expect(ring.availableToRead == 0)
    }

    // MARK: - Two threads

    /// The acceptance test for the real-time path: 10^7 stereo frames through a 1024-frame ring
    /// between two OS threads (as the audio threads will be), both sides at random sizes of
    /// 1…700 frames per call, so that pushes and pops are partial, wrap at every offset, and race
    /// on nearly empty and nearly full rings. Each sample is its own sequence number, so the
    /// consumer checks that every frame arrives exactly once and in order; an order-sensitive
    /// checksum of what each side moved must match as well.
    @Test("producer and consumer threads move 10^7 frames exactly once, in order")
    func stress() {
        let channels = 2
        let totalFrames = 10_000_000
        let maxChunk = 700
        let ring = SPSCRing<UInt64>(capacityFrames: 1024, channels: channels)
        let abort = Flag()
        let start = ContinuousClock.now
        let deadline = start + .seconds(120) // a hang (lost frames) fails instead of blocking CI

        let produced = OSThread("ring producer") { () -> Side in
            var random = SplitMix64(seed: 0xC0FFEE)
            let chunk = UnsafeMutablePointer<UInt64>.allocate(capacity: maxChunk * channels)
            defer { chunk.deallocate() }
            var side = Side()
            while side.frames < totalFrames, !abort.isSet {
                let count = min(Int.random(in: 1 ... maxChunk, using: &random), totalFrames - side.frames)
                let first = UInt64(side.frames * channels)
                for i in 0 ..< count * channels { chunk[i] = first + UInt64(i) }
                let written = ring.push(chunk, count: count)
                for i in 0 ..< written * channels { side.checksum.add(chunk[i]) }
                side.frames += written
                if written == 0 { Self.pause(&side, until: deadline, abort: abort) }
            }
            return side
        }
        let consumed = OSThread("ring consumer") { () -> Side in
            var random = SplitMix64(seed: 0xBEEF)
            let chunk = UnsafeMutablePointer<UInt64>.allocate(capacity: maxChunk * channels)
            defer { chunk.deallocate() }
            var side = Side()
            var expected: UInt64 = 0
            while side.frames < totalFrames, !abort.isSet {
                let count = min(Int.random(in: 1 ... maxChunk, using: &random), totalFrames - side.frames)
                let read = ring.pop(into: chunk, count: count)
                for i in 0 ..< read * channels {
                    guard chunk[i] == expected else {
                        side.failure = "sample \(expected) (frame \(expected / UInt64(channels))) arrived as \(chunk[i])"
                        abort.set()
                        return side
                    }
                    side.checksum.add(chunk[i])
                    expected += 1
                }
                side.frames += read
                if read == 0 { Self.pause(&side, until: deadline, abort: abort) }
            }
            return side
        }
        let (producer, consumer) = (produced.join(), consumed.join())
        let seconds = (ContinuousClock.now - start) / .seconds(1)

        #expect(producer.failure == nil)
        #expect(consumer.failure == nil)
        #expect(producer.frames == totalFrames)
        #expect(consumer.frames == totalFrames)
        #expect(consumer.checksum == producer.checksum)
        #expect(ring.availableToRead == 0)
        print("SPSCRing stress: \(totalFrames) frames × \(channels) channels in \(seconds.formatted(.number.precision(.fractionLength(3)))) s"
            + " = \(Int(Double(totalFrames) / seconds).formatted()) frames/s;"
            + " ring found full \(producer.waits) times, empty \(consumer.waits) times")
    }

    // MARK: - Helpers

    /// One side's tally in the stress test.
    struct Side: Sendable {
        var frames = 0
        var checksum = Checksum()
        var failure: String?
        /// Calls that found the ring full (producer) or empty (consumer): evidence that the two
        /// sides really raced at the boundaries.
        var waits = 0
    }

    /// FNV-1a over 64-bit words: cheap and order-sensitive, so swapped frames change it.
    struct Checksum: Equatable, Sendable {
        private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325
        mutating func add(_ word: UInt64) { value = (value ^ word) &* 0x0000_0100_0000_01B3 }
    }

    /// Stops both stress threads when one of them fails.
    final class Flag: Sendable {
        private let raised = Atomic<Bool>(false)
        var isSet: Bool { raised.load(ordering: .relaxed) }
        func set() { raised.store(true, ordering: .relaxed) }
    }

    /// The stress threads' back-off when the ring is full or empty: yield at once (the daemon's
    /// threads instead wait for their next audio period). Spinning a while before yielding
    /// catches publication bugs more often, but on a loaded 2-core machine the two threads then
    /// share a core and take turns burning their time slices: runs of 20 s instead of 0.3 s.
    static func pause(_ side: inout Side, until deadline: ContinuousClock.Instant, abort: Flag) {
        side.waits += 1
        sched_yield()
        if ContinuousClock.now > deadline {
            side.failure = "no progress before the deadline"
            abort.set()
        }
    }

    /// Runs `body` on a new OS thread started at once, not on the Swift concurrency pool: the
    /// stress test spins, and its two sides must truly run at the same time, as the audio threads
    /// do. (A child task per side can wait for a free pool thread while the other side spins
    /// against a full ring: under a loaded test run that looked like a 120 s hang.)
    final class OSThread<T: Sendable>: @unchecked Sendable {
        // `result` is written by the thread before `done.signal()` and read after `done.wait()`:
        // the semaphore orders the two accesses.
        private let done = DispatchSemaphore(value: 0)
        private var result: T?

        init(_ name: String, _ body: @escaping @Sendable () -> T) {
            let thread = Thread { [self] in
                result = body()
                done.signal()
            }
            thread.name = name
            thread.start()
        }

        func join() -> T {
            done.wait()
            guard let result else { preconditionFailure("thread finished without a result") }
            return result
        }
    }

    /// Pushes `frames` (frame indices into the interleaved `input`); returns the frames written.
    func push<T>(_ ring: SPSCRing<T>, _ input: [T], frames: Range<Int>, channels: Int = 2) -> Int {
        input[frames.lowerBound * channels ..< frames.upperBound * channels].withUnsafeBufferPointer {
            ring.push($0.baseAddress!, count: frames.count)
        }
    }

    /// Pops up to `count` frames; returns the frames read and their samples.
    func pop<T>(_ ring: SPSCRing<T>, count: Int, channels: Int) -> (Int, [T]) {
        var read = 0
        let samples = [T](unsafeUninitializedCapacity: count * channels) { buffer, initialized in
            read = ring.pop(into: buffer.baseAddress!, count: count)
            initialized = read * channels
        }
        return (read, samples)
    }

}

import Synchronization

/// A lock-free, wait-free ring of interleaved audio frames between exactly one producer thread and
/// exactly one consumer thread: capture → processing, and processing → playback.
///
/// Real-time safety: `init` allocates (and touches) all memory; after that no method allocates,
/// locks, or makes a system call, and every call finishes in a bounded number of steps: a full
/// ring makes `push` write fewer frames, an empty one makes `pop` read fewer. Nothing waits.
///
/// Who may call what:
/// - producer thread only: `push(_:count:)`, and `availableToWrite` as a guarantee;
/// - consumer thread only: `pop(into:count:)`, `discard(count:)`, and `availableToRead` as a guarantee;
/// - any thread: `capacity`, `channels`, and the two `available…` properties as a snapshot that
///   may already be stale (for meters and logs).
///
/// The ring counts whole frames (`channels` interleaved samples each), never samples. Because the
/// storage is a whole number of frames, a frame never straddles the wrap-around point, and a
/// partial push or pop can never leave half a frame behind and rotate the channels.
///
/// `@unchecked Sendable` is sound because of the threading contract above, not because of the type
/// system: each stored index and cache is written by one side only; the sample slots between
/// `head` and `tail` belong to the consumer and the others to the producer; and a slot changes
/// hands only through a `.releasing` store of an index that the other side reads with
/// `.acquiring`, so the slot's contents (or the end of its reading) happen-before the other side
/// touches it. Two producers, or two consumers, would race: that is a contract violation.
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    /// Capacity in frames: a power of two, so that a monotonically increasing frame index maps to a
    /// slot with `index & mask` (no division, and no special case when the `Int` index wraps,
    /// since 2^64 is a multiple of the capacity).
    public let capacity: Int
    /// Samples per frame.
    public let channels: Int
    private let mask: Int
    private let storage: UnsafeMutablePointer<Element>

    // The producer's fields and the consumer's fields sit on separate cache lines, so that one
    // side's stores do not keep evicting the line the other side reads ("false sharing"). Swift
    // lays class fields out in declaration order; the pads are 128 bytes because x86 prefetches
    // cache lines in pairs (Swift 6.3 on x86-64 puts `tail` at byte 176 of the object and `head`
    // at byte 320). If the layout ever changed, only speed would suffer, not correctness.
    //
    // The cached copies of the other side's index are atomics too, though only one thread uses
    // each: a relaxed atomic load or store is a plain `mov`, and keeping every field a `let`
    // avoids the run-time exclusivity checks Swift makes on a class's `var`s.
    private let padBeforeProducer = CacheLinePad()

    /// Next frame index the producer writes; stored `.releasing` after the samples are written.
    private let tail = Atomic<Int>(0)
    /// The producer's last view of `head`: free space is at least `capacity - (tail - cachedHead)`.
    private let cachedHead = Atomic<Int>(0)

    private let padBetween = CacheLinePad()

    /// Next frame index the consumer reads; stored `.releasing` after the samples are read.
    private let head = Atomic<Int>(0)
    /// The consumer's last view of `tail`: at least `cachedTail - head` frames are readable.
    private let cachedTail = Atomic<Int>(0)

    private let padAfterConsumer = CacheLinePad()

    /// Allocates room for at least `capacityFrames` frames of `channels` samples; the capacity is
    /// rounded up to a power of two. The memory is zeroed here, which also faults its pages in, so
    /// that the audio threads do not take page faults on first use.
    public init(capacityFrames: Int, channels: Int) {
        precondition(capacityFrames >= 1, "SPSCRing needs a capacity of at least one frame")
        precondition(channels >= 1, "SPSCRing needs at least one channel")
        precondition(capacityFrames <= 1 << 40, "SPSCRing capacity of \(capacityFrames) frames is too large")
        // Smallest power of two ≥ capacityFrames (1 stays 1).
        let capacity = 1 << (Int.bitWidth - (capacityFrames - 1).leadingZeroBitCount)
        let (samples, overflow) = capacity.multipliedReportingOverflow(by: channels)
        let (bytes, overflow2) = samples.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        precondition(!overflow && !overflow2, "SPSCRing of \(capacity) × \(channels) samples does not fit in memory")
        self.capacity = capacity
        self.channels = channels
        self.mask = capacity - 1
        // Cache-line aligned so that the first frames do not share a line with another allocation.
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(bytes, 1),
            alignment: max(64, MemoryLayout<Element>.alignment)
        )
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        self.storage = raw.bindMemory(to: Element.self, capacity: samples)
    }

    deinit {
        storage.deallocate()
    }

    /// Frames the consumer can pop now. On the consumer thread this is a lower bound (the producer
    /// may add more); elsewhere it is a snapshot.
    public var availableToRead: Int {
        // `head` first: it can only have grown by the time `tail` is read, so the difference is
        // never negative; the clamp covers a third thread seeing `tail` move past `head + capacity`.
        let head = self.head.load(ordering: .acquiring)
        let tail = self.tail.load(ordering: .acquiring)
        return min(tail &- head, capacity)
    }

    /// Frames the producer can push now. On the producer thread this is a lower bound (the
    /// consumer may free more); elsewhere it is a snapshot.
    public var availableToWrite: Int {
        capacity - availableToRead
    }

    /// Producer only. Copies up to `count` frames (`count × channels` interleaved samples) from
    /// `frames` into the ring and returns how many frames it wrote: fewer than `count`, possibly
    /// 0, when the ring is too full. It never waits; the caller decides what to drop.
    @discardableResult
    public func push(_ frames: UnsafePointer<Element>, count: Int) -> Int {
        let tail = self.tail.load(ordering: .relaxed) // Only this thread stores `tail`.
        var head = cachedHead.load(ordering: .relaxed)
        if capacity - (tail &- head) < count {
            // Pairs with the consumer's `.releasing` store of `head`: the consumer has finished
            // reading every slot below `head` before the producer overwrites it.
            head = self.head.load(ordering: .acquiring)
            cachedHead.store(head, ordering: .relaxed)
        }
        let written = min(count, capacity - (tail &- head))
        guard written > 0 else { return 0 }
        copy(written, from: frames, toSlotsAt: tail)
        // Publishes the samples: pairs with the consumer's `.acquiring` load of `tail`.
        self.tail.store(tail &+ written, ordering: .releasing)
        return written
    }

    /// Consumer only. Copies up to `count` frames into `frames` (room for `count × channels`
    /// samples) and returns how many frames it read: fewer than `count`, possibly 0, when the ring
    /// holds fewer. It never waits.
    @discardableResult
    public func pop(into frames: UnsafeMutablePointer<Element>, count: Int) -> Int {
        let (head, read) = claim(count)
        guard read > 0 else { return 0 }
        copy(read, fromSlotsAt: head, to: frames)
        // Hands the slots back: pairs with the producer's `.acquiring` load of `head`.
        self.head.store(head &+ read, ordering: .releasing)
        return read
    }

    /// Consumer only. Drops up to `count` of the oldest frames without reading them and returns
    /// how many it dropped, for example to resynchronise after an overrun. No copying.
    @discardableResult
    public func discard(count: Int) -> Int {
        let (head, dropped) = claim(count)
        guard dropped > 0 else { return 0 }
        self.head.store(head &+ dropped, ordering: .releasing)
        return dropped
    }

    // MARK: - Internals

    /// Consumer side: the current `head` and how many of the `count` requested frames are readable.
    private func claim(_ count: Int) -> (head: Int, frames: Int) {
        let head = self.head.load(ordering: .relaxed) // Only this thread stores `head`.
        var tail = cachedTail.load(ordering: .relaxed)
        if tail &- head < count {
            // Pairs with the producer's `.releasing` store of `tail`: the samples below `tail`
            // are visible before this thread reads them.
            tail = self.tail.load(ordering: .acquiring)
            cachedTail.store(tail, ordering: .relaxed)
        }
        return (head, min(count, tail &- head))
    }

    /// Copies `frames` frames into the slots starting at frame index `index`: at most two
    /// contiguous pieces, up to the end of the storage and then from its start.
    private func copy(_ frames: Int, from source: UnsafePointer<Element>, toSlotsAt index: Int) {
        let slot = index & mask
        let first = min(frames, capacity - slot)
        (storage + slot * channels).update(from: source, count: first * channels)
        if first < frames {
            storage.update(from: source + first * channels, count: (frames - first) * channels)
        }
    }

    /// Copies `frames` frames out of the slots starting at frame index `index`, in at most two pieces.
    private func copy(_ frames: Int, fromSlotsAt index: Int, to destination: UnsafeMutablePointer<Element>) {
        let slot = index & mask
        let first = min(frames, capacity - slot)
        destination.update(from: storage + slot * channels, count: first * channels)
        if first < frames {
            (destination + first * channels).update(from: storage, count: (frames - first) * channels)
        }
    }
}

/// 128 bytes of padding: two 64-byte cache lines, the unit x86's adjacent-line prefetcher fetches.
private struct CacheLinePad {
    private let bytes: (SIMD64<UInt8>, SIMD64<UInt8>) = (.zero, .zero)
}

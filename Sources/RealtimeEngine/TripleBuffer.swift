import Synchronization

/// Hands a large value from one writer to one reader, wait-free on both sides: three slots, one
/// owned by the writer, one by the reader and one shared in the middle.
///
/// The writer fills the slot it owns and swaps it with the middle one; the reader, when the
/// middle one is newer than its own, swaps the other way. Neither side ever waits, retries or
/// sees a half-written slot, which the seqlock used for the few words of output settings
/// (`LiveOutput`) cannot promise for a value of thousands of scalars: a reader that raced the
/// writer would have to copy it again, and a writer on the audio thread cannot wait for a reader.
/// The reader may see only the latest of several publications; each publication is stamped with
/// its number (`TripleBufferSlot.version`), so it can tell what is new.
///
/// The writer side (`writable`, `publish`) belongs to one thread, the reader side (`latest`) to
/// one thread at a time; the two may run concurrently.
final class TripleBuffer<Value: TripleBufferSlot> {
    private let slots: [Value]
    /// Index of the middle slot, plus `fresh` when the writer has published it since the reader
    /// last took one.
    private let middle = Atomic<Int>(1)
    private static var fresh: Int { 4 }
    private var writing = 0
    private var reading = 2
    private var published: UInt64 = 0

    /// Allocates the three slots with `make`.
    init(_ make: () -> Value) {
        slots = (0..<3).map { _ in make() }
    }

    /// The slot the writer fills next. Every entry must be written before `publish`: the slot
    /// holds whatever was published two rounds ago.
    var writable: Value { slots[writing] }

    /// Makes the writable slot the latest, with the next version number.
    func publish() {
        published &+= 1
        slots[writing].version = published
        writing = middle.exchange(writing | Self.fresh, ordering: .acquiringAndReleasing) & ~Self.fresh
    }

    /// The latest published slot (version 0 before the first `publish`); the reader may use it
    /// until its next call.
    var latest: Value {
        if middle.load(ordering: .relaxed) & Self.fresh != 0 {
            reading = middle.exchange(reading, ordering: .acquiringAndReleasing) & ~Self.fresh
        }
        return slots[reading]
    }
}

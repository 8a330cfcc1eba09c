import Synchronization

/// Hands the filter banks from the family that learns them to the output stage that applies them:
/// a versioned triple buffer, wait-free on both sides.
///
/// The writer fills the bank it owns and swaps it with the shared middle one; the reader, when the
/// middle one is newer than its own, swaps the other way. Neither side ever waits, retries or
/// sees a half-written bank, which the seqlock used for the few words of output settings
/// (`LiveOutput`) cannot promise for a bank of K×M×F complex values: a reader that raced the
/// writer would have to copy it again. Today family and stage run on one thread, one after the
/// other, so the reader always gets the bank just written; the exchange is what lets a stage run
/// per ALSA period on another thread than the estimator without changing either.
final class FilterExchange<T: EngineScalar> {
    private let banks: [SeparationFilters<T>]
    /// Index of the middle bank, plus `fresh` when the writer has published it since the reader
    /// last took one.
    private let middle = Atomic<Int>(1)
    private static var fresh: Int { 4 }
    private var writing = 0
    private var reading = 2
    private var published: UInt64 = 0

    init(sources: Int, channels: Int, bins: Int) {
        banks = (0..<3).map { _ in SeparationFilters(sources: sources, channels: channels, bins: bins) }
    }

    /// The bank the writer fills next. Every entry must be written before `publish`: the bank
    /// holds whatever was published two rounds ago.
    var writable: SeparationFilters<T> { banks[writing] }

    /// Makes the writable bank the latest, with the next version number.
    func publish() {
        published &+= 1
        banks[writing].version = published
        writing = middle.exchange(writing | Self.fresh, ordering: .acquiringAndReleasing) & ~Self.fresh
    }

    /// The latest published bank; the reader may use it until its next call.
    var latest: SeparationFilters<T> {
        if middle.load(ordering: .relaxed) & Self.fresh != 0 {
            reading = middle.exchange(reading, ordering: .acquiringAndReleasing) & ~Self.fresh
        }
        return banks[reading]
    }
}

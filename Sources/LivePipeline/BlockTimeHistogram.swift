import Glibc
import Synchronization

/// How long `OnlineSeparator.process` takes per block, as a histogram the processing thread fills
/// with a few relaxed atomic operations and no allocation, so the control plane can report p50
/// and p99 against the hop budget while the daemon runs.
///
/// Buckets are logarithmic, `bucketsPerOctave` per doubling from 1 µs, so a percentile is known to
/// within 2^(1/8) ≈ 9 %, over 1 µs … 16 s. Counts are totals since start; a reader takes the
/// difference of two snapshots (`counts(since:)`) for a recent window. Beside them the exact
/// shortest and longest block since the reader last took them (`takeObserved()`), because a
/// bucket edge can lie above every block in its bucket: a percentile is clamped to what was
/// observed over the same blocks (`BlockTimes`), so p99 never exceeds the max.
public final class BlockTimeHistogram: Sendable {
    public static let bucketsPerOctave = 8
    static let octaves = 24
    public static let bucketCount = bucketsPerOctave * octaves

    private let buckets = AtomicRow(count: BlockTimeHistogram.bucketCount)
    private let shortest = Atomic<Int>(.max)
    private let longest = Atomic<Int>(.min)

    public init() {}

    /// Processing thread only (single writer of the buckets; the extremes are read-modify-writes
    /// because `takeObserved()` resets them).
    public func record(nanoseconds: Int) {
        shortest.min(nanoseconds, ordering: .relaxed)
        longest.max(nanoseconds, ordering: .relaxed)
        buckets.increment(Self.bucket(nanoseconds: nanoseconds))
    }

    public func counts() -> [Int] { buckets.values() }

    /// The shortest … longest block since start or the last `takeObserved()`; nil when none.
    public func observed() -> ClosedRange<Int>? {
        Self.range(shortest.load(ordering: .relaxed), longest.load(ordering: .relaxed))
    }

    /// `observed()`, and starts the next span. One reader at a time. A block recorded during the
    /// call may land on either side of it, in its count as in its extremes.
    public func takeObserved() -> ClosedRange<Int>? {
        Self.range(shortest.exchange(.max, ordering: .relaxed), longest.exchange(.min, ordering: .relaxed))
    }

    private static func range(_ shortest: Int, _ longest: Int) -> ClosedRange<Int>? {
        shortest <= longest ? shortest...longest : nil
    }

    static func bucket(nanoseconds: Int) -> Int {
        let microseconds = Double(max(nanoseconds, 1000)) / 1000
        let index = Int(log2(microseconds) * Double(bucketsPerOctave))
        return min(max(index, 0), bucketCount - 1)
    }

    /// Upper edge of a bucket, in nanoseconds: a percentile is reported as the edge below which
    /// that share of blocks finished, so it never understates.
    static func upperEdge(bucket: Int) -> Double {
        1000 * exp2(Double(bucket + 1) / Double(bucketsPerOctave))
    }

    /// The time below which `fraction` (0…1) of the blocks in `counts` finished, in nanoseconds,
    /// or nil when `counts` holds no block.
    public static func percentile(_ fraction: Double, of counts: [Int]) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(total)).rounded(.up)))
        var seen = 0
        for (bucket, count) in counts.enumerated() {
            seen += count
            if seen >= rank { return upperEdge(bucket: bucket) }
        }
        return upperEdge(bucket: counts.count - 1)
    }

    /// Element-wise `now − earlier`: the blocks recorded between two readings.
    public static func counts(_ now: [Int], since earlier: [Int]) -> [Int] {
        guard earlier.count == now.count else { return now }
        return zip(now, earlier).map { max($0 - $1, 0) }
    }
}

import Glibc

/// How long `OnlineSeparator.process` takes per block, as a histogram the processing thread fills
/// with two relaxed atomic operations and no allocation, so the control plane can report p50 and
/// p99 against the hop budget while the daemon runs.
///
/// Buckets are logarithmic, `bucketsPerOctave` per doubling from 1 µs, so a percentile is known to
/// within 2^(1/8) ≈ 9 %, over 1 µs … 16 s. Counts are totals since start; a reader takes the
/// difference of two snapshots (`counts(since:)`) for a recent window.
public final class BlockTimeHistogram: Sendable {
    public static let bucketsPerOctave = 8
    static let octaves = 24
    public static let bucketCount = bucketsPerOctave * octaves

    private let buckets = AtomicRow(count: BlockTimeHistogram.bucketCount)

    public init() {}

    /// Processing thread only (single writer).
    public func record(nanoseconds: Int) {
        buckets.increment(Self.bucket(nanoseconds: nanoseconds))
    }

    public func counts() -> [Int] { buckets.values() }

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

/// The blocks of one span of time: their `BlockTimeHistogram` counts and their exact extremes.
/// A percentile is a bucket's upper edge, up to 9 % above the blocks in that bucket, so it is
/// clamped into `observed`: p99 never exceeds the max the same report shows, nor falls below the
/// min (the last bucket's edge is below blocks longer than 16 s).
public struct BlockTimes: Sendable, Equatable {
    public var counts: [Int]
    /// Shortest … longest block in nanoseconds; nil when there was none.
    public var observed: ClosedRange<Int>?

    public init(counts: [Int], observed: ClosedRange<Int>?) {
        self.counts = counts
        self.observed = observed
    }

    /// The time below which `fraction` (0…1) of the blocks finished, in nanoseconds, or nil when
    /// there was no block.
    public func percentile(_ fraction: Double) -> Double? {
        guard let observed, let edge = BlockTimeHistogram.percentile(fraction, of: counts) else { return nil }
        return min(max(edge, Double(observed.lowerBound)), Double(observed.upperBound))
    }
}

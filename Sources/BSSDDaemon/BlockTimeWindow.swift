import LivePipeline

/// A sliding window over one pipeline's `BlockTimeHistogram` for the status report: every
/// `length` it takes a reading, and the window runs from the reading before the last to now, so
/// it spans one to two `length`s. Counts are differences of cumulative readings; the extremes,
/// which cannot be subtracted, are taken from the histogram at each reading, so the window's max
/// is over exactly the blocks its percentiles are over. A new pipeline starts a new window.
struct BlockTimeWindow {
    private var histogram: BlockTimeHistogram?
    /// Counts at the window's start (empty: the pipeline's start).
    private var previous: [Int] = []
    /// Counts at the last reading, and the extremes between `previous` and it.
    private var latest: [Int] = []
    private var latestObserved: ClosedRange<Int>?
    private var latestTime = 0

    /// The blocks `histogram` recorded in the window ending at `time` (monotonic nanoseconds).
    mutating func recent(of histogram: BlockTimeHistogram, at time: Int, length: Int) -> BlockTimes {
        if histogram !== self.histogram {
            self = BlockTimeWindow()
            self.histogram = histogram
            latestTime = time
        }
        if time - latestTime >= length {
            previous = latest
            latest = histogram.counts()
            latestObserved = histogram.takeObserved()
            latestTime = time
        }
        return BlockTimes(
            counts: BlockTimeHistogram.counts(histogram.counts(), since: previous),
            observed: Self.union(latestObserved, histogram.observed()))
    }

    private static func union(_ a: ClosedRange<Int>?, _ b: ClosedRange<Int>?) -> ClosedRange<Int>? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a.lowerBound, b.lowerBound)...max(a.upperBound, b.upperBound)
    }
}

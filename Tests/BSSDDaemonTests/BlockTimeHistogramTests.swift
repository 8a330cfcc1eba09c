@testable import BSSDDaemon
@testable import LivePipeline
import Testing

@Suite("Block time histogram")
struct BlockTimeHistogramTests {
    @Test("p50 and p99 land within one bucket (9 %) above the true values, never below")
    func percentiles() throws {
        let histogram = BlockTimeHistogram()
        // 1000 blocks: 1.000 … 1.999 ms uniformly, plus 10 slow ones at 20 ms.
        for i in 0..<1000 { histogram.record(nanoseconds: 1_000_000 + i * 1000) }
        for _ in 0..<10 { histogram.record(nanoseconds: 20_000_000) }
        let counts = histogram.counts()
        let p50 = try #require(BlockTimeHistogram.percentile(0.5, of: counts))
        let p99 = try #require(BlockTimeHistogram.percentile(0.99, of: counts))
        let p100 = try #require(BlockTimeHistogram.percentile(1, of: counts))
        #expect(p50 >= 1.495e6 && p50 <= 1.495e6 * 1.091)
        #expect(p99 >= 1.98e6 && p99 <= 1.999e6 * 1.091)
        #expect(p100 >= 20e6 && p100 <= 20e6 * 1.091)
    }

    @Test("a window is the difference of two readings; an empty one has no percentile")
    func difference() throws {
        let histogram = BlockTimeHistogram()
        for _ in 0..<100 { histogram.record(nanoseconds: 50_000) }
        let earlier = histogram.counts()
        #expect(BlockTimeHistogram.percentile(0.5, of: BlockTimeHistogram.counts(histogram.counts(), since: earlier)) == nil)
        for _ in 0..<100 { histogram.record(nanoseconds: 5_000_000) }
        let recent = BlockTimeHistogram.counts(histogram.counts(), since: earlier)
        let p50 = try #require(BlockTimeHistogram.percentile(0.5, of: recent))
        #expect(p50 >= 5e6 && p50 < 5.5e6)
    }

    @Test("a percentile stays within the blocks observed: p99 never above their max, nor below their min")
    func percentilesWithinObserved() throws {
        let histogram = BlockTimeHistogram()
        // 2.308 ms lies in the bucket whose upper edge is 2.435 ms.
        for _ in 0..<98 { histogram.record(nanoseconds: 1_000_000) }
        for _ in 0..<2 { histogram.record(nanoseconds: 2_308_000) }
        let blocks = BlockTimes(counts: histogram.counts(), observed: histogram.observed())
        #expect(blocks.observed == 1_000_000...2_308_000)
        #expect(BlockTimeHistogram.percentile(0.99, of: blocks.counts)! > 2_308_000, "the case this guards against")
        #expect(try #require(blocks.percentile(0.99)) == 2_308_000)
        // Beyond 16 s the last bucket's edge is below the blocks.
        let slow = BlockTimeHistogram()
        for _ in 0..<3 { slow.record(nanoseconds: 20_000_000_000) }
        #expect(BlockTimes(counts: slow.counts(), observed: slow.observed()).percentile(0.5) == 20e9)
        #expect(BlockTimes(counts: [], observed: nil).percentile(0.5) == nil)
    }

    @Test("the status window reports max and percentiles over the same blocks; old ones leave both, a new pipeline starts afresh")
    func window() throws {
        let second = 1_000_000_000
        let histogram = BlockTimeHistogram()
        var window = BlockTimeWindow()
        _ = window.recent(of: histogram, at: 0, length: 10 * second)
        histogram.record(nanoseconds: 9_000_000)
        for _ in 0..<200 { histogram.record(nanoseconds: 1_000_000) }
        var blocks = window.recent(of: histogram, at: 10 * second, length: 10 * second)
        #expect(blocks.observed == 1_000_000...9_000_000 && blocks.counts.reduce(0, +) == 201)
        for _ in 0..<200 { histogram.record(nanoseconds: 2_000_000) }
        blocks = window.recent(of: histogram, at: 15 * second, length: 10 * second)
        #expect(blocks.observed == 1_000_000...9_000_000 && blocks.counts.reduce(0, +) == 401)
        // At 20 s the window starts at the 10 s reading: the 9 ms block is out of it, max and all.
        blocks = window.recent(of: histogram, at: 20 * second, length: 10 * second)
        #expect(blocks.observed == 2_000_000...2_000_000 && blocks.counts.reduce(0, +) == 200)
        #expect(try #require(blocks.percentile(0.99)) == 2_000_000)
        let next = BlockTimeHistogram()
        next.record(nanoseconds: 3_000_000)
        blocks = window.recent(of: next, at: 21 * second, length: 10 * second)
        #expect(blocks.observed == 3_000_000...3_000_000 && blocks.counts.reduce(0, +) == 1)
    }

    @Test("times outside 1 µs … 16 s clamp to the end buckets")
    func clamping() {
        #expect(BlockTimeHistogram.bucket(nanoseconds: 0) == 0)
        #expect(BlockTimeHistogram.bucket(nanoseconds: -5) == 0)
        #expect(BlockTimeHistogram.bucket(nanoseconds: Int.max) == BlockTimeHistogram.bucketCount - 1)
    }
}

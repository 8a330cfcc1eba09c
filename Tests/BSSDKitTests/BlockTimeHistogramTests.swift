@testable import BSSDKit
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
    func window() throws {
        let histogram = BlockTimeHistogram()
        for _ in 0..<100 { histogram.record(nanoseconds: 50_000) }
        let earlier = histogram.counts()
        #expect(BlockTimeHistogram.percentile(0.5, of: BlockTimeHistogram.counts(histogram.counts(), since: earlier)) == nil)
        for _ in 0..<100 { histogram.record(nanoseconds: 5_000_000) }
        let recent = BlockTimeHistogram.counts(histogram.counts(), since: earlier)
        let p50 = try #require(BlockTimeHistogram.percentile(0.5, of: recent))
        #expect(p50 >= 5e6 && p50 < 5.5e6)
    }

    @Test("times outside 1 µs … 16 s clamp to the end buckets")
    func clamping() {
        #expect(BlockTimeHistogram.bucket(nanoseconds: 0) == 0)
        #expect(BlockTimeHistogram.bucket(nanoseconds: -5) == 0)
        #expect(BlockTimeHistogram.bucket(nanoseconds: Int.max) == BlockTimeHistogram.bucketCount - 1)
    }
}

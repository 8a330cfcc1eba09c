import EngineParameters
import RealtimeEngine
import RealtimeSupport
import TestSupport
import Testing

/// The processing thread must never allocate after start-up: every buffer the engine touches in
/// `process` is allocated in `init`. The allocator is interposed (RealtimeSupport), so any malloc
/// on this thread while counting — from the engine, the Swift runtime or FFTW — shows up here.
@Suite("Real-time safety")
struct SteadyStateAllocationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var structure: SourceStructure
        var rule: SeparatorConfiguration.UpdateRule
        var channels: Int
        /// Fewer than `channels` runs the overdetermined update.
        var sources: Int? = nil
        var testDescription: String { "\(structure)-\(rule) M=\(channels) K=\(sources ?? channels)" }
    }

    static let cases = [
        Case(structure: .spherical, rule: .ip, channels: 2),
        Case(structure: .spherical, rule: .iss, channels: 3),
        Case(structure: .lowRank, rule: .iss, channels: 2),
        Case(structure: .lowRank, rule: .ip, channels: 4),
        Case(structure: .spherical, rule: .ip, channels: 4, sources: 2),
        Case(structure: .lowRank, rule: .ip, channels: 3, sources: 2),
        // The automatic choice runs every structure beside each source.
        Case(structure: .automatic, rule: .ip, channels: 2),
        Case(structure: .automatic, rule: .iss, channels: 4),
        Case(structure: .harmonic, rule: .ip, channels: 3),
        Case(structure: .plugAndPlay, rule: .iss, channels: 2),
        Case(structure: .groupSparse, rule: .ip, channels: 3, sources: 2),
    ]

    @Test("process() allocates nothing in steady state", arguments: cases)
    func noAllocations(testCase: Case) throws {
        #expect(AllocationCounter.isInterposerLinked)
        try expectNoAllocations(Float.self, testCase)
        try expectNoAllocations(Double.self, testCase)
    }

    private func expectNoAllocations<T: EngineScalar>(_: T.Type, _ testCase: Case) throws {
        var configuration = SeparatorConfiguration(channels: testCase.channels, sources: testCase.sources)
        configuration.structure = testCase.structure
        configuration.updateRule = testCase.rule
        configuration.frameLength = 512
        configuration.hop = 128
        configuration.history = 4
        let separator = try OnlineSeparator<T>(configuration: configuration)
        let M = testCase.channels, hop = configuration.hop
        var random = SplitMix64(seed: 3)
        let input = (0..<(hop * M * 8)).map { _ in T(random.uniform() - 0.5) }
        var output = [T](repeating: 0, count: hop * separator.sources)
        try input.withUnsafeBufferPointer { samples in
            try output.withUnsafeMutableBufferPointer { out in
                let inBase = try #require(samples.baseAddress), outBase = try #require(out.baseAddress)
                // Warm-up: the history fills and every code path runs once.
                for block in 0..<12 { separator.process(input: inBase + (block % 8) * hop * M, output: outBase) }
                let (_, allocations) = AllocationCounter.count {
                    for block in 0..<40 { separator.process(input: inBase + (block % 8) * hop * M, output: outBase) }
                }
                #expect(allocations == 0, "\(allocations) heap allocations in 40 blocks of \(T.self) \(testCase.testDescription)")
            }
        }
    }
}

import RealtimeEngine
import RealtimeSupport
import TestSupport
import Testing

/// `OnlineSeparator.apply` on the processing thread: what it may change, that it allocates
/// nothing, and that it leaves what the engine has learnt in place.
@Suite("Live changes")
struct LiveChangeTests {
    static var small: SeparatorConfiguration {
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.frameLength = 512
        configuration.hop = 128
        configuration.history = 4
        configuration.forgetting = 0.9
        return configuration
    }

    enum Change: String, CaseIterable, Sendable {
        case alpha, iterations, block, updateRule, density, sphericalToLowRank, lowRankToSpherical, referenceMic, loading

        var before: SeparatorConfiguration {
            var configuration = LiveChangeTests.small
            if self == .lowRankToSpherical { configuration.structure = .lowRank }
            return configuration
        }

        var after: SeparatorConfiguration {
            var configuration = before
            switch self {
            case .alpha: configuration.forgetting = 0.97
            case .iterations: configuration.iterations = 3
            case .block: configuration.block = 2
            case .updateRule: configuration.updateRule = .iss
            case .density: configuration.density = .laplace
            case .sphericalToLowRank: configuration.structure = .lowRank
            case .lowRankToSpherical: configuration.structure = .spherical
            case .referenceMic: configuration.referenceMic = 1
            case .loading: configuration.loading = 1e-2
            }
            return configuration
        }
    }

    @Test("SeparatorConfiguration is plain data, for the daemon's lock-free configuration slot")
    func configurationIsPOD() {
        #expect(_isPOD(SeparatorConfiguration.self))
    }

    @Test("restartKeys names exactly the fields that size the engine")
    func restartKeys() {
        let base = Self.small
        func keys(_ change: (inout SeparatorConfiguration) -> Void) -> [String] {
            var new = base
            change(&new)
            return OnlineSeparator<Float>.restartKeys(from: base, to: new)
        }
        #expect(keys { $0.channels = 3; $0.sources = 3 } == ["channels", "sources"])
        #expect(keys { $0.frameLength = 1024 } == ["frame"])
        #expect(keys { $0.hop = 256 } == ["hop"])
        #expect(keys { $0.history = 8 } == ["history"])
        #expect(keys { $0.nmfBases = 3 } == ["bases"])
        for change in Change.allCases {
            #expect(OnlineSeparator<Float>.restartKeys(from: change.before, to: change.after).isEmpty, "\(change)")
        }
    }

    @Test("apply refuses a change that needs a restart, and changes nothing")
    func applyRefusesShapeChange() throws {
        let separator = try OnlineSeparator<Float>(configuration: Self.small)
        var new = Self.small
        new.history = 8
        new.forgetting = 0.5
        #expect(!separator.apply(new))
        #expect(separator.configuration == Self.small)
    }

    @Test("A live change allocates nothing", arguments: Change.allCases)
    func noAllocations(change: Change) throws {
        try expectNoAllocations(Float.self, change)
        try expectNoAllocations(Double.self, change)
    }

    private func expectNoAllocations<T: EngineScalar>(_: T.Type, _ change: Change) throws {
        let separator = try OnlineSeparator<T>(configuration: change.before)
        let stream = TestStream<T>(hop: 128, hops: 24)
        _ = stream.process(separator, hops: 0..<16)
        let (before, after) = (change.before, change.after)
        var output = [T](repeating: 0, count: 128 * 2)
        try stream.samples.withUnsafeBufferPointer { samples in
            try output.withUnsafeMutableBufferPointer { out in
                let input = try #require(samples.baseAddress), outBase = try #require(out.baseAddress)
                let (applied, allocations) = AllocationCounter.count {
                    let forth = separator.apply(after)
                    for h in 16..<20 { separator.process(input: input + h * 128 * 2, output: outBase) }
                    let back = separator.apply(before)
                    for h in 20..<24 { separator.process(input: input + h * 128 * 2, output: outBase) }
                    return forth && back
                }
                #expect(applied)
                #expect(allocations == 0, "\(allocations) allocations applying \(change) to a \(T.self) engine")
            }
        }
        #expect(output.allSatisfy { $0.isFinite })
    }

    /// Only a new reference microphone changes the filters (it is meant to); every other change
    /// takes effect from the next update on, from the same W.
    @Test("A live change keeps the demixing filters", arguments: Change.allCases.filter { $0 != .referenceMic })
    func filtersCarryOver(change: Change) throws {
        let separator = try OnlineSeparator<Double>(configuration: change.before)
        let stream = TestStream<Double>(hop: 128, hops: 30)
        _ = stream.process(separator, hops: 0..<30)
        let probe = Self.spectrum(channels: 2, bins: separator.bins)
        let before = Self.filtered(probe, by: separator)
        #expect(separator.apply(change.after))
        #expect(Self.filtered(probe, by: separator) == before)
        #expect(before.re != probe.re, "the engine has not learnt anything yet")
    }

    /// Projection back makes the outputs sum to the reference microphone (A W x = x): after the
    /// change they must sum to the new one at once.
    @Test("A new reference microphone takes effect immediately")
    func referenceMicrophone() throws {
        let separator = try OnlineSeparator<Double>(configuration: Self.small)
        let stream = TestStream<Double>(hop: 128, hops: 30)
        _ = stream.process(separator, hops: 0..<30)
        let F = separator.bins
        let probe = Self.spectrum(channels: 2, bins: F)
        func deviation(fromMic m: Int) -> Double {
            let out = Self.filtered(probe, by: separator)
            var worst = 0.0
            for f in 0..<F {
                let re = out.re[f] + out.re[F + f] - probe.re[m * F + f]
                let im = out.im[f] + out.im[F + f] - probe.im[m * F + f]
                worst = max(worst, (re * re + im * im).squareRoot())
            }
            return worst
        }
        #expect(deviation(fromMic: 0) < 1e-9)
        var new = Self.small
        new.referenceMic = 1
        #expect(separator.apply(new))
        #expect(deviation(fromMic: 1) < 1e-9)
        #expect(deviation(fromMic: 0) > 1e-3)
    }

    @Test("reset() after live changes behaves like a new engine with the changed configuration")
    func resetAfterChanges() throws {
        var changed = Self.small
        changed.structure = .lowRank
        changed.updateRule = .iss
        changed.density = .generalizedGaussian(beta: 0.5)
        changed.forgetting = 0.95
        changed.referenceMic = 1
        let stream = TestStream<Float>(hop: 128, hops: 40)
        let reused = try OnlineSeparator<Float>(configuration: Self.small)
        _ = stream.process(reused, hops: 0..<20)
        #expect(reused.apply(changed))
        _ = stream.process(reused, hops: 20..<40)
        reused.reset()
        let fresh = try OnlineSeparator<Float>(configuration: changed)
        #expect(stream.process(reused, hops: 0..<40) == stream.process(fresh, hops: 0..<40))
        #expect(reused.statistics == fresh.statistics)
    }

    static func spectrum(channels: Int, bins: Int) -> (re: [Double], im: [Double]) {
        var random = SplitMix64(seed: 4)
        return ((0..<(channels * bins)).map { _ in random.signal() }, (0..<(channels * bins)).map { _ in random.signal() })
    }

    static func filtered(_ x: (re: [Double], im: [Double]), by separator: OnlineSeparator<Double>) -> (re: [Double], im: [Double]) {
        var re = [Double](repeating: 0, count: x.re.count), im = re
        separator.applyCurrentFilters(re: x.re, im: x.im, outRe: &re, outIm: &im)
        return (re, im)
    }
}

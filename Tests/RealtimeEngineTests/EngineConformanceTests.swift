import EngineParameters
@testable import RealtimeEngine
import RealtimeSupport
import TestSupport
import Testing

/// What every engine the seam composes must do, whatever it is made of: each separation family ×
/// output stage × source structure × density, on 2 and 3 microphones, in Float (and Double for
/// one density on 2). The lists come from the engine (`SeparationFamilyKind`, `OutputStageKind`,
/// the structures registered in `SourceStructureRegistry.testing`: the built-in ones and the
/// tests' `FlatTestStructure`), so a new family, stage or structure is held to the same promises
/// without a line here. Every engine runs with its observation tap on.
@Suite("Engine conformance")
struct EngineConformanceTests {
    enum Precision: String, Sendable {
        case float, double

        /// The scalar type, which each check's generic parameter opens.
        var scalar: any EngineScalar.Type {
            switch self {
            case .float: Float.self
            case .double: Double.self
            }
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var family: SeparationFamilyKind
        var stage: OutputStageKind
        var structure: SourceStructure
        var density: SourceDensityKind
        var channels: Int
        var precision: Precision
        var testDescription: String { "\(family)/\(stage) \(structure) \(density) M=\(channels) \(precision)" }

        /// Quick (`SeparatorConfiguration.quick`), and α = 0.8 ends ILRMA's warm-up
        /// (2 / (1 − α) frames) after 10 hops, so every run reaches its NMF.
        var configuration: SeparatorConfiguration {
            var configuration = SeparatorConfiguration.quick(channels: channels)
            configuration.family = family
            // Clustering: more sources than microphones, and a cluster more than outputs.
            if family == .clustering { configuration.sources = channels + 1; configuration.clusters = channels + 2 }
            configuration.forgetting = 0.8
            configuration.structure = structure
            configuration.density = density
            return configuration
        }

        /// The FIR stage at the quick frame: 128 taps, 16 of them before the zero lag, blocks of 16.
        var stageSettings: OutputStageSettings {
            var settings = OutputStageSettings(kind: stage)
            (settings.firTaps, settings.firDelay, settings.firBlock, settings.crossfade) = (128, 16, 16, 32)
            return settings
        }

        /// Hops after which two FIR engines that learn alike render alike: their delay lines hold
        /// the same input (the taps: 2 hops), and each has designed its bank anew after the family's
        /// next publication (a bank designed at a load or a reset weighs by the covariance of that
        /// moment; the clustering family publishes only when its masks move) and faded it in. The
        /// FIR stage's rendering side is signal that neither a state nor a reset carries (`FIRStage`).
        var settlingHops: Int { stage == .fir ? 6 : 0 }

        func engine<T: EngineScalar>(_: T.Type) throws -> OnlineSeparator<T> {
            try OnlineSeparator<T>(configuration: configuration, family: family, stage: stageSettings, structures: .testing, observationInterval: 3)
        }

        func stream<T: EngineScalar>(_: T.Type, hops: Int) -> TestStream<T> {
            TestStream<T>(channels: channels, hop: configuration.hop, hops: hops)
        }
    }

    static let densities: [SourceDensityKind] = [
        .laplace, .gaussian, .generalizedGaussian(beta: 0.5), .studentT(nu: 2), .studentT(nu: 50),
    ]

    static let cases: [Case] = {
        var cases: [Case] = []
        for family in SeparationFamilyKind.allCases {
            for stage in OutputStageKind.allCases {
                // Clustering has no source models: one case per precision and microphone count,
                // with more sources than microphones.
                if family == .clustering {
                    for precision in stage == .fir ? [Precision.float] : [.float, .double] {
                        for channels in [2, 3] {
                            cases.append(Case(family: family, stage: stage, structure: .spherical, density: .laplace,
                                              channels: channels, precision: precision))
                        }
                    }
                    continue
                }
                // The FIR stage renders whatever filters a family publishes: one model is enough.
                if stage == .fir {
                    for channels in [2, 3] {
                        cases.append(Case(family: family, stage: stage, structure: .spherical, density: .laplace,
                                          channels: channels, precision: .float))
                    }
                    continue
                }
                for structure in SourceStructureRegistry<Float>.testing.choices {
                    // Every density with IVA's and ILRMA's structures; with the others one of each
                    // family (Gaussian, generalised Gaussian, t) on two microphones and one on three
                    // (test time: the corpus evaluation runs every pair, docs/source-models.md).
                    for channels in [2, 3] {
                        let classic = structure == .spherical || structure == .lowRank
                        let oneOfEach: [SourceDensityKind] = channels == 2 ? [.gaussian, .generalizedGaussian(beta: 0.5), .studentT(nu: 50)] : [.studentT(nu: 2)]
                        for density in classic ? densities : oneOfEach {
                            cases.append(Case(family: family, stage: stage, structure: structure, density: density,
                                              channels: channels, precision: .float))
                        }
                    }
                    cases.append(Case(family: family, stage: stage, structure: structure, density: .laplace,
                                      channels: 2, precision: .double))
                }
            }
        }
        return cases
    }()

    // MARK: - Hostile input

    /// What a live array delivers on a bad day, each for 5 hops (more than a frame) between
    /// stretches of noise.
    enum HostileInput: String, CaseIterable {
        case silence, dc, clipping, nonFinite

        /// Sample `n` of channel `c`, given the noise sample there.
        func sample(_ n: Int, channel c: Int, noise: Double) -> Double {
            switch self {
            case .silence: 0
            case .dc: 0.5
            // Full scale, a different period on each microphone.
            case .clipping: (n / (16 + 4 * c)) % 2 == 0 ? 1 : -1
            case .nonFinite: n % 7 == 0 ? [Double.nan, .infinity, -.infinity][n / 7 % 3] : noise
            }
        }
    }

    @Test("The output stays finite on silence, DC, clipping and NaN/Inf, and sound returns after",
          arguments: cases)
    func hostileInput(testCase: Case) throws {
        try expectFiniteOnHostileInput(testCase.precision.scalar, testCase)
    }

    private func expectFiniteOnHostileInput<T: EngineScalar>(_: T.Type, _ testCase: Case) throws {
        let separator = try testCase.engine(T.self)
        let M = testCase.channels, hop = testCase.configuration.hop
        var random = SplitMix64(seed: 11)
        var block = [T](repeating: 0, count: hop * M), output = [T](repeating: 0, count: hop * separator.sources)
        var n = 0
        /// Runs `hops` hops of `input` (noise when nil); whether every output sample was finite,
        /// and the output energy.
        func run(_ input: HostileInput?, hops: Int) -> (finite: Bool, energy: Double) {
            var finite = true, energy = 0.0
            for _ in 0..<hops {
                for i in 0..<hop {
                    for c in 0..<M {
                        let noise = random.signal()
                        block[i * M + c] = T(input?.sample(n, channel: c, noise: noise) ?? noise)
                    }
                    n += 1
                }
                block.withUnsafeBufferPointer { x in
                    output.withUnsafeMutableBufferPointer { y in separator.processHop(input: x.baseAddress!, output: y.baseAddress!) }
                }
                finite = finite && output.allSatisfy { $0.isFinite }
                energy += output.reduce(0.0) { $0 + Double($1 * $1) }
            }
            return (finite, energy)
        }
        #expect(run(nil, hops: 4).finite)
        for input in HostileInput.allCases {
            #expect(run(input, hops: 5).finite, "non-finite output during \(input)")
            let after = run(nil, hops: 2)
            #expect(after.finite && after.energy > 0, "after \(input): finite \(after.finite), energy \(after.energy)")
        }
        #expect(separator.statistics.nonFiniteSamples > 0, "the NaN/Inf samples were not counted")
    }

    // MARK: - Real-time safety

    @Test("process() allocates nothing after warm-up, with the observation tap on", arguments: cases)
    func noAllocations(testCase: Case) throws {
        #expect(AllocationCounter.isInterposerLinked)
        try expectNoAllocations(testCase.precision.scalar, testCase)
    }

    private func expectNoAllocations<T: EngineScalar>(_: T.Type, _ testCase: Case) throws {
        let separator = try testCase.engine(T.self)
        let stream = testCase.stream(T.self, hops: 18)
        let M = testCase.channels, hop = testCase.configuration.hop
        var output = [T](repeating: 0, count: hop * separator.sources)
        try stream.samples.withUnsafeBufferPointer { samples in
            try output.withUnsafeMutableBufferPointer { out in
                let input = try #require(samples.baseAddress), outBase = try #require(out.baseAddress)
                // Warm-up: the history fills, every code path runs once, the tap writes.
                for h in 0..<6 { separator.processHop(input: input + h * hop * M, output: outBase) }
                // ILRMA's warm-up ends inside the counted hops: its NMF starts there.
                let (_, allocations) = AllocationCounter.count {
                    for h in 6..<18 { separator.processHop(input: input + h * hop * M, output: outBase) }
                }
                #expect(allocations == 0, "\(allocations) heap allocations in 12 hops")
            }
        }
    }

    // MARK: - State

    @Test("A fresh engine that loads a saved state continues bit-exactly", arguments: cases)
    func stateRoundTrip(testCase: Case) throws {
        try expectStateRoundTrip(testCase.precision.scalar, testCase)
    }

    private func expectStateRoundTrip<T: EngineScalar>(_: T.Type, _ testCase: Case) throws {
        let end = 16 + testCase.settlingHops
        let stream = testCase.stream(T.self, hops: end)
        let saver = try testCase.engine(T.self)
        _ = stream.process(saver, hops: 0..<12)
        let state = saver.makeState()
        try saver.copyState(into: state)
        let loader = try testCase.engine(T.self)
        try loader.loadState(SeparatorState<T>(decoding: state.encoded(), structures: SourceStructureRegistry<T>.testing.choices))
        let expected = stream.process(saver, hops: 12..<end)
        let settled = testCase.settlingHops * testCase.configuration.hop * saver.sources
        #expect(stream.process(loader, hops: 12..<end).dropFirst(settled) == expected.dropFirst(settled))
        #expect(loader.statistics == saver.statistics)
        let fresh = try testCase.engine(T.self)
        #expect(stream.process(fresh, hops: 12..<end) != expected, "a fresh engine is no different: the test shows nothing")
    }

    @Test("After reset an engine is a fresh one: output, statistics and tap", arguments: cases)
    func resetIsFresh(testCase: Case) throws {
        try expectResetIsFresh(testCase.precision.scalar, testCase)
    }

    private func expectResetIsFresh<T: EngineScalar>(_: T.Type, _ testCase: Case) throws {
        let end = 17 + testCase.settlingHops
        let stream = testCase.stream(T.self, hops: end)
        let used = try testCase.engine(T.self)
        _ = stream.process(used, hops: 0..<11)
        used.reset()
        let fresh = try testCase.engine(T.self)
        let settled = testCase.settlingHops * testCase.configuration.hop * used.sources
        #expect(stream.process(used, hops: 11..<end).dropFirst(settled) == stream.process(fresh, hops: 11..<end).dropFirst(settled))
        #expect(used.statistics == fresh.statistics)
        let usedView = used.makeObservation(), freshView = fresh.makeObservation()
        #expect(used.latestObservation(into: usedView) && fresh.latestObservation(into: freshView))
        #expect(usedView.frame == freshView.frame)
        #expect(ObservationTapTests.entries(of: usedView) == ObservationTapTests.entries(of: freshView))
    }

    // MARK: - Live changes

    /// A valid value for each live parameter that differs from `configuration`'s; nil for the
    /// parameters that need a new engine. A new parameter does not compile until it is listed.
    static func changing(_ parameter: EngineParameter, of configuration: SeparatorConfiguration) -> SeparatorConfiguration? {
        var new = configuration
        switch parameter {
        // Into the automatic choice from every structure (every candidate starts to run beside
        // the one in use), and out of it to IVA's.
        case .structure: new.structure = configuration.structure == .automatic ? .spherical : .automatic
        case .update: new.updateRule = configuration.updateRule == .ip ? .iss : .ip
        case .density: new.density = configuration.density == .studentT(nu: 5) ? .laplace : .studentT(nu: 5)
        case .alpha: new.forgetting = 0.95
        case .iterations: new.iterations = configuration.iterations + 1
        case .block: new.block = configuration.block == 1 ? 2 : 1
        case .referenceMic: new.referenceMic = configuration.channels - 1
        case .loading: new.loading = 1e-2
        case .mixture: new.mixture = configuration.mixture == .studentT ? .generalizedGaussian : .studentT
        case .maxDelay: new.maxDelay = configuration.maxDelay / 2
        case .maskFloor: new.maskFloor = configuration.maskFloor == 0.1 ? 0.2 : 0.1
        case .frame, .hop, .history, .bases, .groups, .family, .clusters, .clusterBases: return nil
        }
        return new
    }

    @Test("Every live change applies and leaves the output finite", arguments: cases)
    func liveChanges(testCase: Case) throws {
        try expectLiveChanges(testCase.precision.scalar, testCase)
    }

    private func expectLiveChanges<T: EngineScalar>(_: T.Type, _ testCase: Case) throws {
        let live = EngineParameter.allCases.filter { $0.change == .live }
        let stream = testCase.stream(T.self, hops: 2 + 2 * live.count)
        let separator = try testCase.engine(T.self)
        _ = stream.process(separator, hops: 0..<2)
        for (i, parameter) in live.enumerated() {
            let new = try #require(Self.changing(parameter, of: separator.configuration), "\(parameter) is live")
            #expect(new != separator.configuration)
            #expect(separator.apply(new), "\(parameter)")
            let output = stream.process(separator, hops: (2 + 2 * i)..<(4 + 2 * i))
            #expect(output.allSatisfy { $0.isFinite }, "non-finite output after changing \(parameter)")
        }
    }
}

import EngineParameters
@testable import RealtimeEngine
import TestSupport
import Testing

/// The clustering family (`DirectionClustering`) on a scene of three talkers at −60°, 0° and 60°
/// before two microphones 5 cm apart: delays of −2.02, 0 and 2.02 samples at 16 kHz. Each
/// mixture model must find the three directions without being told them, separate the talkers
/// (SIR improvement measured through the filters the mixture saw), keep each output on its
/// talker through a silence, and fit a shape inside its bounds. Thresholds sit about 3 dB below
/// what was measured (noted per test).
@Suite("Direction clustering")
struct DirectionClusteringTests {
    static let scene = ConvolutiveMixture(channels: 2, sources: 3, seconds: 10, reverberation: 0.1, seed: 5)
    static let trueDelays = [-2.02, 0, 2.02]

    static func configuration(_ mixture: MixtureModelKind) -> SeparatorConfiguration {
        var configuration = SeparatorConfiguration(channels: 2, sources: 3)
        configuration.family = .clustering
        configuration.mixture = mixture
        configuration.maxDelay = 4
        return configuration
    }

    /// The engine's clusters, sorted by delay.
    static func directions(_ separator: OnlineSeparator<Double>) throws -> [(delay: Double, levelDB: Double, weight: Double, shape: Double)] {
        guard case .clustering(let family) = separator.family else { throw ProbeError.changeNeedsRestart }
        return (0..<separator.sources).map { family.direction($0) }.sorted { $0.delay < $1.delay }
    }

    /// Runs the scene (its first `seconds`) through a fresh engine.
    static func run(_ mixture: MixtureModelKind, seconds: Double) throws -> OnlineSeparator<Double> {
        let separator = try OnlineSeparator<Double>(configuration: configuration(mixture))
        let hop = separator.hop, M = 2
        var output = [Double](repeating: 0, count: hop * separator.sources)
        var t = 0
        while t + hop <= min(scene.frames, Int(seconds * 16000)) {
            scene.mixture.withUnsafeBufferPointer { separator.process(input: $0.baseAddress! + t * M, output: &output) }
            t += hop
        }
        return separator
    }

    /// Measured delays: Gaussian −2.01, −0.06, 1.90; Student's t −2.01, −0.07, 1.85; generalised
    /// Gaussian −2.02, −0.05, 1.91 (without the coherence weighting the 60° talker's was pulled
    /// to 1.6 by the reverberation). k-means is not held to it: its hard assignments left one
    /// cluster between two talkers here (−2.19, −0.91, 0.24), though it separates best on the corpora.
    @Test("The soft mixture models find the three directions", arguments: [MixtureModelKind.gaussian, .studentT, .generalizedGaussian])
    func findsDirections(mixture: MixtureModelKind) throws {
        let found = try Self.directions(Self.run(mixture, seconds: 10))
        for (direction, truth) in zip(found, Self.trueDelays) {
            #expect(abs(direction.delay - truth) < 0.5, "\(mixture): delays \(found.map(\.delay)), truth \(Self.trueDelays)")
            #expect(abs(direction.levelDB) < 3, "\(mixture): free-field talkers have no level difference, found \(direction.levelDB) dB")
        }
    }

    /// Measured SIR improvement: k-means 4.7, Gaussian 10.6, Student's t 10.8, generalised Gaussian
    /// 10.7 dB; an engine whose masks do not follow the talkers measures about 0.
    @Test("Each mixture model separates three talkers from two microphones", arguments: MixtureModelKind.allCases)
    func separates(mixture: MixtureModelKind) throws {
        let probe = try SeparationProbe(Double.self, configuration: Self.configuration(mixture), scene: Self.scene, skipSeconds: 3)
        #expect(probe.meanImprovement > (mixture == .kmeans ? 2 : 7), "\(mixture): SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
    }

    /// The learnt shapes stay inside their bounds and move away from where they start.
    @Test("Student's t and the generalised Gaussian learn their shape",
          arguments: [MixtureModelKind.studentT, .generalizedGaussian])
    func learnsShape(mixture: MixtureModelKind) throws {
        let found = try Self.directions(Self.run(mixture, seconds: 10))
        let start = DirectionClustering<Double>.initialShape(mixture)
        for direction in found {
            #expect(direction.shape.isFinite && direction.shape > 0)
            #expect(direction.shape != start, "\(mixture): shape still at its start \(start)")
        }
    }

    /// Output k is cluster k for good: two seconds of silence (no learning) and the talkers'
    /// return leave every cluster on its direction.
    @Test("Cluster identity survives a silence")
    func identityAcrossSilence() throws {
        let separator = try Self.run(.kmeans, seconds: 5)
        guard case .clustering(let family) = separator.family else { throw ProbeError.changeNeedsRestart }
        let before = (0..<3).map { family.direction($0).delay }
        let hop = separator.hop
        let silence = [Double](repeating: 0, count: hop * 2)
        var output = [Double](repeating: 0, count: hop * 3)
        for _ in 0..<(2 * 16000 / hop) { separator.process(input: silence, output: &output) }
        var t = 5 * 16000
        while t + hop <= Self.scene.frames {
            Self.scene.mixture.withUnsafeBufferPointer { separator.process(input: $0.baseAddress! + t * 2, output: &output) }
            t += hop
        }
        let after = (0..<3).map { family.direction($0).delay }
        for k in 0..<3 {
            #expect(abs(after[k] - before[k]) < 0.5, "cluster \(k): \(before[k]) → \(after[k]) samples")
        }
        #expect(output.allSatisfy { $0.isFinite })
    }

    @Test("The clustering family takes one microphone pair and 2 to 8 sources")
    func validation() {
        /// The key the error names, nil when the configuration is valid.
        func refusal(_ change: (inout SeparatorConfiguration) -> Void) -> String? {
            var configuration = Self.configuration(.kmeans)
            change(&configuration)
            do { try configuration.validate() } catch { return error.key }
            return nil
        }
        #expect(refusal { $0.channels = 3 } == "channels")
        #expect(refusal { $0.sources = 9 } == "sources")
        #expect(refusal { $0.maskFloor = 0.9 } == "mask_floor")
        #expect(refusal { $0.maxDelay = 0 } == "max_delay")
        #expect(refusal { $0.mixture = .studentT } == nil)
    }

    /// ψ and ψ′ against known values: ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2, ψ′(1) = π²/6.
    @Test("Digamma and trigamma")
    func specialFunctions() {
        let gamma = 0.5772156649015329
        #expect(abs(DirectionClustering<Double>.digamma(1) + gamma) < 1e-10)
        #expect(abs(DirectionClustering<Double>.digamma(0.5) + gamma + 2 * 0.6931471805599453) < 1e-10)
        #expect(abs(DirectionClustering<Double>.trigamma(1) - Double.pi * Double.pi / 6) < 1e-9)
    }
}

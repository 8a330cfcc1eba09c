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

    /// The engine's clusters as its latest observation shows them, in cluster order.
    static func clusters(_ separator: OnlineSeparator<Double>) -> [ClusterEstimate] {
        let observation = separator.makeObservation()
        _ = separator.latestObservation(into: observation)
        return (0..<observation.clusterCount).map(observation.cluster)
    }

    /// The engine's clusters, sorted by delay.
    static func directions(_ separator: OnlineSeparator<Double>) -> [ClusterEstimate] {
        clusters(separator).sorted { $0.delaysSamples[1] < $1.delaysSamples[1] }
    }

    /// Runs the scene (its first `seconds`) through a fresh engine, observed at every hop.
    static func run(_ mixture: MixtureModelKind, seconds: Double, clusters: Int = 0) throws -> OnlineSeparator<Double> {
        var configuration = configuration(mixture)
        configuration.clusters = clusters
        let separator = try OnlineSeparator<Double>(configuration: configuration, observationInterval: 1)
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
        #expect(found.count == 3)
        for (direction, truth) in zip(found, Self.trueDelays) {
            #expect(abs(direction.delaysSamples[1] - truth) < 0.5, "\(mixture): delays \(found.map(\.delaysSamples)), truth \(Self.trueDelays)")
            #expect(abs(direction.levelsDB[1]) < 3, "\(mixture): free-field talkers have no level difference, found \(direction.levelsDB) dB")
        }
    }

    /// Measured SIR improvement: k-means 4.7, Gaussian 10.6, Student's t 10.8, generalised Gaussian
    /// 10.7 dB; an engine whose masks do not follow the talkers measures about 0.
    @Test("Each mixture model separates three talkers from two microphones", arguments: MixtureModelKind.allCases)
    func separates(mixture: MixtureModelKind) throws {
        let probe = try SeparationProbe(Double.self, configuration: Self.configuration(mixture), scene: Self.scene, skipSeconds: 3)
        #expect(probe.meanImprovement > (mixture == .kmeans ? 2 : 7), "\(mixture): SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
    }

    /// A fourth cluster beside three outputs: the talkers are still found and separated, and the
    /// observation shows all four clusters, whose weights and the diffuse cluster's add up to 1.
    /// Measured: SIR improvement 8.9 dB. The outputs are the three highest start peaks, here the
    /// talkers at −2.02 and 0 and a cluster between talkers (0.96); the spare one took the talker
    /// at 2.05, which is why extra clusters are not the default (docs/clustering.md).
    @Test("A cluster more than outputs")
    func spareCluster() throws {
        let separator = try Self.run(.studentT, seconds: 10, clusters: 4)
        let found = Self.clusters(separator)
        #expect(found.count == 4)
        for truth in Self.trueDelays {
            #expect(found.contains { abs($0.delaysSamples[1] - truth) < 0.5 }, "delays \(found.map(\.delaysSamples)), truth \(truth)")
        }
        let observation = separator.makeObservation()
        _ = separator.latestObservation(into: observation)
        let total = found.map(\.weight).reduce(0, +) + (observation.diffuseWeight ?? 0)
        #expect(abs(total - 1) < 1e-6, "weights add up to \(total)")
        var configuration = Self.configuration(.studentT)
        configuration.clusters = 4
        let probe = try SeparationProbe(Double.self, configuration: configuration, scene: Self.scene, skipSeconds: 3)
        #expect(probe.meanImprovement > 5, "SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
    }

    /// Four talkers at −60°, −20°, 20° and 60° before three microphones 5 cm apart in a line:
    /// microphone 1 hears them −2.02, −0.80, 0.80 and 2.02 samples after microphone 0, microphone 2
    /// twice that. Student's t over both pairs places every cluster on both pairs consistently
    /// (microphone 2's delay twice microphone 1's), finds at least three talkers on both and
    /// separates them. Measured: delays (−1.91, −3.87), (0.73, 1.45), (1.58, 3.26), (−0.79, −1.68);
    /// SIR improvement 5.7 dB. Four talkers 5 cm apart in 10 s of a reverberant room is hard:
    /// on other seeds one talker's cluster lands up to 0.4 samples off, as with two microphones.
    @Test("Three microphones, four talkers")
    func threeMicrophones() throws {
        let scene = ConvolutiveMixture(channels: 3, sources: 4, seconds: 10, reverberation: 0.1, seed: 3)
        var configuration = Self.configuration(.studentT)
        configuration.channels = 3
        configuration.sources = 4
        configuration.maxDelay = 6
        let separator = try OnlineSeparator<Double>(configuration: configuration, observationInterval: 1)
        var output = [Double](repeating: 0, count: separator.hop * 4)
        var t = 0
        while t + separator.hop <= scene.frames {
            scene.mixture.withUnsafeBufferPointer { separator.process(input: $0.baseAddress! + t * 3, output: &output) }
            t += separator.hop
        }
        let found = Self.directions(separator)
        for direction in found {
            #expect(abs(direction.delaysSamples[2] - 2 * direction.delaysSamples[1]) < 0.4, "delays \(found.map(\.delaysSamples))")
        }
        let talkersFound = [-2.02, -0.80, 0.80, 2.02].filter { truth in
            found.contains { abs($0.delaysSamples[1] - truth) < 0.3 && abs($0.delaysSamples[2] - 2 * truth) < 0.6 }
        }
        #expect(talkersFound.count >= 3, "delays \(found.map(\.delaysSamples))")
        let probe = try SeparationProbe(Double.self, configuration: configuration, scene: scene, skipSeconds: 3)
        #expect(probe.meanImprovement > 3, "SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
    }

    /// The learnt shapes stay inside their bounds and move away from where they start.
    @Test("Student's t and the generalised Gaussian learn their shape",
          arguments: [MixtureModelKind.studentT, .generalizedGaussian])
    func learnsShape(mixture: MixtureModelKind) throws {
        let found = try Self.directions(Self.run(mixture, seconds: 10))
        let start = DirectionClustering<Double>.initialShape(mixture)
        for direction in found {
            let shape = try #require(direction.shape, "\(mixture) has a shape")
            #expect(shape.isFinite && shape > 0)
            #expect(shape != start, "\(mixture): shape still at its start \(start)")
        }
    }

    /// Output k is cluster k for good: two seconds of silence (no learning) and the talkers'
    /// return leave every cluster on its direction.
    @Test("Cluster identity survives a silence")
    func identityAcrossSilence() throws {
        let separator = try Self.run(.kmeans, seconds: 5)
        let before = Self.clusters(separator).map { $0.delaysSamples[1] }
        let hop = separator.hop
        let silence = [Double](repeating: 0, count: hop * 2)
        var output = [Double](repeating: 0, count: hop * 3)
        for _ in 0..<(2 * 16000 / hop) { separator.process(input: silence, output: &output) }
        var t = 5 * 16000
        while t + hop <= Self.scene.frames {
            Self.scene.mixture.withUnsafeBufferPointer { separator.process(input: $0.baseAddress! + t * 2, output: &output) }
            t += hop
        }
        let after = Self.clusters(separator).map { $0.delaysSamples[1] }
        for k in 0..<3 {
            #expect(abs(after[k] - before[k]) < 0.5, "cluster \(k): \(before[k]) → \(after[k]) samples")
        }
        #expect(output.allSatisfy { $0.isFinite })
    }

    @Test("The clustering family takes 2 to 8 sources from any microphones")
    func validation() {
        /// The key the error names, nil when the configuration is valid.
        func refusal(_ change: (inout SeparatorConfiguration) -> Void) -> String? {
            var configuration = Self.configuration(.kmeans)
            change(&configuration)
            do { try configuration.validate() } catch { return error.key }
            return nil
        }
        #expect(refusal { $0.sources = 9 } == "sources")
        #expect(refusal { $0.maskFloor = 0.9 } == "mask_floor")
        #expect(refusal { $0.maxDelay = 0 } == "max_delay")
        #expect(refusal { $0.mixture = .studentT } == nil)
        #expect(refusal { $0.clusters = 2 } == "clusters")
        #expect(refusal { $0.clusters = 9 } == "clusters")
        #expect(refusal { $0.clusters = 5 } == nil)
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

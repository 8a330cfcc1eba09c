import EngineParameters
import Foundation
@testable import RealtimeEngine
import TestSupport
import Testing

/// The sparse, group-sparse, harmonic and plug-and-play structures, each on inputs whose answer is
/// known, and the automatic choice among structures (`StructureChoice`).
@Suite("Source-model family")
struct SourceStructureFamilyTests {
    static func context(bins: Int = 65, slots: Int = 4, groups: Int = 8) -> SourceStructureContext {
        SourceStructureContext(source: 0, bins: bins, historySlots: slots, bases: 2, groups: groups, forgetting: 0.9)
    }

    // MARK: - Sparse and group-sparse

    @Test("Bands tile the bins on a log axis, each at least one bin wide, narrow at the bottom", arguments: [(65, 8), (2049, 24), (10, 10), (10, 40)])
    func bandsTileTheBins(bins: Int, count: Int) {
        let edges = GroupSparseStructure<Double>.bands(bins: bins, count: count)
        #expect(edges.first == 0 && edges.last == bins)
        #expect(edges.count == min(count, bins) + 1)
        #expect(zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 })
        #expect(edges[1] - edges[0] <= edges[edges.count - 1] - edges[edges.count - 2])
    }

    @Test("A band's variance is the MAP estimate (Σ p̃ + a g) / (n + a + 1), a = κ n, g the frame's mean")
    func groupSparseVarianceIsTheMAPEstimate() {
        let context = Self.context(bins: 8)
        let structure = GroupSparseStructure<Double>(context, groups: 2)
        #expect(structure.edges == [0, 3, 8])
        let power: [Double] = [1, 2, 3, 4, 4, 4, 4, 10]
        var r = [Double](repeating: 0, count: 8)
        structure.variance(whitenedPower: power, slot: 0, fresh: true, into: &r)
        let g = power.reduce(0, +) / 8, kappa = GroupSparseStructure<Double>.coupling
        let low = (6 + kappa * 3 * g) / (3 + kappa * 3 + 1), high = (26 + kappa * 5 * g) / (5 + kappa * 5 + 1)
        for f in 0..<3 { #expect(abs(r[f] - low) < 1e-12) }
        for f in 3..<8 { #expect(abs(r[f] - high) < 1e-12) }
    }

    @Test("The sparse structure follows each bin: a loud bin gets a larger variance than its neighbours")
    func sparseFollowsEachBin() {
        let structure = GroupSparseStructure<Double>.sparse(Self.context(bins: 16))
        var power = [Double](repeating: 1, count: 16)
        power[5] = 50
        var r = [Double](repeating: 0, count: 16)
        structure.variance(whitenedPower: power, slot: 0, fresh: true, into: &r)
        let g = power.reduce(0, +) / 16, kappa = GroupSparseStructure<Double>.coupling
        #expect(abs(r[5] - (50 + kappa * g) / (2 + kappa)) < 1e-12)
        #expect(abs(r[4] - (1 + kappa * g) / (2 + kappa)) < 1e-12)
    }

    // MARK: - Harmonic

    /// A whitened frame with partials at h·f0 (f0 = 21.3 bins) over a noise floor.
    static func voicedFrame(bins: Int, f0: Double) -> [Double] {
        var random = SplitMix64(seed: 5)
        var power = (0..<bins).map { _ in 0.05 + 0.05 * random.uniform() }
        var h = 1.0
        while h * f0 < Double(bins - 1) {
            power[Int((h * f0).rounded())] += 20
            h += 1
        }
        return power
    }

    @Test("A voiced frame's pitch is found (not an octave below) and its variance peaks on the harmonics")
    func harmonicFindsThePitch() {
        let bins = 1025
        let structure = HarmonicStructure<Double>(Self.context(bins: bins))
        let power = Self.voicedFrame(bins: bins, f0: 21.3)
        var r = [Double](repeating: 0, count: bins)
        structure.variance(whitenedPower: power, slot: 1, fresh: true, into: &r)
        // The harmonics of 21.3 bins below half of Nyquist: peaks at them, valleys half-way.
        for h in 1...10 {
            let peak = Int((Double(h) * 21.3).rounded()), valley = Int(((Double(h) + 0.5) * 21.3).rounded())
            #expect(r[peak] > 3 * r[valley], "harmonic \(h): \(r[peak]) vs \(r[valley])")
        }
        // Above half of Nyquist the comb is flat.
        #expect(abs(r[bins - 1] - r[bins - 30]) < 1e-12)
        #expect(r.allSatisfy { $0.isFinite && $0 > 0 })
    }

    @Test("A frame without pitch is spherical: one variance, the frame's mean power")
    func harmonicWithoutPitchIsSpherical() {
        let bins = 513
        let structure = HarmonicStructure<Double>(Self.context(bins: bins))
        var random = SplitMix64(seed: 9)
        let power = (0..<bins).map { _ in 0.5 + random.uniform() }
        var r = [Double](repeating: 0, count: bins)
        structure.variance(whitenedPower: power, slot: 0, fresh: true, into: &r)
        let mean = power.reduce(0, +) / Double(bins)
        #expect(r.allSatisfy { abs($0 - mean) < 1e-9 }, "\(r.prefix(4))")
    }

    @Test("A frame whose log power is −∞ somewhere (exact zeros) has no pitch, returns, and stays finite")
    func harmonicSurvivesZeros() {
        let bins = 513
        let structure = HarmonicStructure<Double>(Self.context(bins: bins))
        for power in [[Double](repeating: 0, count: bins), (0..<bins).map { $0 % 2 == 0 ? 0 : 1 }] {
            var r = [Double](repeating: -1, count: bins)
            structure.variance(whitenedPower: power, slot: 0, fresh: true, into: &r)
            structure.variance(whitenedPower: power, slot: 0, fresh: false, into: &r)
            #expect(r.allSatisfy { $0.isFinite && $0 > 0 }, "\(r.prefix(4))")
        }
    }

    // MARK: - Plug-and-play

    @Test("The median drops a lone outlier bin, keeps a ridge held over three frames, and reads the frames around it")
    func plugAndPlayMedian() {
        let bins = 16
        let structure = PlugAndPlayStructure<Double>(Self.context(bins: bins, slots: 4))
        func frame(_ body: (inout [Double]) -> Void) -> [Double] {
            var power = [Double](repeating: 1, count: bins)
            body(&power)
            return power
        }
        var r = [Double](repeating: 0, count: bins)
        // Three frames with a ridge at bins 7 and 8; the middle one also has an outlier at bin 3.
        let ridge = frame { $0[7] = 40; $0[8] = 40 }
        let middle = frame { $0[7] = 40; $0[8] = 40; $0[3] = 1000 }
        structure.variance(whitenedPower: ridge, slot: 0, fresh: true, into: &r)
        structure.variance(whitenedPower: middle, slot: 1, fresh: true, into: &r)
        structure.variance(whitenedPower: ridge, slot: 2, fresh: true, into: &r)
        // Re-sweep the middle frame: it now has a frame on each side.
        structure.variance(whitenedPower: middle, slot: 1, fresh: false, into: &r)
        let kappa = GroupSparseStructure<Double>.coupling
        let g = middle.reduce(0, +) / Double(bins)
        let quiet = (1 + kappa * g) / (2 + kappa), loud = (40 + kappa * g) / (2 + kappa)
        #expect(abs(r[3] - quiet) < 1e-12, "the outlier survived: \(r[3])")
        #expect(abs(r[7] - loud) < 1e-12 && abs(r[8] - loud) < 1e-12, "the ridge was lost: \(r[7]), \(r[8])")
        #expect(abs(r[12] - quiet) < 1e-12)
    }

    // MARK: - Automatic choice

    /// Feeds `frames` frames of power (per frame, `shape(frame, bin)` × a level that varies) to an
    /// automatic source's models and returns the structure it settles on.
    static func settle(frames: Int, bins: Int = 129, _ shape: (Int, Int) -> Double) -> (SourceStructure, Int) {
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.frameLength = (bins - 1) * 2
        configuration.hop = configuration.frameLength / 4
        configuration.history = 4
        configuration.structure = .automatic
        let models = SourceModels<Double>(configuration: configuration, registry: .builtIn)
        var power = [Double](repeating: 0, count: 2 * bins)
        var weights = [Double](repeating: 0, count: 2 * bins)
        var slots = [0, 1, 2, 3]
        var random = SplitMix64(seed: 17)
        for t in 0..<frames {
            let level = 0.2 + 2 * random.uniform()
            for f in 0..<bins {
                power[f] = level * shape(t, f)
                power[bins + f] = level * shape(t, f)
            }
            let slot = t % 4
            models.advance(retiring: t >= 4 ? slot : nil, coefficient: 0.5)
            models.computeWeights(power: power, slot: slot, fresh: true, weights: &weights)
            slots = [slot] + slots.dropLast()
            let coefficients = [Double](repeating: 1, count: 4)
            models.finishSweep(historySlots: slots, slotCount: min(t + 1, 4), coefficients: coefficients)
        }
        return (models.activeStructure(source: 0), models.choice.switches[0])
    }

    @Test("A source whose spectrum holds for a while (chords of 24 frames) leaves the initial structure")
    func persistentSpectrumLeavesSpherical() {
        var random = SplitMix64(seed: 3)
        // Strongly shaped spectra, each held for 24 frames, under a little noise. (One chord held
        // for ever would be whitened away by the source's average spectrum: flat to every structure.)
        let chords = (0..<4).map { c in (0..<129).map { f in f % (7 + 2 * c) == 0 ? 30.0 : 0.2 + 0.1 * random.uniform() } }
        var noise = SplitMix64(seed: 4)
        let (structure, switches) = Self.settle(frames: 200) { t, f in chords[t / 24 % 4][f] * (0.8 + 0.4 * noise.uniform()) }
        #expect(structure != StructureChoice<Double>.initial && switches >= 1, "\(structure) after \(switches) switches")
    }

    @Test("A source whose spectrum changes every frame (white noise) keeps the initial structure")
    func changingSpectrumStaysSpherical() {
        var noise = SplitMix64(seed: 8)
        // Exponentially distributed power: no structure across time or frequency.
        let (structure, switches) = Self.settle(frames: 200) { _, _ in -log(max(noise.uniform(), 1e-12)) }
        #expect(structure == StructureChoice<Double>.initial && switches == 0, "\(structure) after \(switches) switches")
    }

    // MARK: - Separation

    /// The 2×2 scene of `SeparationQualityTests`, 8 s instead of 12 (test time).
    static let scene = ConvolutiveMixture(channels: 2, sources: 2, seconds: 8, reverberation: 0.15, seed: 7)

    /// SIR improvement after 3 s (Float), measured: spherical 9.6, harmonic 8.8, auto 8.8 (it
    /// stays harmonic), sparse 3.6, pnp 1.6, group-sparse 0.4 dB — the last two learn too slowly
    /// for 8 s of this synthetic scene (on the corpora they reach 5–7 dB; docs/source-models.md).
    /// The harmonic structure, the default, is tested by `SeparationQualityTests`; here the
    /// automatic choice, which runs every structure beside each source, and the sparse extreme,
    /// with thresholds about 2 dB under the measurement (each case costs a minute in a debug build).
    @Test("The automatic choice and the sparse structure separate a reverberant 2×2 scene", arguments: [
        (SourceStructure.automatic, 6.5), (.sparse, 1.5),
    ])
    func separates(structure: SourceStructure, threshold: Double) throws {
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.structure = structure
        let probe = try SeparationProbe(Float.self, configuration: configuration, scene: Self.scene, skipSeconds: 3)
        #expect(probe.meanImprovement > threshold, "\(structure): SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
    }
}

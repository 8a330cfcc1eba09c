import RealtimeEngine
import TestSupport
import Testing

/// Fewer sources than microphones (K < M, OverIVA): which configurations are admitted, and that
/// the K target outputs separate a scene with K talkers.
@Suite("Overdetermined separation")
struct OverdeterminedTests {
    @Test("Sources from 2 to M are admitted; more, or fewer, are refused naming the key")
    func sourceBounds() throws {
        for sources in 2...4 {
            #expect(throws: Never.self) { try SeparatorConfiguration(channels: 4, sources: sources).validate() }
        }
        for sources in [0, 1, 5] {
            do {
                try SeparatorConfiguration(channels: 4, sources: sources).validate()
                Issue.record("\(sources) sources on 4 microphones admitted")
            } catch {
                #expect(error.key == "sources")
                #expect(error.description.contains("2 to 4"), "\(error)")
            }
        }
    }

    @Test("ISS is refused with fewer sources than microphones, not silently replaced")
    func issNeedsSquare() throws {
        var configuration = SeparatorConfiguration(channels: 4, sources: 2)
        configuration.updateRule = .iss
        do {
            try configuration.validate()
            Issue.record("ISS admitted with K < M")
        } catch {
            #expect(error.key == "update")
            #expect(error.description.contains("ip"), "\(error)")
        }
        configuration.sources = 4
        #expect(throws: Never.self) { try configuration.validate() }
    }

    /// Two talkers, four microphones, K = 2. Measured: 5.0 dB mean SIR improvement (5.5 and 4.5).
    /// A broken background (W singular, wrong steering vectors) leaves 0–2 dB. On this synthetic
    /// scene K = 4's best two outputs reach a higher SIR (6.2 dB); the corpus gain of K < M is in
    /// SDR, which this probe does not measure (docs/overdetermined.md: +2 to +4 dB SDRi).
    @Test("Two sources on four microphones separate with K = 2")
    func twoOfFour() throws {
        let scene = ConvolutiveMixture(channels: 4, sources: 2, seconds: 12, reverberation: 0.15, seed: 5)
        let probe = try SeparationProbe(Double.self, configuration: SeparatorConfiguration(channels: 4, sources: 2),
                                        scene: scene, skipSeconds: 3)
        #expect(probe.meanImprovement > 3.5, "SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
        #expect(probe.statistics.binResets == 0)
    }
}

import RealtimeEngine
import Testing

/// Separation quality on scenes with known source images: each test asserts a measured SIR
/// improvement, so a change that breaks the update, the weights or projection back fails here.
@Suite("Separation quality")
struct SeparationQualityTests {
    static let twoByTwo = ConvolutiveMixture(channels: 2, sources: 2, seconds: 12, reverberation: 0.15, seed: 7)

    @Test("IVA separates a reverberant 2×2 scene", arguments: SeparatorConfiguration.UpdateRule.allCases)
    func ivaTwoByTwo(rule: SeparatorConfiguration.UpdateRule) throws {
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.updateRule = rule
        let probe = try SeparationProbe(Double.self, configuration: configuration, scene: Self.twoByTwo, skipSeconds: 3)
        #expect(probe.meanImprovement > 15, "SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
        #expect(probe.statistics.binResets == 0)
    }

    @Test("ILRMA separates a reverberant 2×2 scene")
    func ilrmaTwoByTwo() throws {
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.algorithm = .ilrma
        let probe = try SeparationProbe(Double.self, configuration: configuration, scene: Self.twoByTwo, skipSeconds: 3)
        #expect(probe.meanImprovement > 10, "SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
    }

    @Test("Single precision separates as well as double")
    func floatTwoByTwo() throws {
        let configuration = SeparatorConfiguration(channels: 2)
        let probe = try SeparationProbe(Float.self, configuration: configuration, scene: Self.twoByTwo, skipSeconds: 3)
        #expect(probe.meanImprovement > 15, "SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
    }

    @Test("Three microphones, three sources")
    func ivaThreeByThree() throws {
        let scene = ConvolutiveMixture(channels: 3, sources: 3, seconds: 12, reverberation: 0.1, seed: 11)
        let configuration = SeparatorConfiguration(channels: 3)
        let probe = try SeparationProbe(Double.self, configuration: configuration, scene: scene, skipSeconds: 4)
        #expect(probe.meanImprovement > 10, "SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
    }

    @Test("The textbook recursion (no history, one sweep) still separates")
    func textbookRecursion() throws {
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.frameLength = 1024
        configuration.hop = 256
        configuration.history = 1
        configuration.iterations = 1
        configuration.forgetting = 0.99
        configuration.model = .laplace
        let probe = try SeparationProbe(Double.self, configuration: configuration, scene: Self.twoByTwo, skipSeconds: 4)
        #expect(probe.meanImprovement > 6, "SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
    }
}

import EngineParameters
import RealtimeEngine
import TestSupport
import Testing

/// Bad input never makes the engine's state non-finite: silence, DC, clipping and NaN/Inf are
/// all things a live microphone array delivers.
@Suite("Robustness")
struct RobustnessTests {
    enum Input: String, CaseIterable, Sendable {
        case silence, dc, clipped, nonFinite, identicalChannels
    }

    @Test("The output stays finite", arguments: Input.allCases)
    func finiteOutput(input: Input) throws {
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.frameLength = 512
        configuration.hop = 128
        configuration.history = 4
        for structure in SourceStructure.allCases {
            for rule in SeparatorConfiguration.UpdateRule.allCases {
                configuration.structure = structure
                configuration.updateRule = rule
                let separator = try OnlineSeparator<Float>(configuration: configuration)
                var random = SplitMix64(seed: 5)
                var block = [Float](repeating: 0, count: 128 * 2)
                var output = [Float](repeating: 0, count: 128 * 2)
                var finite = true
                for index in 0..<200 {
                    for i in 0..<block.count {
                        let noise = Float(random.uniform() - 0.5)
                        // Alternate good and bad stretches, so the engine also has to recover.
                        let bad = (index / 25) % 2 == 1
                        switch input {
                        case .silence: block[i] = bad ? 0 : noise
                        case .dc: block[i] = bad ? 0.5 : noise
                        case .clipped: block[i] = bad ? (noise > 0 ? 1 : -1) : noise
                        case .nonFinite: block[i] = bad && i % 7 == 0 ? (i % 2 == 0 ? .nan : .infinity) : noise
                        case .identicalChannels: block[i] = bad ? block[i - i % 2] : noise
                        }
                    }
                    separator.process(input: block, output: &output)
                    if !output.allSatisfy({ $0.isFinite }) { finite = false }
                }
                #expect(finite, "\(structure)-\(rule) produced a non-finite output on \(input.rawValue)")
                if input == .nonFinite {
                    #expect(separator.statistics.nonFiniteSamples > 0)
                }
            }
        }
    }

    /// A stream that starts with digital silence (a muted array, a device that starts late) must
    /// separate once sound arrives: the updates skip bins that have seen no data yet.
    @Test("Separation starts after leading digital silence", arguments: SeparatorConfiguration.UpdateRule.allCases)
    func leadingSilence(rule: SeparatorConfiguration.UpdateRule) throws {
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.frameLength = 1024
        configuration.hop = 256
        configuration.history = 1
        configuration.iterations = 1
        configuration.density = .laplace
        configuration.updateRule = rule
        let separator = try OnlineSeparator<Double>(configuration: configuration)
        var random = SplitMix64(seed: 9)
        var block = [Double](repeating: 0, count: 256 * 2)
        var output = [Double](repeating: 0, count: 256 * 2)
        var inputEnergy = 0.0, outputEnergy = 0.0
        for index in 0..<300 {
            for i in 0..<256 {
                let s0 = random.signal(), s1 = random.signal()
                let on = index >= 100
                block[2 * i] = on ? s0 + 0.5 * s1 : 0
                block[2 * i + 1] = on ? 0.4 * s0 + s1 : 0
            }
            separator.process(input: block, output: &output)
            if index >= 200 {
                inputEnergy += block.reduce(0) { $0 + $1 * $1 }
                outputEnergy += output.reduce(0) { $0 + $1 * $1 }
            }
        }
        #expect(outputEnergy > 0.1 * inputEnergy, "output energy \(outputEnergy) vs input \(inputEnergy)")
    }

    @Test("Invalid configurations name the key and what is allowed")
    func invalidConfiguration() {
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.hop = 300
        #expect(throws: SeparatorConfigurationError.self) { try configuration.validate() }
        do {
            try configuration.validate()
        } catch {
            #expect(error.key == "hop")
            #expect(error.description.contains("frame/2"))
        }
        configuration = SeparatorConfiguration(channels: 9)
        #expect(throws: SeparatorConfigurationError.self) { try configuration.validate() }
        configuration = SeparatorConfiguration(channels: 2)
        configuration.forgetting = 1
        #expect(throws: SeparatorConfigurationError.self) { try configuration.validate() }
    }

    @Test("Model spellings parse, and nonsense does not")
    func modelSpellings() {
        #expect(SourceDensityKind(parsing: "laplace") == .laplace)
        #expect(SourceDensityKind(parsing: "ggd:0.5") == .generalizedGaussian(beta: 0.5))
        #expect(SourceDensityKind(parsing: "t:50") == .studentT(nu: 50))
        #expect(SourceDensityKind(parsing: "gauss") == .gaussian)
        #expect(SourceDensityKind(parsing: "t") == nil)
        #expect(SourceDensityKind(parsing: "ggd:x") == nil)
        #expect(SourceDensityKind(parsing: "cauchy") == nil)
        #expect(SourceDensityKind(parsing: "t:2.5e1") == .studentT(nu: 25))
        // Only plain decimals: strtod would read each of these as a number.
        for shape in ["5\u{0}", "5\u{0}junk", "0x1p3", "inf", "nan", " 5", "5 ", "1e", "."] {
            #expect(SourceDensityKind(parsing: "t:" + shape) == nil, "t:\(shape)")
            #expect(SourceDensityKind(parsing: "ggd:" + shape) == nil, "ggd:\(shape)")
        }
    }
}

import Foundation
@testable import RealtimeEngine
import TestSupport
import Testing

/// The FIR stage against what it must compute: the learnt per-bin filters as FIR taps, D of them
/// before the zero lag, applied block by block by the partitioned convolution exactly as a direct
/// convolution would, and a new bank faded in without a jump.
@Suite("FIR stage")
struct FIRStageTests {
    static let frame = 512, taps = 256, delay = 32, block = 16

    static func settings(crossfade: Int = 64) -> OutputStageSettings {
        var settings = OutputStageSettings(kind: .fir)
        (settings.firTaps, settings.firDelay, settings.firBlock, settings.crossfade, settings.firWarmUp) = (taps, delay, block, crossfade, 0)
        return settings
    }

    /// A 2×2 bank whose filter (0, 0) delays by `lag` samples and (1, 1) by `lag` + 3, scaled by
    /// `gain`; the cross filters are 0.
    static func delays(lag: Int, gain: Float = 1) -> SeparationFilters<Float> {
        let bins = frame / 2 + 1
        let filters = SeparationFilters<Float>(sources: 2, channels: 2, bins: bins)
        for (k, d) in [(0, lag), (1, lag + 3)] {
            let offset = (k * 2 + k) * bins
            for f in 0..<bins {
                let phase = -2 * Double.pi * Double(f * d) / Double(frame)
                filters.re.pointer[offset + f] = gain * Float(cos(phase))
                filters.im.pointer[offset + f] = gain * Float(sin(phase))
            }
        }
        filters.version = 1
        return filters
    }

    /// `blocks` blocks of two-channel noise through `stage`; the input and the output, interleaved.
    static func run(_ stage: FIRStage<Float>, blocks: Int, seed: UInt64 = 5, between: (Int) -> Void = { _ in }) -> (input: [Float], output: [Float]) {
        var random = SplitMix64(seed: seed)
        let input = (0..<(blocks * block * 2)).map { _ in Float(random.signal()) }
        var output = [Float](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for b in 0..<blocks {
                    between(b)
                    stage.render(input: x.baseAddress! + b * block * 2, output: y.baseAddress! + b * block * 2)
                }
            }
        }
        return (input, output)
    }

    @Test("a per-bin delay becomes an FIR delay by D more, to float precision, block by block")
    func delayIsExact() throws {
        let stage = try FIRStage<Float>(settings: Self.settings(), frameLength: Self.frame, sources: 2, channels: 2)
        #expect(stage.latency == Self.delay && stage.blockSize == Self.block)
        stage.update(from: Self.delays(lag: 5))
        let (x, y) = Self.run(stage, blocks: 40)
        var worst: Float = 0
        for t in 0..<(y.count / 2) {
            for k in 0..<2 {
                let lag = Self.delay + 5 + 3 * k
                let expected = t >= lag ? x[(t - lag) * 2 + k] : 0
                worst = max(worst, abs(y[t * 2 + k] - expected))
            }
        }
        #expect(worst < 1e-4, "largest deviation \(worst)")
    }

    @Test("a new bank fades in over the crossfade: no step, and the new filters after it")
    func crossfadeIsSmooth() throws {
        let stage = try FIRStage<Float>(settings: Self.settings(crossfade: 64), frameLength: Self.frame, sources: 2, channels: 2)
        stage.update(from: Self.delays(lag: 0, gain: 1))
        let swapBlock = 20
        let next = Self.delays(lag: 0, gain: 0.25)
        next.version = 2
        let (x, y) = Self.run(stage, blocks: 40) { b in if b == swapBlock { stage.update(from: next) } }
        let start = swapBlock * Self.block
        for t in (start - Self.block)..<(y.count / 2) {
            let source = x[(t - Self.delay) * 2]
            // The gain goes linearly from 1 to 0.25 over the 64 samples from the swap.
            let done = min(max(t - start + 1, 0), 64)
            let gain: Float = 1 + (0.25 - 1) * Float(done) / 64
            #expect(abs(y[t * 2] - gain * source) < 1e-4, "sample \(t): \(y[t * 2]) for \(gain * source)")
        }
    }

    @Test("after a start or a reset the output blends from the reference microphone to the filters, hop by hop")
    func warmUpBlend() throws {
        var settings = Self.settings()
        settings.firWarmUp = 4
        let stage = try FIRStage<Float>(settings: settings, frameLength: Self.frame, sources: 2, channels: 2, referenceMic: 1)
        stage.update(from: Self.delays(lag: 0, gain: 0))  // filters that output silence
        #expect(stage.trust == 0)
        /// Output 0 against microphone 1 (the reference) D samples back, least squares over the
        /// second half of 40 blocks.
        func gain(after hops: Int) -> Float {
            for _ in 0..<hops { stage.learnedHop(referenceMic: 1) }
            let (x, y) = Self.run(stage, blocks: 40)
            var dot: Float = 0, power: Float = 0
            for t in (20 * Self.block)..<(40 * Self.block) {
                let r = x[(t - Self.delay) * 2 + 1]
                dot += y[t * 2] * r
                power += r * r
            }
            return dot / power
        }
        #expect(abs(gain(after: 0) - 1) < 1e-4)
        #expect(abs(gain(after: 2) - 0.5) < 1e-4 && stage.trust == 0.5)
        #expect(abs(gain(after: 2)) < 1e-6 && stage.trust == 1)
        #expect(abs(gain(after: 3)) < 1e-6 && stage.trust == 1)
        stage.reset()
        #expect(stage.trust == 0 && abs(gain(after: 0) - 1) < 1e-4)
        stage.trustLoadedState()
        #expect(stage.trust == 1)
    }

    @Test("filters longer than the taps are cut, the stage stays finite, and NaN input is silence")
    func hostileInputIsSilence() throws {
        let stage = try FIRStage<Float>(settings: Self.settings(), frameLength: Self.frame, sources: 2, channels: 2)
        stage.update(from: Self.delays(lag: 300))  // beyond the taps: nothing of it is kept
        var input = [Float](repeating: .nan, count: Self.block * 2)
        var output = [Float](repeating: 1, count: Self.block * 2)
        stage.render(input: &input, output: &output)
        #expect(output.allSatisfy { $0 == 0 })
    }

    @Test("settings outside the limits are refused with the key and what is allowed")
    func limits() {
        let engine = SeparatorConfiguration(channels: 2)
        var settings = OutputStageSettings(kind: .fir)
        settings.firTaps = 1000
        #expect(throws: SeparatorConfigurationError.self) { try settings.validate(for: engine) }
        settings = OutputStageSettings(kind: .fir)
        settings.firBlock = 48
        #expect { try settings.validate(for: engine) } throws: { ($0 as? SeparatorConfigurationError)?.key == "fir_block" }
        settings = OutputStageSettings(kind: .fir)
        settings.firDelay = settings.firTaps
        #expect { try settings.validate(for: engine) } throws: { ($0 as? SeparatorConfigurationError)?.key == "fir_delay" }
        #expect(throws: Never.self) { try OutputStageSettings(kind: .fir).validate(for: engine) }
    }
}

@testable import RealtimeEngine
import TestSupport
import Testing

/// The start-up: while the history fills, an update spends the work of a full history on the
/// frames it has (`OnlineIVA.sweeps`), so the first seconds converge without any update costing
/// more than a steady one.
@Suite("Start-up")
struct StartUpTests {
    @Test("Start-up sweeps never cost more than a steady update", arguments: [(2, 64), (1, 16), (3, 5), (16, 64), (1, 1)])
    func budget(iterations: Int, history: Int) {
        for filled in 1...history {
            let sweeps = OnlineIVA<Float>.sweeps(iterations: iterations, history: history, filled: filled)
            #expect(sweeps >= iterations && sweeps <= iterations * OnlineIVA<Float>.startUpSweepFactor)
            #expect(sweeps * filled <= Swift.max(iterations * history, iterations * filled), "filled \(filled): \(sweeps) sweeps")
        }
        #expect(OnlineIVA<Float>.sweeps(iterations: iterations, history: history, filled: history) == iterations)
    }

    @Test("The history's first frames get the most sweeps")
    func schedule() {
        let sweeps = [1, 8, 16, 32, 48, 64].map { OnlineIVA<Float>.sweeps(iterations: 2, history: 64, filled: $0) }
        #expect(sweeps == [16, 16, 8, 4, 2, 2])
    }

    /// SIR improvement over the first two seconds, start-up included. Measured: 8.1 dB; with the
    /// start-up sweeps off (`iterations` sweeps from the first frame), 3.6 dB.
    @Test("The defaults separate within the first two seconds")
    func firstSeconds() throws {
        let scene = ConvolutiveMixture(channels: 2, sources: 2, seconds: 2, reverberation: 0.05, seed: 7)
        let probe = try SeparationProbe(Float.self, configuration: SeparatorConfiguration(channels: 2), scene: scene, skipSeconds: 0)
        #expect(probe.meanImprovement > 6, "SIR improvement \(probe.meanImprovement) dB, outputs \(probe.outputSIR)")
    }
}

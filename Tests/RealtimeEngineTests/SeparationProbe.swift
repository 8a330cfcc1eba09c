import Foundation
import RealtimeEngine
import TestSupport

/// Measures what an online separator does to each source, exactly: while the mixture streams
/// through the separator, every source image is passed through the very filters (demixing and
/// projection back) that the mixture saw at that frame, and the energy each image leaves in each
/// output gives the signal-to-interference ratio — no BSS Eval approximation involved.
///
/// The separator may have more outputs than the scene has sources (K = M on an overdetermined
/// scene): each source is then scored on the output that carries it best, as the corpus scorer does.
///
/// `changes` are applied live (`OnlineSeparator.apply`) at the first hop at or after their time,
/// so a test can measure quality right after a switch.
struct SeparationProbe {
    struct Change {
        var seconds: Double
        var configuration: SeparatorConfiguration
    }

    /// energy[k][j]: energy of source j's image in output k, after `skipSeconds`; K_out × K.
    let energy: [[Double]]
    /// Input SIR at the reference microphone, per source, dB.
    let inputSIR: [Double]
    let statistics: SeparatorStatistics

    init<T: EngineScalar>(
        _: T.Type, configuration: SeparatorConfiguration, scene: ConvolutiveMixture, skipSeconds: Double,
        changes: [Change] = []
    ) throws {
        let separator = try OnlineSeparator<T>(configuration: configuration)
        let M = scene.channels, K = scene.sources, O = separator.sources, hop = configuration.hop, F = separator.bins
        let analyzers = try (0..<K).map { _ in
            try STFTAnalyzer<T>(frameLength: configuration.frameLength, hop: hop, channels: M)
        }
        let synthesizers = try (0..<K).map { _ in
            try STFTSynthesizer<T>(frameLength: configuration.frameLength, hop: hop, channels: O)
        }
        let images = (0..<K).map { scene.interleavedImage($0).map { T($0) } }
        let mixture = scene.mixture.map { T($0) }
        var output = [T](repeating: 0, count: hop * O)
        var specRe = [T](repeating: 0, count: M * F), specIm = specRe
        var outRe = [T](repeating: 0, count: O * F), outIm = outRe
        var energy = [[Double]](repeating: [Double](repeating: 0, count: K), count: O)
        let skipFrames = Int(skipSeconds * Double(scene.rate)) + separator.latency
        var pending = changes[...]
        var t = 0
        while t + hop <= scene.frames {
            while let change = pending.first, Double(t) >= change.seconds * Double(scene.rate) {
                guard separator.apply(change.configuration) else { throw ProbeError.changeNeedsRestart }
                pending.removeFirst()
            }
            mixture.withUnsafeBufferPointer { separator.process(input: $0.baseAddress! + t * M, output: &output) }
            for j in 0..<K {
                images[j].withUnsafeBufferPointer { analyzers[j].analyze(interleaved: $0.baseAddress! + t * M, re: &specRe, im: &specIm) }
                separator.applyCurrentFilters(re: specRe, im: specIm, outRe: &outRe, outIm: &outIm)
                synthesizers[j].synthesize(re: outRe, im: outIm, interleaved: &output)
                guard t >= skipFrames else { continue }
                for i in 0..<hop {
                    for k in 0..<O {
                        let v = Double(output[i * O + k])
                        energy[k][j] += v * v
                    }
                }
            }
            t += hop
        }
        self.energy = energy
        statistics = separator.statistics
        let reference = separator.configuration.referenceMic
        var inputEnergy = [Double](repeating: 0, count: K)
        for j in 0..<K {
            for n in skipFrames..<scene.frames {
                let v = scene.images[j][reference][n]
                inputEnergy[j] += v * v
            }
        }
        let total = inputEnergy.reduce(0, +)
        inputSIR = inputEnergy.map { 10 * log10($0 / max(total - $0, 1e-30)) }
    }

    /// Output SIR per source under the assignment of sources to distinct outputs that maximises
    /// the total SIR, dB.
    var outputSIR: [Double] {
        let K = inputSIR.count
        var best: [Double] = []
        var bestTotal = -Double.infinity
        for permutation in permutations(of: Array(0..<energy.count)) {
            // permutation[j] = output carrying source j
            let sirs = (0..<K).map { j -> Double in
                let k = permutation[j]
                let target = energy[k][j]
                let interference = energy[k].reduce(0, +) - target
                return 10 * log10(max(target, 1e-30) / max(interference, 1e-30))
            }
            let total = sirs.reduce(0, +)
            if total > bestTotal {
                bestTotal = total
                best = sirs
            }
        }
        return best
    }

    /// Mean SIR improvement over the sources, dB.
    var meanImprovement: Double {
        let out = outputSIR
        return zip(out, inputSIR).map { $0 - $1 }.reduce(0, +) / Double(out.count)
    }
}

enum ProbeError: Error {
    case changeNeedsRestart
}

private func permutations(of items: [Int]) -> [[Int]] {
    guard items.count > 1 else { return [items] }
    return items.indices.flatMap { i -> [[Int]] in
        var rest = items
        let head = rest.remove(at: i)
        return permutations(of: rest).map { [head] + $0 }
    }
}

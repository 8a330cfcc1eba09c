import Foundation
import RealtimeEngine

/// Separation quality of a *recorded* output against the known source images, for a live run
/// where the filters that made the output are not at hand (unlike `SeparationProbe`, which runs
/// the images through the engine's own filters).
///
/// Per STFT bin, each output is fitted by least squares as a combination of the source images at
/// the reference microphone, `Y_k(f, n) ≈ Σ_j G_kj(f) S_j(f, n)`, over the whole window; the
/// energy each fitted term carries, `|G_kj|² Σ_n |S_j|²`, is what output k keeps of source j.
/// That is the SIR of BSS Eval with a per-bin filter instead of a time-domain one; it assumes the
/// demixing filters hold still over the window (true once the online engine has converged) and
/// the outputs aligned to the images within a small fraction of `frameLength`.
/// What the fit leaves unexplained (artefacts, a glitch) counts neither way.
struct RecordedSeparationScore {
    /// Per source, dB: the source against the others at the reference microphone.
    let inputSIR: [Double]
    /// Per source, dB, under the output permutation with the best total.
    let outputSIR: [Double]

    var meanImprovement: Double {
        zip(outputSIR, inputSIR).map { $0 - $1 }.reduce(0, +) / Double(outputSIR.count)
    }

    /// `outputs` and `images`: K channels each, interleaved, same length, sample-aligned.
    init(outputs: [Double], images: [Double], sources K: Int, frameLength: Int = 4096, hop: Int = 1024) throws(STFTError) {
        precondition(outputs.count == images.count && outputs.count % K == 0)
        let outputAnalyzer = try STFTAnalyzer<Double>(frameLength: frameLength, hop: hop, channels: K)
        let imageAnalyzer = try STFTAnalyzer<Double>(frameLength: frameLength, hop: hop, channels: K)
        let F = outputAnalyzer.bins
        var yRe = [Double](repeating: 0, count: K * F), yIm = yRe, sRe = yRe, sIm = yRe
        // Per bin: images' covariance R[f][j][i] = Σ S_j S_i*, and cross terms C[f][k][i] = Σ Y_k S_i*.
        var covariance = [Complex](repeating: .zero, count: F * K * K)
        var cross = covariance
        let frames = outputs.count / K
        var t = 0, index = 0
        while t + hop <= frames {
            outputs.withUnsafeBufferPointer { outputAnalyzer.analyze(interleaved: $0.baseAddress! + t * K, re: &yRe, im: &yIm) }
            images.withUnsafeBufferPointer { imageAnalyzer.analyze(interleaved: $0.baseAddress! + t * K, re: &sRe, im: &sIm) }
            t += hop
            index += 1
            if index < frameLength / hop { continue }  // the first frames still hold the silence before the window
            for f in 0..<F {
                for i in 0..<K {
                    let si = Complex(sRe[i * F + f], -sIm[i * F + f])
                    for j in 0..<K { covariance[(f * K + j) * K + i] += Complex(sRe[j * F + f], sIm[j * F + f]) * si }
                    for k in 0..<K { cross[(f * K + k) * K + i] += Complex(yRe[k * F + f], yIm[k * F + f]) * si }
                }
            }
        }
        // energy[k][j]: what output k carries of source j.
        var energy = [[Double]](repeating: [Double](repeating: 0, count: K), count: K)
        for f in 0..<F {
            // Normal equations for output k: Σ_j G_kj R[j][i] = C[k][i], i.e. A g = b with A[i][j] = R[j][i].
            var a = [Complex](repeating: .zero, count: K * K)
            var load = 0.0
            for i in 0..<K {
                for j in 0..<K { a[i * K + j] = covariance[(f * K + j) * K + i] }
                load += covariance[(f * K + i) * K + i].re
            }
            guard load > 0 else { continue }
            for i in 0..<K { a[i * K + i].re += 1e-9 * load }  // a bin where one image is silent stays solvable
            for k in 0..<K {
                let g = Self.solve(a, (0..<K).map { cross[(f * K + k) * K + $0] }, size: K)
                for j in 0..<K { energy[k][j] += g[j].magnitudeSquared * covariance[(f * K + j) * K + j].re }
            }
        }
        var imageEnergy = [Double](repeating: 0, count: K)
        for (n, v) in images.enumerated() { imageEnergy[n % K] += v * v }
        let total = imageEnergy.reduce(0, +)
        inputSIR = imageEnergy.map { 10 * log10($0 / max(total - $0, 1e-30)) }
        outputSIR = Self.bestPermutation(energy)
    }

    /// Per source j, the SIR of the output assigned to it, for the assignment with the best total.
    private static func bestPermutation(_ energy: [[Double]]) -> [Double] {
        func permutations(_ items: [Int]) -> [[Int]] {
            guard items.count > 1 else { return [items] }
            return items.indices.flatMap { i in
                var rest = items
                let head = rest.remove(at: i)
                return permutations(rest).map { [head] + $0 }
            }
        }
        let K = energy.count
        return permutations(Array(0..<K)).map { output in
            (0..<K).map { j -> Double in
                let row = energy[output[j]]
                let target = row[j]
                let interference = row.reduce(0, +) - target
                return 10 * log10(max(target, 1e-30) / max(interference, 1e-30))
            }
        }.max { (a: [Double], b: [Double]) in a.reduce(0, +) < b.reduce(0, +) }!
    }

    /// Gaussian elimination with partial pivoting; `a` is row-major `size × size`.
    private static func solve(_ matrix: [Complex], _ rhs: [Complex], size n: Int) -> [Complex] {
        var a = matrix, b = rhs
        for column in 0..<n {
            let pivot = (column..<n).max { a[$0 * n + column].magnitudeSquared < a[$1 * n + column].magnitudeSquared }!
            if pivot != column {
                for j in 0..<n { a.swapAt(pivot * n + j, column * n + j) }
                b.swapAt(pivot, column)
            }
            for row in (column + 1)..<n {
                let factor = a[row * n + column] / a[column * n + column]
                for j in column..<n { a[row * n + j] -= factor * a[column * n + j] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Complex](repeating: .zero, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = b[row]
            for j in (row + 1)..<n { sum -= a[row * n + j] * x[j] }
            x[row] = sum / a[row * n + row]
        }
        return x
    }
}

/// Just the complex arithmetic the fit needs.
private struct Complex {
    var re: Double
    var im: Double

    init(_ re: Double, _ im: Double) {
        self.re = re
        self.im = im
    }

    static let zero = Complex(0, 0)
    var magnitudeSquared: Double { re * re + im * im }

    static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    static func * (a: Complex, b: Complex) -> Complex { Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re) }
    static func / (a: Complex, b: Complex) -> Complex {
        let d = b.magnitudeSquared
        return Complex((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
    }
    static func += (a: inout Complex, b: Complex) { a = a + b }
    static func -= (a: inout Complex, b: Complex) { a = a - b }
}

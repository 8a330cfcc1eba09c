import Foundation

/// The analysis and synthesis windows of one STFT geometry.
///
/// The analysis window is a periodic sqrt-Hann: it tapers frames to zero at both ends, which
/// keeps the leakage low enough for per-bin separation, and its square is a window whose shifts
/// by any hop `N / 2^k` sum to a constant, which is what makes weighted overlap-add exact.
///
/// The synthesis window is not taken from a formula but solved for numerically, sample by
/// sample, so that analysis × synthesis overlap-added at the hop is 1 to rounding error:
///
///     synthesis[n] = analysis[n] / Σₖ analysis[n + k·hop]²     (n + k·hop in 0 ..< N)
///
/// Solving rather than assuming keeps reconstruction exact for every supported hop, including
/// the ones where the closed-form constant differs (1 at N/2, 2 at N/4, 4 at N/8), and it would
/// stay exact if the analysis window were ever changed. The synthesis window also carries the
/// `1 / N` that FFTW's unnormalised inverse transform leaves out, so no per-sample scaling pass
/// is needed in the audio thread.
///
/// Both windows are computed in `Double` whatever the engine precision, and converted once.
public struct STFTWindow: Sendable, Equatable {
    /// Frame lengths the engine is built and tested for; only powers of two in this range are
    /// accepted, because those are the sizes FFTW transforms fastest and the round-trip tests
    /// cover. At 44.1 kHz they span frames of about 6 ms to 190 ms.
    public static let frameLengths: ClosedRange<Int> = 256 ... 8192

    /// Supported overlap factors, `frameLength / hop`. Below 2 the sqrt-Hann frames would not
    /// overlap enough to reconstruct; above 8 the cost grows with little gain.
    public static let overlaps: [Int] = [2, 4, 8]

    public let frameLength: Int
    public let hop: Int
    /// Periodic sqrt-Hann, `frameLength` samples.
    public let analysis: [Double]
    /// Dual window for overlap-add at `hop`, including the inverse FFT's `1 / frameLength`.
    public let synthesis: [Double]

    /// Throws unless `frameLength` is a power of two in `frameLengths` and `hop` is
    /// `frameLength / 2`, `/ 4` or `/ 8`.
    public static func validate(frameLength: Int, hop: Int) throws(STFTError) {
        guard frameLengths.contains(frameLength), frameLength & (frameLength - 1) == 0 else {
            throw .unsupportedFrameLength(frameLength)
        }
        guard hop > 0, frameLength % hop == 0, overlaps.contains(frameLength / hop) else {
            throw .unsupportedHop(hop, frameLength: frameLength)
        }
    }

    public init(frameLength: Int, hop: Int) throws(STFTError) {
        try Self.validate(frameLength: frameLength, hop: hop)
        self.frameLength = frameLength
        self.hop = hop

        let n = frameLength
        var analysis = [Double](repeating: 0, count: n)
        for i in 0 ..< n {
            // Periodic (DFT-even) Hann: 0.5 − 0.5·cos(2πi/N) without the repeated end point,
            // so that its shifts tile exactly. sin(πi/N) is its square root and is non-negative.
            analysis[i] = sin(Double.pi * Double(i) / Double(n))
        }

        var synthesis = [Double](repeating: 0, count: n)
        for i in 0 ..< n {
            // Every frame position congruent to i modulo the hop is covered by one frame each.
            var energy = 0.0
            var j = i % hop
            while j < n {
                energy += analysis[j] * analysis[j]
                j += hop
            }
            // With at least two frames overlapping, the squared window never sums to zero.
            synthesis[i] = analysis[i] / (energy * Double(n))
        }
        self.analysis = analysis
        self.synthesis = synthesis
    }
}

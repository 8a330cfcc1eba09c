/// IVA's structure: one variance per source and frame, shared by all bins, r_k(t) = ‖y_k(t)‖²/F.
///
/// Sharing r across frequency is what ties the bins of one source together and solves the
/// permutation problem of frequency-domain ICA.
final class SphericalVarianceModel<T: EngineScalar>: SourceStructureModel {
    typealias Scalar = T
    let density: SourceDensity
    let sources: Int
    let bins: Int
    /// Running mean of each source's frame variance; the floor for silent frames is relative to it
    /// so that weights stay bounded without an absolute level that depends on the input gain.
    private let level: EngineBuffer<T>

    init(density: SourceDensity, sources: Int, bins: Int) {
        self.density = density
        self.sources = sources
        self.bins = bins
        level = EngineBuffer(sources)
    }

    func computeWeights(power: UnsafePointer<T>, slot: Int, fresh: Bool, weights: UnsafeMutablePointer<T>) {
        let level = level.pointer
        let floorRatio: T = 1e-4
        for k in 0..<sources {
            let p = power + k &* bins
            var sum: T = 0
            for f in 0..<bins { sum += p[f] }
            let mean = sum / T(bins)
            if fresh {
                level[k] = level[k] == 0 ? mean : T(0.99) * level[k] + T(0.01) * mean
            }
            let variance = Swift.max(mean, floorRatio * level[k], T.leastNormalMagnitude * 1e6)
            density.weights(power: p, variance: variance, count: bins, into: weights + k &* bins)
        }
    }

    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<T>) {}

    func advance(retiring slot: Int?, coefficient: T) {}

    func reset() {
        level.zero()
    }
}

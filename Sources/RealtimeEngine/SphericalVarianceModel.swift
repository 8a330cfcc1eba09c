/// IVA's structure: one activity per source and frame shared by all bins, on top of each
/// source's average spectrum: r_k(f, t) = g_k(t) · s_k(f).
///
/// Sharing g across frequency is what ties the bins of one source together and solves the
/// permutation problem of frequency-domain ICA. Measuring g on the whitened spectrum
/// (g = mean_f p(f)/s(f)) lets every bin vote on whether the source is active; a density that
/// compares p with r per bin (Student's t) then down-weights bins that are loud *for that
/// source*, not bins that are merely loud.
final class SphericalVarianceModel<T: EngineScalar>: SourceStructureModel {
    typealias Scalar = T
    /// Changed live by `OnlineSeparator.apply`: the model keeps no statistics that depend on it.
    var density: SourceDensity
    let sources: Int
    let bins: Int
    /// Shared with the low-rank model (see `OnlineSeparator`), so either can take over from the
    /// other without relearning each source's spectrum.
    private let envelope: SpectralEnvelope<T>
    private let variance: EngineBuffer<T>

    init(density: SourceDensity, envelope: SpectralEnvelope<T>) {
        self.density = density
        self.envelope = envelope
        sources = envelope.sources
        bins = envelope.bins
        variance = EngineBuffer(bins)
    }

    func computeWeights(power: UnsafePointer<T>, slot: Int, fresh: Bool, weights: UnsafeMutablePointer<T>) {
        if fresh { envelope.beginFrame() }
        let r = variance.pointer
        for k in 0..<sources {
            let p = power + k &* bins
            if fresh { envelope.observe(power: p, source: k) }
            envelope.envelope(source: k, into: r)
            var activity: T = 0
            for f in 0..<bins { activity += p[f] / r[f] }
            activity = Swift.max(activity / T(bins), T(1e-6))
            for f in 0..<bins { r[f] *= activity }
            density.weights(power: p, variance: r, count: bins, into: weights + k &* bins)
        }
    }

    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<T>) {}

    func advance(retiring slot: Int?, coefficient: T) {}

    /// Nothing to forget: the envelope belongs to the separator, which resets it.
    func reset() {}
}

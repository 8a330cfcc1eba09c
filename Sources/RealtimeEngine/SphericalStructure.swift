/// IVA's structure: one activity per source and frame shared by all bins, on top of the source's
/// average spectrum: r(f, t) = g(t) · s(f), so r̃(f, t) = g(t).
///
/// Sharing g across frequency is what ties the bins of one source together and solves the
/// permutation problem of frequency-domain ICA. Measuring g on the whitened spectrum
/// (g = mean_f p̃(f)) lets every bin vote on whether the source is active; a density that compares
/// p with r per bin (Student's t) then down-weights bins that are loud *for that source*, not bins
/// that are merely loud. Nothing is learnt, so nothing is kept.
final class SphericalStructure<T: EngineScalar>: SourceStructureModel {
    typealias Scalar = T
    let bins: Int

    init(_ context: SourceStructureContext) {
        bins = context.bins
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func variance(whitenedPower p: UnsafePointer<T>, slot: Int, fresh: Bool, into r: UnsafeMutablePointer<T>) {
        r.update(repeating: Self.activity(whitenedPower: p, bins: bins), count: bins)
    }

    /// g = mean_f p̃(f), floored so that silence gives finite weights.
    @inline(__always)
    static func activity(whitenedPower p: UnsafePointer<T>, bins: Int) -> T {
        var total: T = 0
        for f in 0..<bins { total += p[f] }
        return activity(mean: total / T(bins))
    }

    /// The floor alone, for the low-rank structure's warm-up, which has the mean already.
    @inline(__always)
    static func activity(mean: T) -> T {
        Swift.max(mean, T(1e-6))
    }

    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<T>) {}

    func advance(retiring slot: Int?, coefficient: T) {}

    func setForgetting(_ alpha: Double) {}

    func reset() {}

    func transferState(_ transfer: inout StateTransfer<T>) {}
}

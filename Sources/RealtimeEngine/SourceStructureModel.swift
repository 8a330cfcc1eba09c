/// The structure half of a source model: where each source's variance r_k(f, t) comes from.
///
/// Conformers keep whatever statistics they learn, per source, across frames; the separator asks
/// for weights of any frame still in its re-iterated history (`slot`) and tells the model when a
/// frame leaves the history, so long-term statistics are accumulated once per frame with
/// forgetting instead of refitting the past. New structures (harmonic, sparse, DNN) plug in by
/// conforming, adding a case to `SourceModel`, and an instance to `OnlineSeparator` (which keeps
/// every structure allocated, so that `apply` can switch between them live).
protocol SourceStructureModel: AnyObject {
    associatedtype Scalar: EngineScalar

    /// Fills the weights φ_k(f) (planar K×F) of history slot `slot` from its output powers
    /// |y_k(f)|² (planar K×F). `fresh` is true on the first sweep over a newly arrived frame.
    func computeWeights(power: UnsafePointer<Scalar>, slot: Int, fresh: Bool, weights: UnsafeMutablePointer<Scalar>)

    /// Ends a sweep over the history: a chance to refit shared parameters (e.g. NMF bases) from
    /// the statistics of all frames the sweep has seen.
    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<Scalar>)

    /// A new frame has arrived: long-term statistics decay by the forgetting factor, and the frame
    /// leaving the history (if any) is folded in with weight `coefficient` relative to the newest.
    func advance(retiring slot: Int?, coefficient: Scalar)

    /// Forgets what the model learnt (not the shared `SpectralEnvelope`, which the separator owns).
    func reset()
}

/// The structure models the engine offers, dispatched statically so that the per-bin loops are
/// specialised for the scalar type (an existential would call unspecialised generic code).
enum SourceModel<T: EngineScalar> {
    case spherical(SphericalVarianceModel<T>)
    case lowRank(LowRankVarianceModel<T>)

    @inline(__always)
    func computeWeights(power: UnsafePointer<T>, slot: Int, fresh: Bool, weights: UnsafeMutablePointer<T>) {
        switch self {
        case .spherical(let model): model.computeWeights(power: power, slot: slot, fresh: fresh, weights: weights)
        case .lowRank(let model): model.computeWeights(power: power, slot: slot, fresh: fresh, weights: weights)
        }
    }

    @inline(__always)
    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<T>) {
        switch self {
        case .spherical(let model): model.finishSweep(historySlots: historySlots, slotCount: slotCount, coefficients: coefficients)
        case .lowRank(let model): model.finishSweep(historySlots: historySlots, slotCount: slotCount, coefficients: coefficients)
        }
    }

    @inline(__always)
    func advance(retiring slot: Int?, coefficient: T) {
        switch self {
        case .spherical(let model): model.advance(retiring: slot, coefficient: coefficient)
        case .lowRank(let model): model.advance(retiring: slot, coefficient: coefficient)
        }
    }

}

/// The structure half of one source's model: where the source's variance r(f, t) comes from.
///
/// The engine owns the rest of the source model (`SourceModels`): it whitens the output power by
/// the source's average spectrum (`SpectralEnvelope`) before asking the structure, multiplies the
/// structure's variance back by that spectrum, and turns power and variance into weights with the
/// source's density (`SourceDensity`). A structure therefore sees whitened powers p̃ = p / s and
/// returns a whitened variance r̃, and knows nothing of densities or scales.
///
/// A structure keeps whatever statistics it learns across frames; the engine asks for the variance
/// of any frame still in its re-iterated history (`slot`) and tells the structure when a frame
/// leaves the history, so long-term statistics are accumulated once per frame with forgetting
/// instead of refitting the past. New structures conform and add one line to
/// `SourceStructureRegistry.builtIn`. Everything is allocated in `init`; no method allocates.
protocol SourceStructureModel<Scalar>: AnyObject {
    associatedtype Scalar: EngineScalar

    /// Writes r̃(f) of history slot `slot` from its whitened power p̃(f) (both F values, p̃ floored
    /// above zero). `fresh` is true on the first sweep over a newly arrived frame.
    func variance(whitenedPower: UnsafePointer<Scalar>, slot: Int, fresh: Bool, into variance: UnsafeMutablePointer<Scalar>)

    /// Ends a sweep over the history: a chance to refit shared parameters (e.g. NMF bases) from
    /// the statistics of all the frames the sweep has seen, the slot of age i weighing
    /// `coefficients[i]`.
    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<Scalar>)

    /// A new frame has arrived: long-term statistics decay by the forgetting factor, and the frame
    /// leaving the history (if any) is folded in with weight `coefficient` relative to the newest.
    func advance(retiring slot: Int?, coefficient: Scalar)

    /// A new forgetting factor α per hop, for what comes next.
    func setForgetting(_ alpha: Double)

    /// Forgets what the structure learnt.
    func reset()

    /// The learnt statistics, in a fixed order (`StateTransfer`).
    func transferState(_ transfer: inout StateTransfer<Scalar>)
}

/// What a structure needs to know to allocate itself: which source, the engine's shape, the live α.
struct SourceStructureContext {
    /// The source's index among the K.
    let source: Int
    let bins: Int
    /// Frames in the re-iterated history: the slots `variance` may be asked about.
    let historySlots: Int
    /// NMF bases (`SeparatorConfiguration.nmfBases`), for structures that have bases.
    let bases: Int
    /// Bands of bins (`SeparatorConfiguration.groups`), for the group-sparse structure.
    let groups: Int
    let forgetting: Double
}

/// A separation family: how the K outputs are learnt from the M microphones, one analysed STFT
/// frame at a time. Online IVA/ILRMA (`OnlineIVA`: spatial filters, K ≤ M) is the first; direction
/// clustering (masks, K > M) will be the second.
///
/// The contract is the same for every family: `learn` takes each frame once, in order, and
/// publishes new filters (`SeparationFilters`: K×M per bin, masks included) to the exchange
/// whenever they change; the output stage applies the latest ones. Everything a family needs is
/// allocated in `init`; `learn`, `apply`, `reset` and `transferState` neither allocate nor lock.
/// A family is chosen once per engine and dispatched once per hop (`OnlineSeparator.Family`), so
/// its per-bin loops stay in concrete types the compiler specialises.
protocol SeparationFamily<Scalar>: AnyObject {
    associatedtype Scalar: EngineScalar

    /// Takes one planar M×F frame; publishes to `filters` when the filters changed.
    func learn(re: UnsafePointer<Scalar>, im: UnsafePointer<Scalar>, filters: FilterExchange<Scalar>)

    /// Writes and publishes the filters as they are now (after a reset, a load or a change of
    /// live parameters that moves them).
    func publishFilters(to filters: FilterExchange<Scalar>)

    /// Takes the live fields of `new`, whose shape must be this family's. Returns whether the
    /// filters moved (the caller then publishes).
    func apply(_ new: SeparatorConfiguration) -> Bool

    /// Takes the live fields of `new` as they are, without the transitions `apply` makes: after a
    /// saved state has been loaded, which already holds what those transitions would reset.
    func adoptLiveParameters(of new: SeparatorConfiguration)

    /// Forgets everything learnt; live parameters stay.
    func reset()

    /// The learnt state, in a fixed order (`StateTransfer`).
    func transferState(_ transfer: inout StateTransfer<Scalar>)

    /// What the family has had to repair so far (`SeparatorStatistics`).
    var repairs: (binResets: Int, singularSolves: Int) { get }

    /// Whether the family estimates time–frequency masks, which its observations then carry
    /// (`Observation.masks`); constant for the family's lifetime.
    var producesMasks: Bool { get }

    /// Direction clusters its observations describe (`Observation.cluster(_:)`); 0 for a family
    /// without them. Constant for the family's lifetime.
    var observedClusters: Int { get }

    /// Writes what only the family knows into a snapshot of the observation tap: every steering
    /// vector, and every mask when it `producesMasks`. On the processing thread, after `learn`;
    /// neither allocates nor locks.
    func observe(into observation: Observation<Scalar>)
}

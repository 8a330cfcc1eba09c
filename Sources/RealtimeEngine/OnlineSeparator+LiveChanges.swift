/// Live parameter changes: what the control plane may change on a running engine, and what needs
/// a new one.
///
/// Every live field either is read afresh at each update (iterations, block, update rule,
/// loading), or is derived into buffers that the family's `apply` rewrites in place (forgetting,
/// source density, structure). The learnt filters, statistics and history are never touched, so
/// the output continues without a glitch and without reconverging from identity.
extension OnlineSeparator {
    /// Keys (as `SeparatorConfiguration.validate()` names them) whose change from `old` to `new`
    /// needs a new engine: "channels", "sources", "frame", "hop", "history" and "bases" size its
    /// buffers. Every other field is live: "alpha", "iterations", "block", "update", "structure",
    /// "density" (and each source's), "reference_mic", "loading". Allocates: call it off the
    /// processing thread.
    public static func restartKeys(from old: SeparatorConfiguration, to new: SeparatorConfiguration) -> [String] {
        old.shapeKeys(differingFrom: new)
    }

    /// Switches to the live fields of `new`, between two `process` calls on the processing
    /// thread: no allocation, no lock. `new` must be valid (`validate()` off the thread).
    ///
    /// Returns false, and changes nothing, when `new` differs in a field that needs a restart
    /// (`restartKeys` is not empty): the caller checks that first and restarts instead. What each
    /// change does to the learnt state is the family's (`OnlineIVA.apply`).
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    @discardableResult
    public func apply(_ new: SeparatorConfiguration) -> Bool {
        guard configuration.hasSameShape(as: new) else { return false }
        configuration = new
        switch family {
        case .iva(let family): if family.apply(new) { family.publishFilters(to: filters) }
        case .clustering(let family): if family.apply(new) { family.publishFilters(to: filters) }
        }
        return true
    }
}

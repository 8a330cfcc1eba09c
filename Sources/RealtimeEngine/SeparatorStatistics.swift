/// What the engine has had to repair, for the daemon's status and for tests: every guard that
/// fires is counted rather than hidden.
public struct SeparatorStatistics: Sendable, Equatable {
    /// Hops processed since creation or the last reset.
    public var frames: Int = 0
    /// Input samples that were NaN or ±Inf and were replaced by silence.
    public var nonFiniteSamples: Int = 0
    /// Bins whose demixing matrix became non-finite and was reset to the identity.
    public var binResets: Int = 0
    /// Per-source updates skipped because their system was singular (e.g. silence in a bin).
    public var singularSolves: Int = 0
}

/// How the demixing matrix follows the weighted covariances each sweep. One type for the engine
/// and the control protocol, so no front end maps one onto the other.
public enum DemixingUpdateRule: String, Sendable, CaseIterable, BitwiseCopyable {
    /// Iterative projection: one M×M solve per source and bin.
    case ip
    /// Iterative source steering: rank-one steps, no matrix inversion.
    case iss
}

/// The mixture model that direction clustering fits to the time–frequency points' features
/// (`DirectionClustering`): each cluster is one direction, and the model says how the points of a
/// direction scatter around it.
public enum MixtureModelKind: String, Sendable, Equatable, CaseIterable, BitwiseCopyable, CustomStringConvertible {
    /// Hard assignment of each point to the nearest direction (in the distance the clusters'
    /// spreads normalise): the zero-temperature limit of the Gaussian mixture.
    case kmeans
    /// Gaussian scatter, soft posteriors (Araki et al. 2007).
    case gaussian = "gmm"
    /// Student's t scatter, its degrees of freedom ν learnt per cluster (heavy tails for reverberant
    /// and noisy points, which then pull the direction less).
    case studentT = "t"
    /// Generalised Gaussian scatter, its shape β learnt per cluster (β = 1 Gaussian, < 1 heavier tails).
    case generalizedGaussian = "ggd"

    public var description: String { rawValue }

    /// The spellings, for help texts and error messages.
    public static var spellings: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

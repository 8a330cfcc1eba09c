/// The density of one source coefficient given its variance: the half of the model that turns
/// output power into auxiliary-function weights φ.
///
/// bssd's method is "independence between sources + a structure model of each source". The
/// structure model gives each time–frequency point a variance r (the same over all bins for IVA,
/// a low-rank NMF spectrogram for ILRMA); the density says how a coefficient of power p is
/// weighted given r. Majorising the negative log-density by a quadratic gives φ, and the demixing
/// update minimises Σ φ |w^H x|² (Ono's auxiliary-function method).
enum SourceDensity: Equatable, Sendable {
    /// φ = 1/r: Gaussian with variance r (classic ILRMA, time-varying Gaussian IVA).
    case gaussian
    /// φ ∝ r^((β−2)/2): generalised Gaussian of the norm (β = 1 is the spherical Laplace of IVA).
    case generalizedGaussian(beta: Double)
    /// φ = (2 + ν) / (ν r + 2 p): complex Student's t with scale r — loud outliers in a bin weigh
    /// less than the Gaussian would weigh them (Kitamura et al., t-ILRMA).
    case studentT(nu: Double)

    init(_ kind: SourceDensityKind) {
        switch kind {
        case .gaussian: self = .gaussian
        case .laplace: self = .generalizedGaussian(beta: 1)
        case .generalizedGaussian(let beta): self = .generalizedGaussian(beta: beta)
        case .studentT(let nu): self = .studentT(nu: nu)
        }
    }

    /// Writes φ for `count` bins from their powers and variances (both already floored > 0).
    @inline(__always)
    func weights<T: EngineScalar>(
        power: UnsafePointer<T>, variance: UnsafePointer<T>, count: Int, into weights: UnsafeMutablePointer<T>
    ) {
        switch self {
        case .gaussian:
            for f in 0..<count { weights[f] = 1 / variance[f] }
        case .generalizedGaussian(let beta):
            let exponent = T((beta - 2) / 2)
            for f in 0..<count { weights[f] = T.pow(variance[f], exponent) }
        case .studentT(let nu):
            let n = T(nu)
            let numerator = 2 + n
            for f in 0..<count { weights[f] = numerator / (n * variance[f] + 2 * power[f]) }
        }
    }

    /// The negative log-density of `count` bins of power p given variances r, summed, up to a
    /// constant of the density's shape alone: log r + p/r (Gaussian), log r + (p/r)^(β/2)
    /// (generalised Gaussian), log r + (1 + ν/2) log(1 + 2p/(ν r)) (Student's t). What the
    /// weights majorise, so two variance models of one source compare by it (`SourceModels`).
    @inline(__always)
    func cost<T: EngineScalar>(power: UnsafePointer<T>, variance: UnsafePointer<T>, count: Int) -> T {
        var total: T = 0
        switch self {
        case .gaussian:
            for f in 0..<count { total += T.log(variance[f]) + power[f] / variance[f] }
        case .generalizedGaussian(let beta):
            let exponent = T(beta / 2)
            for f in 0..<count { total += T.log(variance[f]) + T.pow(power[f] / variance[f], exponent) }
        case .studentT(let nu):
            let n = T(nu), tail = 1 + n / 2
            for f in 0..<count { total += T.log(variance[f]) + tail * T.log(1 + 2 * power[f] / (n * variance[f])) }
        }
        return total
    }

    /// The same when the variance is one value for the whole frame (spherical IVA models).
    @inline(__always)
    func weights<T: EngineScalar>(
        power: UnsafePointer<T>, variance: T, count: Int, into weights: UnsafeMutablePointer<T>
    ) {
        switch self {
        case .gaussian:
            weights.update(repeating: 1 / variance, count: count)
        case .generalizedGaussian(let beta):
            weights.update(repeating: T.pow(variance, T((beta - 2) / 2)), count: count)
        case .studentT(let nu):
            let n = T(nu)
            let numerator = 2 + n
            let scaled = n * variance
            for f in 0..<count { weights[f] = numerator / (scaled + 2 * power[f]) }
        }
    }
}

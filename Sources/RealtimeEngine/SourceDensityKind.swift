import EngineParameters
import PlainDecimal

/// The density half of a source model, as configuration: names and shapes that a user writes
/// (`laplace`, `ggd:0.5`, `t:2`, `gauss`) and the engine turns into a `SourceDensity`.
public enum SourceDensityKind: Sendable, Equatable, CustomStringConvertible, BitwiseCopyable {
    /// Spherical Laplace: weight ∝ 1/‖y‖, the classic IVA contrast.
    case laplace
    /// Generalised Gaussian with shape β (β = 1 Laplace, β = 2 Gaussian; β < 1 is sparser).
    case generalizedGaussian(beta: Double)
    /// Multivariate Student's t with ν degrees of freedom: heavy tails for small ν.
    case studentT(nu: Double)
    /// Gaussian with a time-varying variance: weight ∝ 1/‖y‖².
    case gaussian

    /// Parses the user-facing spelling; nil when the text names no density. The shape is a plain
    /// decimal number (`Double(plainDecimal:)`): `t:5\0` or `t:0x1p3` name no density.
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        let shape = parts.count == 2 ? Double(plainDecimal: parts[1]) : nil
        switch (parts.first ?? "", parts.count) {
        case ("laplace", 1): self = .laplace
        case ("gauss", 1), ("gaussian", 1): self = .gaussian
        case ("ggd", 2): guard let shape else { return nil }; self = .generalizedGaussian(beta: shape)
        case ("t", 2): guard let shape else { return nil }; self = .studentT(nu: shape)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .laplace: "laplace"
        case .gaussian: "gauss"
        case .generalizedGaussian(let beta): "ggd:\(Self.shape(beta))"
        case .studentT(let nu): "t:\(Self.shape(nu))"
        }
    }

    /// 50 rather than 50.0, so that the spelling reads back as it was written.
    private static func shape(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// Whether the shape lies where the engine's weights are defined (`EngineBounds`).
    var isWithinBounds: Bool {
        switch self {
        case .laplace, .gaussian: true
        case .generalizedGaussian(let beta): beta > 0 && beta <= EngineBounds.maximumGGDShape
        case .studentT(let nu): nu > 0 && nu <= EngineBounds.maximumStudentDegrees
        }
    }
}

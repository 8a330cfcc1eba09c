import EngineParameters

/// One source's model, as the research names it (Kitamura et al.: independence between sources
/// and a model of each source): a structure, where the source's variance comes from, times a
/// density, how the source is distributed around that variance. Spherical × Laplace is IVA's
/// classic contrast; low-rank × Gaussian is ILRMA's.
public struct SourceModelSpec: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    public var structure: SourceStructure
    public var density: SourceDensityKind

    public init(structure: SourceStructure, density: SourceDensityKind) {
        self.structure = structure
        self.density = density
    }

    /// `lowrank/t:50`: the spelling `--source N=` takes.
    public var description: String { "\(structure.rawValue)/\(density)" }
}

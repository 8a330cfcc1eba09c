import EngineParameters

extension SeparatorConfiguration {
    /// Source k's structure and density.
    func sourceModel(_ k: Int) -> (structure: SourceStructure, density: SourceModelKind) {
        let structure: SourceStructure = switch algorithm {
        case .iva: .spherical
        case .ilrma: .lowRank
        }
        return (structure, model)
    }
}

extension EngineParameter {
    /// The parameters a source may set for itself (`[engine.source.N]`, `--source N=…`): the two
    /// halves of its source model.
    public static let perSource: [EngineParameter] = [.structure, .density]

    /// `source.1.density`: source `source`'s own value of this parameter, as `validate()` names it.
    public func name(source: Int) -> String { "source.\(source).\(name)" }

    /// The `bssd` option that sets one source's model.
    public static let sourceFlag = "--source"

    /// What `--source` takes, in words.
    public static var sourceAllowed: String {
        "N=STRUCTURE/DENSITY for source N (from 0), either half may be left out (1=lowrank, 1=/gauss); "
            + "STRUCTURE is \(EngineParameter.structure.allowed), DENSITY is \(EngineParameter.density.allowed)"
    }
}

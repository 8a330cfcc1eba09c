import EngineParameters

/// The structures an engine can give a source, by name: one line per structure. The engine
/// allocates every registered structure for every source, so that `apply` can switch any source
/// to any of them live without allocating; a structure too large for that (a learned model) will
/// bring an allocation policy here.
struct SourceStructureRegistry<T: EngineScalar> {
    typealias Make = (SourceStructureContext) -> any SourceStructureModel<T>

    private(set) var structures: [SourceStructure] = []
    private(set) var makers: [Make] = []

    static var builtIn: Self {
        var registry = Self()
        registry.register(.spherical, SphericalStructure<T>.init)
        registry.register(.lowRank, LowRankStructure<T>.init)
        registry.register(.sparse, GroupSparseStructure<T>.sparse)
        registry.register(.groupSparse, GroupSparseStructure<T>.grouped)
        registry.register(.harmonic, HarmonicStructure<T>.init)
        registry.register(.plugAndPlay, PlugAndPlayStructure<T>.init)
        return registry
    }

    /// Adds `structure`, made by `make`; a name registered again replaces the earlier maker.
    mutating func register(_ structure: SourceStructure, _ make: @escaping Make) {
        if let index = index(of: structure) {
            makers[index] = make
        } else {
            structures.append(structure)
            makers.append(make)
        }
    }

    /// What a source may be given: every registered structure, and `auto`, the engine's choice
    /// among them (`SourceModels`).
    var choices: [SourceStructure] { structures + [.automatic] }

    /// Whether a source may be given `structure`: without allocating, for the processing thread.
    func offers(_ structure: SourceStructure) -> Bool {
        structure == .automatic || index(of: structure) != nil
    }

    /// The position of `structure`; a linear scan without allocation, for the processing thread.
    func index(of structure: SourceStructure) -> Int? {
        for i in structures.indices where structures[i] == structure { return i }
        return nil
    }
}

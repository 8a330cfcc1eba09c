import EngineParameters

/// The sources whose model departs from the configuration's structure or density
/// (`[engine.source.N]`, `--source N=…`), as a value of fixed size: `SeparatorConfiguration`
/// stays BitwiseCopyable, so it still crosses to the processing thread without an allocation.
public struct SourceModelOverrides: Sendable, Equatable, BitwiseCopyable {
    /// Room for every source the engine can have (`EngineBounds.channels`: K ≤ M ≤ 8), with
    /// headroom so that a larger array does not change this type's layout.
    public static let capacity = 16

    /// What one source sets for itself; nil takes the configuration's.
    public struct Override: Sendable, Equatable, BitwiseCopyable {
        public var structure: SourceStructure?
        public var density: SourceDensityKind?

        public init(structure: SourceStructure? = nil, density: SourceDensityKind? = nil) {
            self.structure = structure
            self.density = density
        }

        public var isEmpty: Bool { structure == nil && density == nil }
    }

    private var entries = InlineArray<16, Override>(repeating: Override())

    public init() {}

    /// Source `source`'s override; `source` must be below `capacity`, which every front end
    /// checks first, naming the index it refuses.
    public subscript(source: Int) -> Override {
        get { entries[source] }
        set { entries[source] = newValue }
    }

    /// The sources with an override, in order. Allocates: not for the processing thread.
    public var sources: [Int] {
        (0..<Self.capacity).filter { !entries[$0].isEmpty }
    }

    public var isEmpty: Bool {
        (0..<Self.capacity).allSatisfy { entries[$0].isEmpty }
    }

    // InlineArray is not Equatable: compare element by element.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        (0..<capacity).allSatisfy { lhs.entries[$0] == rhs.entries[$0] }
    }
}

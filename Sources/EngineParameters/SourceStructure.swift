/// The structure half of a source model (Kitamura et al.: independence between sources and a
/// model of each source), by name: where a source's variance comes from. Spherical is IVA's (one
/// variance per frame, shared by all bins), low-rank is ILRMA's (an NMF model of the source's power
/// spectrogram, which suits music with repeated notes), sparse, group-sparse, harmonic,
/// plug-and-play, and `auto`, the engine's own choice per source; later learned. The
/// engine's `SourceStructureRegistry` maps each name to its implementation; the front ends offer
/// the built-in ones (`allCases`, spelt `rawValue`), one type for the engine and the protocol.
///
/// A name rather than an enum, so that a structure is added by registering it — a test target can
/// add one without touching the engine — while the configuration that names it stays a plain
/// bitwise-copyable value the processing thread can compare without allocating.
public struct SourceStructure: Sendable, BitwiseCopyable, Hashable, CaseIterable, RawRepresentable, CustomStringConvertible {
    public let name: StaticString

    /// `name` is a string literal of ASCII letters and hyphens (not a single-scalar literal, which has no
    /// bytes to compare).
    public init(_ name: StaticString) {
        precondition(name.hasPointerRepresentation, "a structure's name is a string literal")
        self.name = name
    }

    /// One activity per source and frame, shared by all bins (IVA).
    public static let spherical = SourceStructure("spherical")
    /// A low-rank non-negative spectrogram per source (ILRMA).
    public static let lowRank = SourceStructure("lowrank")

    /// A variance per time–frequency bin, drawn towards the frame's activity (sparse sources).
    public static let sparse = SourceStructure("sparse")
    /// A variance per band of bins (`SeparatorConfiguration.groups` bands), drawn towards the
    /// frame's activity: between spherical (one band) and sparse (one bin per band).
    public static let groupSparse = SourceStructure("group-sparse")
    /// A comb of harmonics on the frame's fundamental frequency (voiced speech, pitched music).
    public static let harmonic = SourceStructure("harmonic")
    /// The source's recent power spectrogram through a denoising operator (plug-and-play).
    public static let plugAndPlay = SourceStructure("pnp")
    /// Not a structure but a choice among them: the engine runs every registered structure beside
    /// each such source and keeps the one that predicts the source best (`SourceModels`).
    public static let automatic = SourceStructure("auto")

    /// The structures every front end offers, in the order their help lists them.
    public static let allCases: [SourceStructure] = [.spherical, .lowRank, .sparse, .groupSparse, .harmonic, .plugAndPlay, .automatic]

    /// The built-in structure spelt `rawValue`, if any.
    public init?(rawValue: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = match
    }

    public var rawValue: String { name.description }

    public var description: String { rawValue }

    /// Byte comparison of the names, with no `String` made and no closure, so that the processing
    /// thread may compare (a name is a string literal: its bytes are in the binary).
    public static func == (a: Self, b: Self) -> Bool {
        let count = a.name.utf8CodeUnitCount
        guard count == b.name.utf8CodeUnitCount else { return false }
        let x = a.name.utf8Start, y = b.name.utf8Start
        for i in 0..<count where x[i] != y[i] { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }
}

/// The structure half of a source model (Kitamura et al.: independence between sources and a
/// model of each source): where each source's variance comes from. Spherical is IVA's (one
/// variance per frame, shared by all bins), low-rank is ILRMA's (an NMF model of the source's
/// power spectrogram, which suits music with repeated notes). One type for the engine and the
/// control protocol, so no front end maps one onto the other.
public enum SourceStructure: String, Sendable, CaseIterable, BitwiseCopyable {
    case spherical
    case lowRank = "lowrank"
}

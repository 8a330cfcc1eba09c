/// IVA models each source with one spherical density over all bins; ILRMA adds a low-rank
/// (NMF) model of each source's power spectrogram, which suits music with repeated notes. One
/// type for the engine and the control protocol, so no front end maps one onto the other.
public enum SeparationAlgorithm: String, Sendable, CaseIterable, BitwiseCopyable {
    case iva, ilrma
}

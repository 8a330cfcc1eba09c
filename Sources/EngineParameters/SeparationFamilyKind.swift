/// The separation families an engine can be made with (`OnlineSeparator.Family`); the conformance
/// tests run every one.
public enum SeparationFamilyKind: String, Sendable, Equatable, CaseIterable, BitwiseCopyable, CustomStringConvertible {
    /// Online auxiliary-function IVA/ILRMA (`OnlineIVA`): spatial filters, K ≤ M.
    case iva
    /// Online direction clustering (`DirectionClustering`): time–frequency masks, K ≥ 2 sources
    /// from M ≥ 2 microphones, more sources than microphones included.
    case clustering

    public var description: String { rawValue }

    /// The spellings, for help texts and error messages.
    public static var spellings: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

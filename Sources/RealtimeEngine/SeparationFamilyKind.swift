/// The separation families an engine can be made with (`OnlineSeparator.Family`); the conformance
/// tests run every one.
enum SeparationFamilyKind: CaseIterable {
    /// Online auxiliary-function IVA/ILRMA (`OnlineIVA`).
    case iva
}

/// The output stages an engine can be made with (`OnlineSeparator.Stage`); the conformance tests
/// run every one.
enum OutputStageKind: CaseIterable {
    /// STFT resynthesis (`STFTResynthesis`).
    case stft
}

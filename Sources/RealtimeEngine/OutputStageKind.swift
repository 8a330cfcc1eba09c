/// The output stages an engine can be made with (`OnlineSeparator.Stage`); the conformance tests
/// run every one.
enum OutputStageKind: CaseIterable {
    /// STFT resynthesis (`STFTResynthesis`).
    case stft

    /// The stage's latency for `configuration`, known before an engine exists (the daemon's status
    /// while no pipeline runs): the same figure its instance reports.
    func latency(for configuration: SeparatorConfiguration) -> Int {
        switch self {
        case .stft: STFTResynthesis<Float>.latency(frameLength: configuration.frameLength, hop: configuration.hop)
        }
    }
}

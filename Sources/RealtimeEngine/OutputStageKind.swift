/// The output stages an engine can be made with (`OnlineSeparator.Stage`); the conformance tests
/// run every one.
public enum OutputStageKind: String, Sendable, CaseIterable {
    /// STFT resynthesis (`STFTResynthesis`): the best separation, at the STFT's latency
    /// (frame − hop: 192 ms at the defaults and 16 kHz).
    case stft
    /// Time-domain FIR filters rendered from the learnt filters (`FIRStage`): the latency of their
    /// non-causal part and an ALSA period, for hearing-aid use.
    case fir

    /// What the stage's delay is made of, for operators' log lines.
    public var delayName: String {
        switch self {
        case .stft: "STFT frame − hop"
        case .fir: "the FIR filters' non-causal taps"
        }
    }
}

/// The names `get` and `set` accept, with the values each takes, so that the protocol document,
/// `bssctl set --help` and error messages all list the same thing.
public enum ParameterName: String, Sendable, CaseIterable {
    case alpha, iterations, algorithm, update, model, routing
    case gainDB = "gain_db"
    case mute, bypass

    /// What the value may be, in words.
    public var allowed: String {
        switch self {
        case .alpha: "forgetting factor per hop, strictly between 0 and 1 (e.g. 0.97)"
        case .iterations: "sweeps per update, 1 to 16"
        case .algorithm: LiveParameters.Algorithm.allCases.map(\.rawValue).joined(separator: " or ")
        case .update: "ip (iterative projection) or iss (iterative source steering)"
        case .model: "laplace, ggd:BETA (0 < BETA <= 2), t:NU (0 < NU <= 1000), gauss"
        case .routing: "a source index or off (silence) per playback channel"
        case .gainDB: "output gain in dB, -96 to 24"
        case .mute: "true or false"
        case .bypass: "true (play the reference microphone) or false"
        }
    }

    public static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

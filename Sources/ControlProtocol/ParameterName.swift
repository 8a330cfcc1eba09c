public import EngineParameters

/// The names `get` and `set` accept, with the values each takes, so that the protocol document,
/// `bssctl set --help` and error messages all list the same thing. The engine's parameters take
/// their text from `EngineParameter`, as the config file and `bssd` options do.
public enum ParameterName: String, Sendable, CaseIterable {
    case alpha, iterations, structure, update, density, mixture, routing
    case gainDB = "gain_db"
    case mute, bypass

    /// The engine parameter this name changes; nil for the output's.
    public var engineParameter: EngineParameter? {
        switch self {
        case .alpha: .alpha
        case .iterations: .iterations
        case .structure: .structure
        case .update: .update
        case .density: .density
        case .mixture: .mixture
        case .routing, .gainDB, .mute, .bypass: nil
        }
    }

    /// What the value may be, in words.
    public var allowed: String {
        if let engineParameter { return engineParameter.allowed }
        return switch self {
        case .alpha, .iterations, .structure, .update, .density, .mixture: preconditionFailure("an engine parameter: its text is the catalogue's")
        case .routing: "a source index or off (silence) per playback channel"
        case .gainDB: "output gain in dB, -96 to 24"
        case .mute: "true or false"
        case .bypass: "true (play the reference microphone) or false"
        }
    }

    public static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

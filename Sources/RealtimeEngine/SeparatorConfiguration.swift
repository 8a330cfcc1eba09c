/// Everything that shapes one online separator, as a value: the daemon keeps one per engine, the
/// control plane edits copies, and `validate()` is the single place where limits are enforced.
public struct SeparatorConfiguration: Sendable, Equatable, BitwiseCopyable {
    /// IVA models each source with one spherical density over all bins; ILRMA adds a low-rank
    /// (NMF) model of each source's power spectrogram, which suits music with repeated notes.
    public enum Algorithm: String, Sendable, CaseIterable, BitwiseCopyable {
        case iva, ilrma
    }

    /// How the demixing matrix follows the weighted covariances each sweep.
    public enum UpdateRule: String, Sendable, CaseIterable, BitwiseCopyable {
        /// Iterative projection: one M×M solve per source and bin.
        case ip
        /// Iterative source steering: rank-one steps, no matrix inversion.
        case iss
    }

    /// Microphones (M).
    public var channels: Int
    /// Separated outputs (K); the determined case K = M is what the engine supports today.
    public var sources: Int
    public var frameLength: Int = 4096
    public var hop: Int = 1024
    public var algorithm: Algorithm = .iva
    public var updateRule: UpdateRule = .ip
    public var model: SourceModelKind = .studentT(nu: 50)
    /// Forgetting factor per hop: the statistics' time constant is hop / (1 − α) samples.
    public var forgetting: Double = 0.97
    /// Sweeps over all sources per update.
    public var iterations: Int = 2
    /// Frames whose auxiliary weights are recomputed at every update (the re-iterated history);
    /// older frames contribute with their weights frozen. 1 gives the textbook recursion.
    public var history: Int = 16
    /// Frames between two updates (block-online); 1 updates at every frame.
    public var block: Int = 1
    /// NMF bases per source (ILRMA only).
    public var nmfBases: Int = 2
    /// Microphone whose image of each source the outputs reproduce (projection back).
    public var referenceMic: Int = 0
    /// Diagonal loading of each weighted covariance, relative to its mean diagonal.
    public var loading: Double = 1e-3

    public init(channels: Int, sources: Int? = nil) {
        self.channels = channels
        self.sources = sources ?? channels
    }

    public static let supportedChannels = 2...8
    public static let supportedFrameLengths = [256, 512, 1024, 2048, 4096, 8192]

    /// Checks every field against what the engine supports; the error names the field, the value
    /// and what is allowed, so a config file or control request can be answered precisely.
    public func validate() throws(SeparatorConfigurationError) {
        func fail(_ key: String, _ value: Any, _ allowed: String) -> SeparatorConfigurationError {
            SeparatorConfigurationError(key: key, value: "\(value)", allowed: allowed)
        }
        guard Self.supportedChannels.contains(channels) else {
            throw fail("channels", channels, "2 to 8 microphones")
        }
        guard sources == channels else {
            throw fail("sources", sources, "equal to the number of channels (\(channels)); K < M is not supported yet")
        }
        guard Self.supportedFrameLengths.contains(frameLength) else {
            throw fail("frame", frameLength, "one of \(Self.supportedFrameLengths.map(String.init).joined(separator: ", "))")
        }
        guard [2, 4, 8].contains(where: { hop * $0 == frameLength }) else {
            throw fail("hop", hop, "frame/2 (\(frameLength / 2)), frame/4 (\(frameLength / 4)) or frame/8 (\(frameLength / 8))")
        }
        guard forgetting > 0, forgetting < 1 else {
            throw fail("alpha", forgetting, "a forgetting factor strictly between 0 and 1, e.g. 0.97")
        }
        guard (1...16).contains(iterations) else {
            throw fail("iterations", iterations, "1 to 16 sweeps per update")
        }
        guard (1...64).contains(history) else {
            throw fail("history", history, "1 to 64 frames")
        }
        guard (1...64).contains(block), block <= history else {
            throw fail("block", block, "1 to 64 frames, and no more than history (\(history))")
        }
        guard (1...32).contains(nmfBases) else {
            throw fail("bases", nmfBases, "1 to 32 NMF bases per source")
        }
        guard (0..<channels).contains(referenceMic) else {
            throw fail("reference_mic", referenceMic, "a microphone index from 0 to \(channels - 1)")
        }
        guard loading >= 1e-9, loading <= 1 else {
            throw fail("loading", loading, "a relative diagonal loading from 1e-9 to 1")
        }
        try model.validate()
    }

    /// Delay of the streaming STFT from an input sample to the output sample it becomes.
    public var latencySamples: Int { frameLength - hop }
}

/// A configuration value outside what the engine supports.
public struct SeparatorConfigurationError: Error, Equatable, CustomStringConvertible {
    public let key: String
    public let value: String
    public let allowed: String

    public init(key: String, value: String, allowed: String) {
        self.key = key
        self.value = value
        self.allowed = allowed
    }

    public var description: String { "invalid \(key) = \(value): allowed is \(allowed)" }
}

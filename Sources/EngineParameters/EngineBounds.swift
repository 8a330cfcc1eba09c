/// The limits the engine enforces, as values: `SeparatorConfiguration.validate()` checks against
/// these and `EngineParameter.allowed` words them, so a check and its text share one number.
public enum EngineBounds {
    public static let channels = 2...8
    public static let frameLengths = [256, 512, 1024, 2048, 4096, 8192]
    /// The hop is the frame divided by one of these.
    public static let hopDivisors = [2, 4, 8]
    /// α lies strictly inside: 0 forgets everything at once, 1 never forgets.
    public static func acceptsForgetting(_ alpha: Double) -> Bool { alpha > 0 && alpha < 1 }
    public static let iterations = 1...16
    public static let history = 1...64
    public static let block = 1...64
    public static let bases = 1...32
    /// Bands of the group-sparse structure (each at least one bin; more bands than bins are
    /// one bin each).
    public static let groups = 2...512
    public static let loading = 1e-9...1.0
    /// β ∈ (0, 2]: β = 2 is the Gaussian; above it the weights grow with the power.
    public static let maximumGGDShape = 2.0
    /// ν ∈ (0, 1000]: beyond, the t density is a Gaussian in all but rounding.
    public static let maximumStudentDegrees = 1000.0
    /// Clustering: the largest inter-microphone delay, samples (64 is 1.4 m at 16 kHz).
    public static let maximumDelay = 64.0
    public static let maskFloor = 0.0...0.5
    /// Clustering: the sources it is asked for, whatever the microphones.
    public static let clusteringSources = 2...8
    /// Clustering: the direction clusters one engine learns (outputs and the ones not output).
    public static let maximumClusters = 8
    /// Clustering: NMF bases per output of the NMF stage (0: no stage).
    public static let clusterBases = 0...32
}

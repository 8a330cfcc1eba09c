/// SplitMix64 (Steele, Lea & Flood 2014): a tiny generator whose output is fixed by its seed on
/// every platform, so test fixtures are identical everywhere, a failing case replays exactly, and
/// the daemon's warm-up noise is the same on every run. No allocation, no system call.
///
/// (`LowRankVarianceModel.reset()` keeps its own generator: its sequence sets the initial bases,
/// so it is part of the separation output.)
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [-1, 1), from the top 53 bits.
    public mutating func signal() -> Double {
        Double(next() >> 11) * 0x1p-52 - 1
    }
}

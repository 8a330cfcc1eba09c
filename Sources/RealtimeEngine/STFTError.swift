/// A short-time Fourier transform configuration that the engine cannot run.
///
/// Every case carries the value that was given, so that a daemon that reads its sizes from a
/// configuration file can report exactly which setting is wrong and what would be accepted,
/// instead of failing later in the audio thread.
public enum STFTError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The frame length is not a power of two in `STFTWindow.frameLengths`.
    case unsupportedFrameLength(Int)
    /// The hop is not `frameLength / 2`, `/ 4` or `/ 8`.
    case unsupportedHop(Int, frameLength: Int)
    /// The channel count is less than one.
    case unsupportedChannelCount(Int)
    /// The FFT length is odd or outside 256…8192.
    case unsupportedTransformLength(Int)
    /// FFTW returned no plan. The stock library always plans these sizes, so this points to a
    /// restricted or broken FFTW build rather than to the caller.
    case planningFailed(transformLength: Int)

    public var description: String {
        switch self {
        case .unsupportedFrameLength(let length):
            return "STFT frame length \(length) is not supported; "
                + "use a power of two from \(STFTWindow.frameLengths.lowerBound) "
                + "to \(STFTWindow.frameLengths.upperBound)"
        case .unsupportedHop(let hop, let frameLength):
            let allowed = STFTWindow.overlaps.map { String(frameLength / $0) }.joined(separator: ", ")
            return "STFT hop \(hop) is not supported for frame length \(frameLength); "
                + "use one of \(allowed) (frame length / 2, / 4 or / 8)"
        case .unsupportedChannelCount(let channels):
            return "STFT channel count \(channels) is not supported; use at least 1"
        case .unsupportedTransformLength(let length):
            return "FFT length \(length) is not supported; "
                + "use an even length from \(realFFTLengths.lowerBound) to \(realFFTLengths.upperBound)"
        case .planningFailed(let length):
            return "FFTW could not plan a real transform of length \(length); "
                + "the installed FFTW library is restricted or broken"
        }
    }
}

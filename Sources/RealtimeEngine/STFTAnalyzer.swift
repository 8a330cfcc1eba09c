/// Turns a stream of interleaved multichannel audio into one planar spectrum per hop.
///
/// Each call consumes exactly `hop` new frames and emits the spectrum of the last
/// `frameLength` samples of every channel, windowed by the periodic sqrt-Hann of
/// `STFTWindow`. Before the first `frameLength / hop` calls the missing past is silence, which
/// is what lets `STFTSynthesizer` reconstruct the very first input sample exactly.
///
/// The spectrum is planar and channel-major (`re[c * bins + f]`, `im[c * bins + f]`) because
/// the separation stage works on one bin across all channels; with contiguous bins per channel
/// each channel's transform writes its bins in one sweep, and the per-bin gather is cheap.
///
/// Everything is allocated in `init`. `analyze` does not allocate, lock or call through a
/// protocol, so it is safe on a real-time thread. An instance holds the signal history and is
/// not safe to use from two threads at once; it is deliberately not `Sendable`.
public final class STFTAnalyzer<T: EngineScalar> {
    public let frameLength: Int
    public let hop: Int
    public let channels: Int
    /// Complex bins per channel, `frameLength / 2 + 1`.
    public let bins: Int

    /// Samples by which `STFTSynthesizer`'s output trails this analyzer's input: output sample
    /// `j` reconstructs input sample `j − latency`, with `latency = frameLength − hop`.
    ///
    /// A frame can only be resynthesised once all the frames that overlap its first `hop`
    /// samples have been seen, and the newest of them ends `frameLength − hop` samples later.
    /// The live path has to accept it. The daemon's file mode removes it: it drops the first
    /// `latency` output samples, and must feed `latency` trailing zeros to flush the tail.
    public var latency: Int { frameLength - hop }

    private let fft: RealFFT<T>
    /// Analysis window, `frameLength` samples.
    private let window: UnsafeMutablePointer<T>
    /// Per channel, the last `frameLength` input samples, oldest first; channel `c` at
    /// `history + c * frameLength`. A linear buffer shifted by `hop` each call, rather than a
    /// ring: the shift is fused into the windowing pass, which reads every sample anyway, so
    /// it costs no extra sweep and the FFT input stays one contiguous, aligned run.
    private let history: UnsafeMutablePointer<T>
    /// One windowed frame, allocated with the FFT plans' alignment so `forward` runs directly
    /// on it.
    private let frame: UnsafeMutablePointer<T>

    /// - Throws: `STFTError` unless `frameLength` is a power of two in 256…8192, `hop` is
    ///   `frameLength / 2`, `/ 4` or `/ 8`, and `channels` is at least 1.
    public init(frameLength: Int, hop: Int, channels: Int) throws(STFTError) {
        let shape = try STFTWindow(frameLength: frameLength, hop: hop)
        guard channels >= 1 else { throw .unsupportedChannelCount(channels) }
        self.fft = try RealFFT(length: frameLength)
        self.frameLength = frameLength
        self.hop = hop
        self.channels = channels
        self.bins = frameLength / 2 + 1

        let window = UnsafeMutablePointer<T>.allocate(capacity: frameLength)
        for i in 0 ..< frameLength {
            (window + i).initialize(to: T(shape.analysis[i]))
        }
        self.window = window
        history = .allocate(capacity: channels * frameLength)
        history.initialize(repeating: 0, count: channels * frameLength)
        frame = RealFFT<T>.allocateAligned(count: frameLength)
        frame.initialize(repeating: 0, count: frameLength)
    }

    deinit {
        window.deallocate()
        history.deallocate()
        frame.deallocate()
    }

    /// Forgets the signal history, as if the stream started anew with silence before it.
    public func reset() {
        history.update(repeating: 0, count: channels * frameLength)
    }

    /// The signal history is the analyzer's only state; the windowed frame is scratch.
    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.scalars(history, count: channels * frameLength)
    }

    /// Consumes `hop` interleaved frames (`input[i * channels + c]` is channel `c` of frame
    /// `i`) and writes the spectrum of the latest `frameLength` samples of each channel to
    /// `re[c * bins + f]` and `im[c * bins + f]`.
    ///
    /// `input` must hold `hop * channels` samples; `re` and `im` must each hold
    /// `channels * bins` and must not overlap each other or `input`.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func analyze(
        interleaved input: UnsafePointer<T>,
        re: UnsafeMutablePointer<T>,
        im: UnsafeMutablePointer<T>
    ) {
        let n = frameLength
        let h = hop
        let kept = n &- h
        let stride = channels
        let w = window
        let x = frame
        for c in 0 ..< stride {
            let past = history + c &* n
            // Shift the history by one hop and window it in the same sweep.
            for i in 0 ..< kept {
                let v = past[i &+ h]
                past[i] = v
                x[i] = v * w[i]
            }
            // Append the new hop, de-interleaving this channel.
            var source = input + c
            for i in kept ..< n {
                let v = source.pointee
                past[i] = v
                x[i] = v * w[i]
                source += stride
            }
            fft.forward(x, re: re + c &* bins, im: im + c &* bins)
        }
    }
}

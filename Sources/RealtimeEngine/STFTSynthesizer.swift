/// Turns one planar spectrum per hop back into a stream of interleaved multichannel audio by
/// weighted overlap-add.
///
/// It is the exact inverse of `STFTAnalyzer` with the same frame length and hop: fed the
/// analyzer's spectra unchanged, it reproduces the input to rounding error, delayed by
/// `latency = frameLength − hop` samples. When the spectra are modified, the synthesis window
/// (see `STFTWindow`) tapers each frame's ends, which keeps the seams between frames from
/// clicking.
///
/// Everything is allocated in `init`. `synthesize` does not allocate, lock or call through a
/// protocol, so it is safe on a real-time thread. An instance holds the overlap tail and is not
/// safe to use from two threads at once; it is deliberately not `Sendable`.
public final class STFTSynthesizer<T: EngineScalar> {
    public let frameLength: Int
    public let hop: Int
    public let channels: Int
    /// Complex bins per channel, `frameLength / 2 + 1`.
    public let bins: Int

    /// Samples by which the output trails the analyzer's input: output sample `j` reconstructs
    /// input sample `j − latency`. See `STFTAnalyzer.latency` for why, and how file mode
    /// removes it.
    public var latency: Int { frameLength - hop }

    private let fft: RealFFT<T>
    /// Synthesis window, `frameLength` samples, including the inverse FFT's `1 / frameLength`.
    private let window: UnsafeMutablePointer<T>
    /// Per channel, the `frameLength − hop` output samples that earlier frames have already
    /// contributed to but that are not complete yet; channel `c` at `pending + c * (N − H)`.
    /// Keeping only the incomplete part, and shifting it while the new frame is added, makes
    /// the overlap-add one sweep with no separate clearing pass.
    private let pending: UnsafeMutablePointer<T>
    /// One inverse-transformed frame, allocated with the FFT plans' alignment so `inverse`
    /// writes it directly.
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
            (window + i).initialize(to: T(shape.synthesis[i]))
        }
        self.window = window
        let tail = channels * (frameLength - hop)
        pending = .allocate(capacity: tail)
        pending.initialize(repeating: 0, count: tail)
        frame = RealFFT<T>.allocateAligned(count: frameLength)
        frame.initialize(repeating: 0, count: frameLength)
    }

    deinit {
        window.deallocate()
        pending.deallocate()
        frame.deallocate()
    }

    /// Drops the overlap tail, as if every earlier frame had been silent.
    public func reset() {
        pending.update(repeating: 0, count: channels * (frameLength - hop))
    }

    /// The overlap tail is the synthesizer's only state; the inverse-transformed frame is scratch.
    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.scalars(pending, count: channels * (frameLength - hop))
    }

    /// Adds one spectrum frame (`re[c * bins + f]`, `im[c * bins + f]`) and writes the `hop`
    /// output frames it completes, interleaved (`output[i * channels + c]`).
    ///
    /// `re` and `im` must each hold `channels * bins` values and are only read; the imaginary
    /// parts of the DC and Nyquist bins are ignored, as a real signal has none. `output` must
    /// hold `hop * channels` samples and must not overlap `re` or `im`.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func synthesize(
        re: UnsafePointer<T>,
        im: UnsafePointer<T>,
        interleaved output: UnsafeMutablePointer<T>
    ) {
        let n = frameLength
        let h = hop
        let kept = n &- h
        // Tail samples that already hold contributions from earlier frames after the shift;
        // the rest of the tail is started by this frame alone. Zero when hop is N/2.
        let carried = kept &- h
        let stride = channels
        let w = window
        let y = frame
        for c in 0 ..< stride {
            fft.inverse(re: re + c &* bins, im: im + c &* bins, output: y)
            let tail = pending + c &* kept
            // The first hop is complete with this frame: emit it, interleaving this channel.
            var target = output + c
            for i in 0 ..< h {
                target.pointee = tail[i] + y[i] * w[i]
                target += stride
            }
            // Shift the rest of the tail by one hop while adding this frame's share to it.
            for i in 0 ..< carried {
                tail[i] = tail[i &+ h] + y[i &+ h] * w[i &+ h]
            }
            for i in carried ..< kept {
                tail[i] = y[i &+ h] * w[i &+ h]
            }
        }
    }
}

/// Uniformly partitioned overlap-save convolution of M input channels by a K×M bank of FIR
/// filters (`FIRPartitions`), one block of B samples at a time: the input's last 2B samples are
/// transformed once per block into a frequency-domain delay line of P spectra per channel, and
/// each output is the inverse transform of Σ_m Σ_p H_km,p · X_m(block − p), whose last B samples
/// are the linear convolution. Its only delay is the filters' own: no sample waits for a longer
/// transform than the block.
///
/// Everything is allocated in `init`; `push` and `convolve` neither allocate nor lock. Used by one
/// thread, the one that renders.
final class PartitionedConvolution<T: EngineScalar> {
    let channels: Int
    let block: Int
    let partitions: Int
    private let bins: Int
    private let fft: RealFFT<T>
    /// Per channel, the last 2B input samples (channel m at m · 2B).
    private let recent: EngineBuffer<T>
    /// Per channel, the spectra of the last P blocks: channel m's slot s at (m · P + s) · (B + 1).
    private let lineRe: EngineBuffer<T>, lineIm: EngineBuffer<T>
    /// The slot of the newest block.
    private var head = 0
    private let sumRe: EngineBuffer<T>, sumIm: EngineBuffer<T>
    private let time: EngineBuffer<T>

    init(channels: Int, taps: Int, block: Int) throws(STFTError) {
        self.channels = channels
        self.block = block
        partitions = taps / block
        bins = block + 1
        fft = try RealFFT(length: 2 * block)
        recent = EngineBuffer(channels * 2 * block)
        lineRe = EngineBuffer(channels * partitions * bins)
        lineIm = EngineBuffer(channels * partitions * bins)
        sumRe = EngineBuffer(bins)
        sumIm = EngineBuffer(bins)
        time = EngineBuffer(2 * block)
    }

    /// Takes the next block, B interleaved M-channel frames, into the delay line.
    func push(interleaved input: UnsafePointer<T>) {
        let B = block, M = channels
        head = head &+ 1 == partitions ? 0 : head &+ 1
        for m in 0..<M {
            let x = recent.pointer + m &* 2 &* B
            x.update(from: x + B, count: B)
            for t in 0..<B { x[B &+ t] = input[t &* M &+ m] }
            let slot = (m &* partitions &+ head) &* bins
            fft.forward(x, re: lineRe.pointer + slot, im: lineIm.pointer + slot)
        }
    }

    /// Output `source` of `bank` for the block last pushed: B samples to `output`, `stride` apart.
    func convolve(_ bank: FIRPartitions<T>, source k: Int, into output: UnsafeMutablePointer<T>, stride: Int) {
        let M = channels, P = partitions, F = bins, B = block
        let yr = sumRe.pointer, yi = sumIm.pointer
        yr.update(repeating: 0, count: F)
        yi.update(repeating: 0, count: F)
        for m in 0..<M {
            let filter = (k &* M &+ m) &* P
            for p in 0..<P {
                let hr = bank.re.pointer + (filter &+ p) &* F, hi = bank.im.pointer + (filter &+ p) &* F
                let slot = (m &* P &+ (head &- p &+ P) % P) &* F
                let xr = lineRe.pointer + slot, xi = lineIm.pointer + slot
                for f in 0..<F {
                    yr[f] += hr[f] * xr[f] - hi[f] * xi[f]
                    yi[f] += hr[f] * xi[f] + hi[f] * xr[f]
                }
            }
        }
        fft.inverse(re: yr, im: yi, output: time.pointer)
        let y = time.pointer + B
        for t in 0..<B { output[t &* stride] = y[t] }
    }
}

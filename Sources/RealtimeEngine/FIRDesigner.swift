import Foundation

/// Turns the learnt per-bin filters (`SeparationFilters`: K×M complex gains per bin of the
/// N-point STFT) into FIR filters of L taps, D of them before the zero lag, in the partitioned form
/// the convolution multiplies (`FIRPartitions`).
///
/// The FIR for (k, m) lives on lags −D … L − D − 1 of the N-point circular response, tapered: a
/// half-Hann rise over the first D / 2 taps and a fall over the last L / 4, so the ends do not ring
/// as a rectangular cut would. Cutting G's response to that window (the plain design) is the best
/// FIR only for white, spatially white input. `fitIterations` > 0 fits the FIR to what it will
/// filter instead: projected gradient steps on the output error power Σ_f e(f) R(f) e(f)ᴴ, e = H − G,
/// with R(f) the microphones' covariance (learnt here from the analysed frames, forgetting 0.98 per
/// hop), each step followed by the window. Close microphones hear nearly the same signal, so G's
/// large opposite-signed taps must cancel precisely along the common direction; the fit spends the
/// cut's error where the microphones have little power instead (`docs/hearing-aid.md`).
///
/// Everything is allocated in `init`; `observe` and `design` neither allocate nor lock. Runs on
/// the thread that learns (the estimator's), never on the one that renders.
final class FIRDesigner<T: EngineScalar> {
    let taps: Int
    let delay: Int
    let block: Int
    let fitIterations: Int
    private let frameLength: Int
    private let channels: Int
    private let bins: Int
    private let inverse: RealFFT<T>
    private let partition: RealFFT<T>
    /// The window on the circular response: taper on lags −D … L − D − 1, zero elsewhere.
    private let window: EngineBuffer<T>
    private let time: EngineBuffer<T>
    private let segment: EngineBuffer<T>
    /// One output's M filters being fitted, M × F each.
    private let fitRe: EngineBuffer<T>, fitIm: EngineBuffer<T>
    /// The microphones' covariance R(f): entry (n, m) at (n · M + m) · F.
    private let covarianceRe: EngineBuffer<T>, covarianceIm: EngineBuffer<T>
    /// One bin's step, 2M scalars.
    private let delta: EngineBuffer<T>
    private static var covarianceForgetting: T { 0.98 }

    init(frameLength: Int, taps: Int, delay: Int, block: Int, channels: Int, fitIterations: Int) throws(STFTError) {
        self.frameLength = frameLength
        self.taps = taps
        self.delay = delay
        self.block = block
        self.channels = channels
        self.fitIterations = fitIterations
        bins = frameLength / 2 + 1
        inverse = try RealFFT(length: frameLength)
        partition = try RealFFT(length: 2 * block)
        window = EngineBuffer(frameLength)
        time = EngineBuffer(frameLength)
        segment = EngineBuffer(2 * block)
        fitRe = EngineBuffer(channels * bins)
        fitIm = EngineBuffer(channels * bins)
        covarianceRe = EngineBuffer(fitIterations > 0 ? channels * channels * bins : 0)
        covarianceIm = EngineBuffer(fitIterations > 0 ? channels * channels * bins : 0)
        delta = EngineBuffer(2 * channels)
        let rise = delay / 2, fall = taps / 4
        for j in 0..<taps {
            var w = 1.0
            if j < rise { w = 0.5 - 0.5 * cos(Double.pi * (Double(j) + 0.5) / Double(rise)) }
            if j >= taps - fall { w *= 0.5 - 0.5 * cos(Double.pi * (Double(taps - j) - 0.5) / Double(fall)) }
            // Tap j is lag j − D of the circular response.
            window.pointer[(j - delay + frameLength) % frameLength] = T(w)
        }
    }

    /// Takes one analysed frame (planar M×F) into the covariance the fit weighs by.
    func observe(re: UnsafePointer<T>, im: UnsafePointer<T>) {
        guard fitIterations > 0 else { return }
        let M = channels, F = bins, rho = Self.covarianceForgetting
        for n in 0..<M {
            for m in 0..<M {
                let rr = covarianceRe.pointer + (n &* M &+ m) &* F, ri = covarianceIm.pointer + (n &* M &+ m) &* F
                let ar = re + n &* F, ai = im + n &* F, br = re + m &* F, bi = im + m &* F
                for f in 0..<F {
                    // x_n · conj(x_m)
                    rr[f] = rho * rr[f] + (1 - rho) * (ar[f] * br[f] + ai[f] * bi[f])
                    ri[f] = rho * ri[f] + (1 - rho) * (ai[f] * br[f] - ar[f] * bi[f])
                }
            }
        }
    }

    /// Forgets the covariance (an engine reset).
    func reset() {
        covarianceRe.zero(); covarianceIm.zero()
    }

    /// The covariance is learnt state: saved and loaded with the engine's.
    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(covarianceRe)
        transfer.buffer(covarianceIm)
    }

    /// The window applied to a filter in place: to the time domain, windowed, back.
    private func restrict(re: UnsafeMutablePointer<T>, im: UnsafeMutablePointer<T>) {
        let N = frameLength, x = time.pointer, w = window.pointer
        inverse.inverse(re: re, im: im, output: x)
        let scale = 1 / T(N)
        for n in 0..<N { x[n] *= w[n] * scale }
        inverse.forward(x, re: re, im: im)
    }

    /// Designs every filter of `filters` into `bank`.
    func design(_ filters: SeparationFilters<T>, into bank: FIRPartitions<T>) {
        let (K, M, F, N) = (filters.sources, filters.channels, filters.bins, frameLength)
        let hr = fitRe.pointer, hi = fitIm.pointer
        for k in 0..<K {
            let gr = filters.re.pointer + k &* M &* F, gi = filters.im.pointer + k &* M &* F
            hr.update(from: gr, count: M &* F)
            hi.update(from: gi, count: M &* F)
            for m in 0..<M { restrict(re: hr + m &* F, im: hi + m &* F) }
            for _ in 0..<fitIterations {
                step(hr, hi, toward: gr, gi)
                for m in 0..<M { restrict(re: hr + m &* F, im: hi + m &* F) }
            }
            for m in 0..<M {
                inverse.inverse(re: hr + m &* F, im: hi + m &* F, output: time.pointer)
                partitions(of: time.pointer, into: bank, at: (k &* M &+ m) &* bank.partitions, scale: 1 / T(N))
            }
        }
    }

    /// One preconditioned gradient step on Σ_f e R eᴴ: H ← H − (H − G) R / tr R, per bin.
    private func step(_ hr: UnsafeMutablePointer<T>, _ hi: UnsafeMutablePointer<T>, toward gr: UnsafePointer<T>, _ gi: UnsafePointer<T>) {
        let M = channels, F = bins
        let cr = covarianceRe.pointer, ci = covarianceIm.pointer, delta = self.delta.pointer
        var mean: T = 0
        for f in 0..<F { for m in 0..<M { mean += cr[(m &* M &+ m) &* F &+ f] } }
        let floor = max(mean / T(F) * T(1e-6), T.leastNormalMagnitude)
        // The error of every filter is read before any moves: a step is one gradient.
        for f in 0..<F {
            var trace: T = 0
            for m in 0..<M { trace += cr[(m &* M &+ m) &* F &+ f] }
            guard trace > floor else { continue }
            let gain = 1 / trace
            for m in 0..<M {
                var dr: T = 0, di: T = 0
                for n in 0..<M {
                    let er = hr[n &* F &+ f] - gr[n &* F &+ f], ei = hi[n &* F &+ f] - gi[n &* F &+ f]
                    let rr = cr[(n &* M &+ m) &* F &+ f], ri = ci[(n &* M &+ m) &* F &+ f]
                    dr += er * rr - ei * ri
                    di += er * ri + ei * rr
                }
                delta[m &* 2] = dr * gain
                delta[m &* 2 &+ 1] = di * gain
            }
            for m in 0..<M {
                hr[m &* F &+ f] -= delta[m &* 2]
                hi[m &* F &+ f] -= delta[m &* 2 &+ 1]
            }
        }
    }


    /// Cuts the windowed circular response `h` (lag 0 at index 0) into the bank's partitions of
    /// one filter, starting at partition index `first`.
    private func partitions(of h: UnsafePointer<T>, into bank: FIRPartitions<T>, at first: Int, scale: T) {
        let N = frameLength, B = block, bins = B + 1
        // 1 / 2B: the convolution's inverse transform is unnormalised too.
        let gain = scale / T(2 * B), x = segment.pointer
        for p in 0..<bank.partitions {
            for t in 0..<B {
                x[t] = h[(p &* B &+ t &- delay &+ N) & (N &- 1)] * gain
            }
            (x + B).update(repeating: 0, count: B)
            let offset = (first &+ p) &* bins
            partition.forward(x, re: bank.re.pointer + offset, im: bank.im.pointer + offset)
        }
    }
}

/// W(f) for every bin (rows w_kᴴ: y = W x) and the projection-back scales that give each output
/// the level and phase of its source's image at the reference microphone.
///
/// Entries are stored across bins (`(i * M + j) * F + f`) so that applying W to a frame is a set
/// of contiguous loops the compiler vectorises; the per-bin updates gather one bin at a time.
final class DemixingMatrices<T: EngineScalar> {
    let channels: Int
    let bins: Int
    let re: EngineBuffer<T>
    let im: EngineBuffer<T>
    /// A_ref,k(f) = (W(f)⁻¹)_ref,k at `k * F + f`: scales output k (minimal distortion principle).
    let scaleRe: EngineBuffer<T>
    let scaleIm: EngineBuffer<T>
    private let systemRe: EngineBuffer<T>
    private let systemIm: EngineBuffer<T>
    private let rhsRe: EngineBuffer<T>
    private let rhsIm: EngineBuffer<T>

    init(channels: Int, bins: Int) {
        self.channels = channels
        self.bins = bins
        re = EngineBuffer(channels * channels * bins)
        im = EngineBuffer(channels * channels * bins)
        scaleRe = EngineBuffer(channels * bins)
        scaleIm = EngineBuffer(channels * bins)
        systemRe = EngineBuffer(channels * channels)
        systemIm = EngineBuffer(channels * channels)
        rhsRe = EngineBuffer(channels)
        rhsIm = EngineBuffer(channels)
        reset()
    }

    /// Identity demixing and unit scales: the outputs start as the microphone signals.
    func reset() {
        re.zero()
        im.zero()
        for a in 0..<channels {
            (re.pointer + (a &* channels &+ a) &* bins).update(repeating: 1, count: bins)
        }
        scaleRe.pointer.update(repeating: 1, count: scaleRe.count)
        scaleIm.zero()
    }

    /// Sets W(f) to the identity (after a non-finite update).
    func resetBin(_ f: Int) {
        for i in 0..<channels {
            for j in 0..<channels {
                let index = (i &* channels &+ j) &* bins &+ f
                re.pointer[index] = i == j ? 1 : 0
                im.pointer[index] = 0
            }
        }
    }

    /// y = W x for one planar M×F frame.
    func demix(re xr: UnsafePointer<T>, im xi: UnsafePointer<T>, intoRe yr: UnsafeMutablePointer<T>, intoIm yi: UnsafeMutablePointer<T>) {
        let M = channels, F = bins
        yr.update(repeating: 0, count: M &* F)
        yi.update(repeating: 0, count: M &* F)
        for k in 0..<M {
            let outR = yr + k &* F, outI = yi + k &* F
            for m in 0..<M {
                let wr = re.pointer + (k &* M &+ m) &* F, wi = im.pointer + (k &* M &+ m) &* F
                let ar = xr + m &* F, ai = xi + m &* F
                for f in 0..<F {
                    outR[f] += wr[f] * ar[f] - wi[f] * ai[f]
                    outI[f] += wr[f] * ai[f] + wi[f] * ar[f]
                }
            }
        }
    }

    /// Applies the projection-back scales to a demixed frame in place.
    func scale(re yr: UnsafeMutablePointer<T>, im yi: UnsafeMutablePointer<T>) {
        let s = scaleRe.pointer, t = scaleIm.pointer
        for i in 0..<(channels &* bins) {
            let r = yr[i], q = yi[i]
            yr[i] = r * s[i] - q * t[i]
            yi[i] = r * t[i] + q * s[i]
        }
    }

    /// Recomputes the scales: row `reference` of W⁻¹, from Wᵀ z = e_ref, per bin. A bin whose W is
    /// singular keeps its previous scales.
    func updateScales(reference: Int) {
        let M = channels, F = bins
        let a = systemRe.pointer, b = systemIm.pointer, zr = rhsRe.pointer, zi = rhsIm.pointer
        for f in 0..<F {
            for i in 0..<M {
                for j in 0..<M {
                    // (Wᵀ)_ij = W_ji
                    let index = (j &* M &+ i) &* F &+ f
                    a[i &* M &+ j] = re.pointer[index]
                    b[i &* M &+ j] = im.pointer[index]
                }
                zr[i] = i == reference ? 1 : 0
                zi[i] = 0
            }
            guard solveComplexSystem(aRe: a, aIm: b, bRe: zr, bIm: zi, n: M) else { continue }
            var finite = true
            for k in 0..<M where !(zr[k].isFinite && zi[k].isFinite) { finite = false }
            guard finite else { continue }
            for k in 0..<M {
                scaleRe.pointer[k &* F &+ f] = zr[k]
                scaleIm.pointer[k &* F &+ f] = zi[k]
            }
        }
    }
}

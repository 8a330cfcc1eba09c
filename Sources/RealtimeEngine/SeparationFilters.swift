/// What a separation family hands the output stage: for every bin a K×M complex filter G(f), so
/// that output k is y_k(f) = Σ_m G_km(f) x_m(f).
///
/// One form covers both families: spatial filters (IVA: G = diag(A_ref,k) W, the demixing with
/// projection back folded in) and time–frequency masks (clustering: G_k,ref(f) = mask_k(f), every
/// other column zero). A stage that resynthesises by STFT applies G frame by frame; a stage that
/// filters in the time domain turns G into FIR taps whenever `version` changes.
///
/// Entries are stored across bins (`(k * M + m) * F + f`), like `DemixingMatrices`, so applying a
/// bank is contiguous loops the compiler vectorises.
final class SeparationFilters<T: EngineScalar>: TripleBufferSlot {
    let sources: Int
    let channels: Int
    let bins: Int
    let re: EngineBuffer<T>
    let im: EngineBuffer<T>
    /// Stamped each time the family publishes the bank (`FilterExchange.publish`).
    var version: UInt64 = 0

    init(sources: Int, channels: Int, bins: Int) {
        self.sources = sources
        self.channels = channels
        self.bins = bins
        re = EngineBuffer(sources * channels * bins)
        im = EngineBuffer(sources * channels * bins)
    }

    /// y = G x for one planar M×F frame, writing planar K×F.
    @inline(__always)
    func apply(re xr: UnsafePointer<T>, im xi: UnsafePointer<T>, intoRe yr: UnsafeMutablePointer<T>, intoIm yi: UnsafeMutablePointer<T>) {
        let K = sources, M = channels, F = bins
        yr.update(repeating: 0, count: K &* F)
        yi.update(repeating: 0, count: K &* F)
        for k in 0..<K {
            let outR = yr + k &* F, outI = yi + k &* F
            for m in 0..<M {
                let gr = re.pointer + (k &* M &+ m) &* F, gi = im.pointer + (k &* M &+ m) &* F
                let ar = xr + m &* F, ai = xi + m &* F
                for f in 0..<F {
                    outR[f] += gr[f] * ar[f] - gi[f] * ai[f]
                    outI[f] += gr[f] * ai[f] + gi[f] * ar[f]
                }
            }
        }
    }
}

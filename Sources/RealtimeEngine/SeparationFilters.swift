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
        Self.apply(re.pointer, im.pointer, rows: sources, channels: channels, bins: bins, re: xr, im: xi, intoRe: yr, intoIm: yi)
    }

    /// y = G x for the first `rows` rows of a bank of `channels` columns stored across bins: the
    /// one filtering loop, which the demixing matrices (`DemixingMatrices.demix`) share.
    @inline(__always)
    static func apply(
        _ gr: UnsafePointer<T>, _ gi: UnsafePointer<T>, rows K: Int, channels M: Int, bins F: Int,
        re xr: UnsafePointer<T>, im xi: UnsafePointer<T>, intoRe yr: UnsafeMutablePointer<T>, intoIm yi: UnsafeMutablePointer<T>
    ) {
        yr.update(repeating: 0, count: K &* F)
        yi.update(repeating: 0, count: K &* F)
        for k in 0..<K {
            let outR = yr + k &* F, outI = yi + k &* F
            for m in 0..<M {
                let wr = gr + (k &* M &+ m) &* F, wi = gi + (k &* M &+ m) &* F
                let ar = xr + m &* F, ai = xi + m &* F
                for f in 0..<F {
                    outR[f] += wr[f] * ar[f] - wi[f] * ai[f]
                    outI[f] += wr[f] * ai[f] + wi[f] * ar[f]
                }
            }
        }
    }
}

/// The auxiliary-function statistics V_k(f) = Σ_t c_t φ_k(f, t) x xᴴ / Σ_t c_t, one Hermitian
/// M×M matrix per source and bin, with c_t = α^(age of frame t).
///
/// Frames older than the history are folded into `past` with their weights frozen as they retire;
/// the history is re-added with its current weights at every rebuild. Rebuilding from `past` each
/// sweep (rather than applying the recursion to the running estimate) is what keeps several sweeps
/// per frame from forgetting with αⁿ and counting the new frame n times.
///
/// Both passes walk the bins in blocks of `FrameHistory.blockBins`. Within a block each outer
/// product x_a x_bᴴ is formed once from the history's spectra and added into all K sources while it
/// is in L1, so a pass reads the spectra, the weights and `past` once and writes its result once:
/// the statistics are megabytes at M = 8, and streaming them K times per sweep used to cost more
/// than the update. The statistics are stored block by block for the same reason: a pass, and the
/// demixing update after it, then read them front to back instead of from K·P places at once.
final class WeightedCovariances<T: EngineScalar> {
    let sources: Int
    let channels: Int
    let bins: Int
    let pairs: Int
    /// Bins per block of the layout (the history's product block).
    let blockBins = FrameHistory<T>.blockBins
    /// Upper triangles, in blocks of `blockBins` bins: entry (k, pair) of bin f at
    /// `((f / blockBins * K + k) * P + pair) * blockBins + f % blockBins` (see `BinRun.inBlocks`).
    let re: EngineBuffer<T>
    let im: EngineBuffer<T>
    /// The frames that left the history, with all bins in blocks: entry (k, pair) of bin f at
    /// `((f / blockBins * K + k) * P + pair) * blockBins + f % blockBins`.
    private let pastRe: EngineBuffer<T>
    private let pastIm: EngineBuffer<T>
    /// Σ of the coefficients of every frame seen, α-discounted: the normaliser that makes the
    /// statistics an average from the first frame on (a growing window at the start).
    private(set) var totalWeight: T = 0
    /// Pair index of each diagonal entry.
    private let diagonal: UnsafeMutablePointer<Int>
    /// Channels (a, b) with a ≤ b of each pair.
    private let pairRow: UnsafeMutablePointer<Int>
    private let pairColumn: UnsafeMutablePointer<Int>
    /// Σ_a V_aa over one block of bins.
    private let trace: EngineBuffer<T>

    init(sources: Int, channels: Int, bins: Int) {
        self.sources = sources
        self.channels = channels
        self.bins = bins
        pairs = channels * (channels + 1) / 2
        let size = (bins + blockBins - 1) / blockBins * blockBins * sources * pairs
        re = EngineBuffer(size)
        im = EngineBuffer(size)
        pastRe = EngineBuffer(size)
        pastIm = EngineBuffer(size)
        diagonal = .allocate(capacity: channels)
        pairRow = .allocate(capacity: pairs)
        pairColumn = .allocate(capacity: pairs)
        var pair = 0
        for a in 0..<channels {
            diagonal[a] = pair
            for b in a..<channels {
                pairRow[pair] = a
                pairColumn[pair] = b
                pair += 1
            }
        }
        trace = EngineBuffer(blockBins)
    }

    deinit {
        diagonal.deallocate()
        pairRow.deallocate()
        pairColumn.deallocate()
    }

    func reset() {
        pastRe.zero()
        pastIm.zero()
        totalWeight = 0
    }

    /// Multiplies source k's past in bin f by `factors[k * F + f]`: re-expresses statistics
    /// gathered under one source density in the weight scale of another (see
    /// `OnlineSeparator.apply`).
    func rescalePast(by factors: UnsafePointer<T>) {
        let K = sources, P = pairs, F = bins, B = blockBins
        let pr = pastRe.pointer, pi = pastIm.pointer
        var start = 0
        while start < F {
            let n = Swift.min(B, F &- start)
            for k in 0..<K {
                let factor = factors + (k &* F &+ start)
                for pair in 0..<P {
                    let offset = ((start / B &* K &+ k) &* P &+ pair) &* B
                    for f in 0..<n {
                        pr[offset &+ f] *= factor[f]
                        pi[offset &+ f] *= factor[f]
                    }
                }
            }
            start &+= B
        }
    }

    /// V itself is rebuilt from the past and the history before every sweep that reads it, so
    /// only the past and its normaliser are state.
    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(pastRe)
        transfer.buffer(pastIm)
        transfer.scalar(&totalWeight)
    }

    /// A new frame arrived: the past decays and the retiring slot joins it with its last weights.
    func advance(forgetting alpha: T, retiring slot: Int?, coefficient: T, weights: UnsafePointer<T>, history: FrameHistory<T>) {
        totalWeight = alpha * totalWeight + 1
        let pr = pastRe.pointer, pi = pastIm.pointer
        guard let slot else {
            for i in 0..<pastRe.count {
                pr[i] *= alpha
                pi[i] *= alpha
            }
            return
        }
        let K = sources, P = pairs, F = bins, B = blockBins
        let orr = history.productRe.pointer, oi = history.productIm.pointer
        var start = 0
        while start < F {
            let n = Swift.min(B, F &- start)
            for pair in 0..<P {
                history.formProduct(channels: pairRow[pair], pairColumn[pair], slot: slot, start: start, count: n, scale: 1, row: 0)
                for k in 0..<K {
                    let offset = ((start / B &* K &+ k) &* P &+ pair) &* B
                    let dr = pr + offset, di = pi + offset
                    let phi = weights + ((slot &* K &+ k) &* F &+ start)
                    for f in 0..<n {
                        let g = coefficient * phi[f]
                        dr[f] = dr[f] * alpha + g * orr[f]
                        di[f] = di[f] * alpha + g * oi[f]
                    }
                }
            }
            start &+= B
        }
    }

    /// V_k = (past_k + Σ_slots c φ_k x xᴴ) / Σ c, plus diagonal loading relative to the mean
    /// diagonal (scale-free: the weights' scale depends on the input level and the model).
    func rebuild(history: FrameHistory<T>, weights: UnsafePointer<T>, coefficients: UnsafePointer<T>, loading: T) {
        var start = 0
        while start < bins {
            rebuild(block: start, history: history, weights: weights, coefficients: coefficients, loading: loading)
            start &+= blockBins
        }
    }

    /// The same for the block of bins from `start`. The coefficient c is folded into the product
    /// x xᴴ once per slot rather than into φ once per slot and source.
    private func rebuild(block start: Int, history: FrameHistory<T>, weights: UnsafePointer<T>, coefficients: UnsafePointer<T>, loading: T) {
        let K = sources, P = pairs, F = bins, R = history.count, B = blockBins, L = T.Lanes.scalarCount
        let n = Swift.min(B, F &- start)
        let normaliser = 1 / Swift.max(totalWeight, T.leastNormalMagnitude)
        let perChannel = loading / T(channels)
        let tiny = T.leastNormalMagnitude * 1e8
        let order = history.order, orr = history.productRe.pointer, oi = history.productIm.pointer
        let pr = pastRe.pointer + start / B &* K &* P &* B, pi = pastIm.pointer + start / B &* K &* P &* B
        let vr = re.pointer + start / B &* K &* P &* B, vi = im.pointer + start / B &* K &* P &* B, t = trace.pointer
        let slotStride = K &* F
        for pair in 0..<P {
            for i in 0..<R {
                history.formProduct(channels: pairRow[pair], pairColumn[pair], slot: order[i], start: start, count: n,
                                    scale: coefficients[i], row: i)
            }
            // x_a x_aᴴ is real, so a diagonal entry's imaginary part stays exactly 0.
            let real = pairRow[pair] == pairColumn[pair]
            for k in 0..<K {
                let offset = (k &* P &+ pair) &* B
                let phi = weights + (k &* F &+ start)
                // Σ over the history in registers, for `count` bins from f.
                @inline(__always)
                func accumulate(_ f: Int, count: Int) {
                    var sr = T.loadLanes(pr + (offset &+ f), count: count)
                    if real {
                        for i in 0..<R {
                            let g = T.loadLanes(phi + (order[i] &* slotStride &+ f), count: count)
                            sr += g * T.loadLanes(orr + (i &* B &+ f), count: count)
                        }
                        T.storeLanes(T.Lanes(), to: vi + (offset &+ f), count: count)
                    } else {
                        var si = T.loadLanes(pi + (offset &+ f), count: count)
                        for i in 0..<R {
                            let g = T.loadLanes(phi + (order[i] &* slotStride &+ f), count: count)
                            sr += g * T.loadLanes(orr + (i &* B &+ f), count: count)
                            si += g * T.loadLanes(oi + (i &* B &+ f), count: count)
                        }
                        T.storeLanes(si * normaliser, to: vi + (offset &+ f), count: count)
                    }
                    T.storeLanes(sr * normaliser, to: vr + (offset &+ f), count: count)
                }
                var f = 0
                while f &+ L <= n {
                    accumulate(f, count: L)
                    f &+= L
                }
                if f < n { accumulate(f, count: n &- f) }
            }
        }
        for k in 0..<K {
            t.update(repeating: 0, count: n)
            for a in 0..<channels {
                let d = vr + (k &* P &+ diagonal[a]) &* B
                for f in 0..<n { t[f] += d[f] }
            }
            for a in 0..<channels {
                let d = vr + (k &* P &+ diagonal[a]) &* B
                for f in 0..<n { d[f] += t[f] * perChannel + tiny }
            }
        }
    }
}

/// The auxiliary-function statistics V_k(f) = Σ_t c_t φ_k(f, t) x xᴴ / Σ_t c_t, one Hermitian
/// M×M matrix per source and bin, with c_t = α^(age of frame t).
///
/// Frames older than the history are folded into `past` with their weights frozen as they retire;
/// the history is re-added with its current weights at every rebuild. Rebuilding from `past` each
/// sweep (rather than applying the recursion to the running estimate) is what keeps several sweeps
/// per frame from forgetting with αⁿ and counting the new frame n times.
final class WeightedCovariances<T: EngineScalar> {
    let sources: Int
    let channels: Int
    let bins: Int
    let pairs: Int
    /// Upper triangles at `(k * P + pair) * F + f`.
    let re: EngineBuffer<T>
    let im: EngineBuffer<T>
    private let pastRe: EngineBuffer<T>
    private let pastIm: EngineBuffer<T>
    /// Σ of the coefficients of every frame seen, α-discounted: the normaliser that makes the
    /// statistics an average from the first frame on (a growing window at the start).
    private(set) var totalWeight: T = 0
    /// Pair index of each diagonal entry.
    let diagonal: UnsafeMutablePointer<Int>
    private let scaled: EngineBuffer<T>

    init(sources: Int, channels: Int, bins: Int) {
        self.sources = sources
        self.channels = channels
        self.bins = bins
        pairs = channels * (channels + 1) / 2
        re = EngineBuffer(sources * pairs * bins)
        im = EngineBuffer(sources * pairs * bins)
        pastRe = EngineBuffer(sources * pairs * bins)
        pastIm = EngineBuffer(sources * pairs * bins)
        scaled = EngineBuffer(bins)
        diagonal = .allocate(capacity: channels)
        var pair = 0
        for a in 0..<channels {
            diagonal[a] = pair
            pair += channels - a
        }
    }

    deinit {
        diagonal.deallocate()
    }

    func reset() {
        pastRe.zero()
        pastIm.zero()
        totalWeight = 0
    }

    /// A new frame arrived: the past decays and the retiring slot joins it with its last weights.
    func advance(forgetting alpha: T, retiring slot: Int?, coefficient: T, weights: UnsafePointer<T>, history: FrameHistory<T>) {
        let pr = pastRe.pointer, pi = pastIm.pointer
        for i in 0..<pastRe.count {
            pr[i] *= alpha
            pi[i] *= alpha
        }
        totalWeight = alpha * totalWeight + 1
        guard let slot else { return }
        for k in 0..<sources {
            addSlot(slot, weights: weights + (slot &* sources &+ k) &* bins, coefficient: coefficient,
                    history: history, intoRe: pr + k &* pairs &* bins, intoIm: pi + k &* pairs &* bins)
        }
    }

    /// V_k = (past_k + Σ_slots c φ_k x xᴴ) / Σ c, plus diagonal loading relative to the mean
    /// diagonal (scale-free: the weights' scale depends on the input level and the model).
    func rebuild(history: FrameHistory<T>, weights: UnsafePointer<T>, coefficients: UnsafePointer<T>, loading: T) {
        let size = pairs &* bins
        let normaliser = 1 / Swift.max(totalWeight, T.leastNormalMagnitude)
        for k in 0..<sources {
            let vr = re.pointer + k &* size, vi = im.pointer + k &* size
            vr.update(from: pastRe.pointer + k &* size, count: size)
            vi.update(from: pastIm.pointer + k &* size, count: size)
            for i in 0..<history.count {
                let slot = history.order[i]
                addSlot(slot, weights: weights + (slot &* sources &+ k) &* bins, coefficient: coefficients[i],
                        history: history, intoRe: vr, intoIm: vi)
            }
            for i in 0..<size {
                vr[i] *= normaliser
                vi[i] *= normaliser
            }
            let trace = scaled.pointer
            trace.update(repeating: 0, count: bins)
            for a in 0..<channels {
                let d = vr + diagonal[a] &* bins
                for f in 0..<bins { trace[f] += d[f] }
            }
            let perChannel = loading / T(channels)
            let tiny = T.leastNormalMagnitude * 1e8
            for a in 0..<channels {
                let d = vr + diagonal[a] &* bins
                for f in 0..<bins { d[f] += trace[f] * perChannel + tiny }
            }
        }
    }

    @inline(__always)
    private func addSlot(
        _ slot: Int, weights phi: UnsafePointer<T>, coefficient: T, history: FrameHistory<T>,
        intoRe vr: UnsafeMutablePointer<T>, intoIm vi: UnsafeMutablePointer<T>
    ) {
        let g = scaled.pointer
        for f in 0..<bins { g[f] = coefficient * phi[f] }
        for pair in 0..<pairs {
            let orr = history.outerRe.pointer + (slot &* pairs &+ pair) &* bins
            let oi = history.outerIm.pointer + (slot &* pairs &+ pair) &* bins
            let dr = vr + pair &* bins, di = vi + pair &* bins
            for f in 0..<bins {
                dr[f] += g[f] * orr[f]
                di[f] += g[f] * oi[f]
            }
        }
    }
}

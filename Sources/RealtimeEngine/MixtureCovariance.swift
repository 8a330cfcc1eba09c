/// C(f) = Σ_t α^(age of frame t) x xᴴ: the mixture's own covariance, one Hermitian M×M matrix per
/// bin, which the overdetermined update (K < M) needs to place the background (`BackgroundUpdate`).
///
/// It is the weighted covariances' statistic with every weight 1, so nothing about a frame changes
/// once it has arrived and the recursion C ← α C + x xᴴ per frame is exact: no history, no rebuild.
/// It is kept unnormalised because everything read from it (the background J and the steering
/// vectors C W_sᴴ (W_s C W_sᴴ)⁻¹) is unchanged when C is scaled.
final class MixtureCovariance<T: EngineScalar> {
    let channels: Int
    let bins: Int
    let pairs: Int
    /// Upper triangle: entry (a, b), a ≤ b, as pair p of `pairRow`/`pairColumn`, bin f at `p * F + f`.
    let re: EngineBuffer<T>
    let im: EngineBuffer<T>
    let pairRow: UnsafeMutablePointer<Int>
    let pairColumn: UnsafeMutablePointer<Int>

    init(channels: Int, bins: Int) {
        self.channels = channels
        self.bins = bins
        pairs = channels * (channels + 1) / 2
        re = EngineBuffer(pairs * bins)
        im = EngineBuffer(pairs * bins)
        pairRow = .allocate(capacity: pairs)
        pairColumn = .allocate(capacity: pairs)
        var pair = 0
        for a in 0..<channels {
            for b in a..<channels {
                pairRow[pair] = a
                pairColumn[pair] = b
                pair += 1
            }
        }
    }

    deinit {
        pairRow.deallocate()
        pairColumn.deallocate()
    }

    func reset() {
        re.zero()
        im.zero()
    }

    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(re)
        transfer.buffer(im)
    }

    /// C ← α C + x xᴴ for a new planar M×F frame.
    func accumulate(re xr: UnsafePointer<T>, im xi: UnsafePointer<T>, forgetting alpha: T) {
        let F = bins
        for pair in 0..<pairs {
            let ar = xr + pairRow[pair] &* F, ai = xi + pairRow[pair] &* F
            let br = xr + pairColumn[pair] &* F, bi = xi + pairColumn[pair] &* F
            let cr = re.pointer + pair &* F, ci = im.pointer + pair &* F
            for f in 0..<F {
                cr[f] = alpha * cr[f] + (ar[f] * br[f] + ai[f] * bi[f])
                ci[f] = alpha * ci[f] + (ai[f] * br[f] - ar[f] * bi[f])
            }
        }
    }
}

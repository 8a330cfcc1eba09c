/// W(f) for every bin (rows w_kᴴ: y = W x) and the projection-back scales that give each output
/// the level and phase of its source's image at the reference microphone.
///
/// W is M×M whatever the number of sources K: with K < M its first K rows demix the targets and
/// the last M − K span the background (`BackgroundUpdate`), which keeps W invertible so that the
/// targets' projection back is still read from A = W⁻¹. Only the K target rows are ever applied.
///
/// Entries are stored across bins (`(i * M + j) * F + f`) so that applying W to a frame is a set
/// of contiguous loops the compiler vectorises, and the per-bin updates load runs of consecutive
/// bins straight into SIMD lanes (`BinRun`).
final class DemixingMatrices<T: EngineScalar> {
    let channels: Int
    let sources: Int
    let bins: Int
    let re: EngineBuffer<T>
    let im: EngineBuffer<T>
    /// A(f) = W(f)⁻¹, laid out like W: exact after `updateScales`; square IP, which reads it, keeps
    /// it in step with every row it changes, while ISS and the overdetermined IP (which derives the
    /// columns it needs from the mixture covariance) leave it to the next `updateScales`.
    let inverseRe: EngineBuffer<T>
    let inverseIm: EngineBuffer<T>
    /// A_ref,k(f) = (W(f)⁻¹)_ref,k at `k * F + f`: scales output k (minimal distortion principle).
    let scaleRe: EngineBuffer<T>
    let scaleIm: EngineBuffer<T>
    /// `LaneLinearSystem` scratch of one `BinRun`: W reduced to I while I becomes W⁻¹.
    private let system: ComplexLaneBuffer<T>
    private let solution: ComplexLaneBuffer<T>

    init(channels: Int, sources: Int, bins: Int) {
        self.channels = channels
        self.sources = sources
        self.bins = bins
        re = EngineBuffer(channels * channels * bins)
        im = EngineBuffer(channels * channels * bins)
        inverseRe = EngineBuffer(channels * channels * bins)
        inverseIm = EngineBuffer(channels * channels * bins)
        scaleRe = EngineBuffer(sources * bins)
        scaleIm = EngineBuffer(sources * bins)
        system = ComplexLaneBuffer(channels * channels)
        solution = ComplexLaneBuffer(channels * channels)
        reset()
    }

    /// Identity demixing and unit scales: the outputs start as the microphone signals.
    func reset() {
        re.zero()
        im.zero()
        inverseRe.zero()
        inverseIm.zero()
        for a in 0..<channels {
            (re.pointer + (a &* channels &+ a) &* bins).update(repeating: 1, count: bins)
            (inverseRe.pointer + (a &* channels &+ a) &* bins).update(repeating: 1, count: bins)
        }
        scaleRe.pointer.update(repeating: 1, count: scaleRe.count)
        scaleIm.zero()
    }

    /// The inverse is state too: IP updates it incrementally between two `updateScales`.
    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(re)
        transfer.buffer(im)
        transfer.buffer(inverseRe)
        transfer.buffer(inverseIm)
        transfer.buffer(scaleRe)
        transfer.buffer(scaleIm)
    }

    /// y = W_s x for one planar M×F frame: the K target rows, planar K×F.
    func demix(re xr: UnsafePointer<T>, im xi: UnsafePointer<T>, intoRe yr: UnsafeMutablePointer<T>, intoIm yi: UnsafeMutablePointer<T>) {
        SeparationFilters<T>.apply(re.pointer, im.pointer, rows: sources, channels: channels, bins: bins,
                                   re: xr, im: xi, intoRe: yr, intoIm: yi)
    }

    /// Recomputes A = W⁻¹ exactly per bin, which also ends any drift of IP's rank-one updates to
    /// it, and takes the scales from its row `reference`. A bin whose W is singular keeps its
    /// previous inverse and scales (Gauss–Jordan elimination on lanes of bins, `LaneLinearSystem`).
    func updateScales(reference: Int) {
        switch channels {
        case 2: updateScales(reference: reference, ChannelCount<2>())
        case 3: updateScales(reference: reference, ChannelCount<3>())
        case 4: updateScales(reference: reference, ChannelCount<4>())
        case 5: updateScales(reference: reference, ChannelCount<5>())
        case 6: updateScales(reference: reference, ChannelCount<6>())
        case 7: updateScales(reference: reference, ChannelCount<7>())
        case 8: updateScales(reference: reference, ChannelCount<8>())
        default: preconditionFailure("SeparatorConfiguration admits 2 to 8 channels")
        }
    }

    private func updateScales<let M: Int>(reference: Int, _: ChannelCount<M>) {
        let b = system.pointer, x = solution.pointer
        let WR = re.pointer, WI = im.pointer, AR = inverseRe.pointer, AI = inverseIm.pointer
        let SR = scaleRe.pointer, SI = scaleIm.pointer
        var start = 0
        while start < bins {
            let run = BinRun<T>(start: start, bins: bins)
            for i in 0..<M {
                for j in 0..<M {
                    b[i &* M &+ j] = run.load(re: WR, im: WI, entry: i &* M &+ j)
                    x[i &* M &+ j] = i == j ? .one : .zero
                }
            }
            var valid = LaneLinearSystem.solve(b, x, size: M, columns: M)
            for i in 0..<(M &* M) { valid = T.both(valid, x[i].isFinite) }
            for i in 0..<(M &* M) {
                let kept = run.load(re: AR, im: AI, entry: i)
                run.store(kept.selecting(x[i], where: valid), re: AR, im: AI, entry: i)
            }
            for k in 0..<sources {
                let kept = run.load(re: SR, im: SI, entry: k)
                run.store(kept.selecting(x[reference &* M &+ k], where: valid), re: SR, im: SI, entry: k)
            }
            start &+= T.Lanes.scalarCount
        }
    }
}

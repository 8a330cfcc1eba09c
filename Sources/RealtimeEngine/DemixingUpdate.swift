/// One sweep of the demixing update over every bin: each source's row of W(f) is moved to the
/// minimum of its auxiliary function Σ_k w_kᴴ V_k w_k − log |det W|², by iterative projection
/// (IP: a Hermitian solve per source) or iterative source steering (ISS: rank-one steps that need
/// no inversion).
///
/// Bins are independent, so both rules run on `BinRun`s: a run's W (and, for IP, A = W⁻¹) is
/// copied into lane scratch, updated for all its bins at once, and copied back. Nothing in either
/// rule branches on data: guards become lane masks, so a bin that fails one keeps its old row
/// while its neighbours in the run proceed.
///
/// With fewer sources than microphones (K < M) only IP applies: it updates the K target rows and
/// leaves the other M − K to the `BackgroundUpdate` (OverIVA).
final class DemixingUpdate<T: EngineScalar> {
    let channels: Int
    let sources: Int
    let bins: Int
    /// The background of W when K < M; nil when K = M.
    private let background: BackgroundUpdate<T>?
    /// W and A = W⁻¹ of the run, row-major M×M.
    private let demixing: ComplexLaneBuffer<T>
    private let inverse: ComplexLaneBuffer<T>
    /// IP: the factor of one V_k, packed like V; ISS: every V_j, unpacked.
    private let covariance: ComplexLaneBuffer<T>
    /// Vectors of length M.
    private let first: ComplexLaneBuffer<T>, second: ComplexLaneBuffer<T>, third: ComplexLaneBuffer<T>
    /// Bins whose update produced a non-finite W and were reset to the identity.
    private(set) var binResets = 0
    /// Source updates (one per bin) skipped because the system was singular.
    private(set) var singularSolves = 0

    /// `mixture` is required exactly when sources < channels.
    init(channels: Int, sources: Int, bins: Int, mixture: MixtureCovariance<T>?) {
        self.channels = channels
        self.sources = sources
        self.bins = bins
        background = mixture.map { BackgroundUpdate(mixture: $0, sources: sources) }
        let M = channels
        demixing = ComplexLaneBuffer(M * M)
        inverse = ComplexLaneBuffer(M * M)
        covariance = ComplexLaneBuffer(M * M * M)
        first = ComplexLaneBuffer(M)
        second = ComplexLaneBuffer(M)
        third = ComplexLaneBuffer(M)
    }

    func resetCounters() {
        binResets = 0
        singularSolves = 0
    }

    /// The lane buffers are per-run scratch; only the counters carry over.
    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.counter(&binResets)
        transfer.counter(&singularSolves)
    }

    /// Square IP also keeps `matrices`' inverse in step with every row it changes; ISS and the
    /// overdetermined IP leave it to the next `DemixingMatrices.updateScales`, which recomputes it
    /// exactly.
    func sweep(rule: SeparatorConfiguration.UpdateRule, demixing matrices: DemixingMatrices<T>, covariances: WeightedCovariances<T>) {
        switch channels {
        case 2: sweep(rule: rule, matrices: matrices, covariances: covariances, ChannelCount<2>())
        case 3: sweep(rule: rule, matrices: matrices, covariances: covariances, ChannelCount<3>())
        case 4: sweep(rule: rule, matrices: matrices, covariances: covariances, ChannelCount<4>())
        case 5: sweep(rule: rule, matrices: matrices, covariances: covariances, ChannelCount<5>())
        case 6: sweep(rule: rule, matrices: matrices, covariances: covariances, ChannelCount<6>())
        case 7: sweep(rule: rule, matrices: matrices, covariances: covariances, ChannelCount<7>())
        case 8: sweep(rule: rule, matrices: matrices, covariances: covariances, ChannelCount<8>())
        default: preconditionFailure("SeparatorConfiguration admits 2 to 8 channels")
        }
    }

    private func sweep<let M: Int>(
        rule: SeparatorConfiguration.UpdateRule, matrices: DemixingMatrices<T>, covariances: WeightedCovariances<T>, _: ChannelCount<M>
    ) {
        let WR = matrices.re.pointer, WI = matrices.im.pointer
        let AR = matrices.inverseRe.pointer, AI = matrices.inverseIm.pointer
        let w = demixing.pointer, a = inverse.pointer
        var start = 0
        while start < bins {
            let run = BinRun<T>(start: start, bins: bins)
            for i in 0..<(M &* M) { w[i] = run.load(re: WR, im: WI, entry: i) }
            switch (rule, background) {
            case (.ip, let background?):
                overdeterminedProjection(run, covariances: covariances, background: background, ChannelCount<M>())
            case (.ip, nil):
                for i in 0..<(M &* M) { a[i] = run.load(re: AR, im: AI, entry: i) }
                iterativeProjection(run, covariances: covariances, ChannelCount<M>())
            case (.iss, _):
                // `SeparatorConfiguration.validate` admits ISS only for K = M.
                sourceSteering(run, covariances: covariances, ChannelCount<M>())
            }
            var finite = w[0].isFinite
            for i in 1..<(M &* M) { finite = T.both(finite, w[i].isFinite) }
            let resets = run.countRejected(finite)
            if resets > 0 {
                binResets &+= resets
                for i in 0..<M {
                    for j in 0..<M {
                        let identity: ComplexLanes<T> = i == j ? .one : .zero
                        w[i &* M &+ j] = identity.selecting(w[i &* M &+ j], where: finite)
                        a[i &* M &+ j] = identity.selecting(a[i &* M &+ j], where: finite)
                    }
                }
            }
            for i in 0..<(M &* M) { run.store(w[i], re: WR, im: WI, entry: i) }
            switch (rule, background) {
            case (.ip, nil): for i in 0..<(M &* M) { run.store(a[i], re: AR, im: AI, entry: i) }
            // ISS did not load A, and the overdetermined IP took only its first K columns, in
            // closed form: the next `updateScales` recomputes it.
            case (.iss, _), (.ip, _?): break
            }
            start &+= T.Lanes.scalarCount
        }
    }

    /// IP over all M rows, A kept in step by Sherman–Morrison after each.
    @inline(__always)
    private func iterativeProjection<let M: Int>(_ run: BinRun<T>, covariances: WeightedCovariances<T>, _: ChannelCount<M>) {
        for k in 0..<M {
            let valid = projectSource(k, run, covariances: covariances, ChannelCount<M>())
            followInverse(k, valid: valid, ChannelCount<M>())
        }
    }

    /// IP over the K target rows, each from the column of A that the optimal background implies,
    /// then the background rows for the new targets.
    @inline(__always)
    private func overdeterminedProjection<let M: Int>(
        _ run: BinRun<T>, covariances: WeightedCovariances<T>, background: BackgroundUpdate<T>, _: ChannelCount<M>
    ) {
        let w = demixing.pointer, a = inverse.pointer
        background.load(run, ChannelCount<M>())
        for k in 0..<sources {
            background.steeringVector(source: k, demixing: w, into: a, ChannelCount<M>())
            _ = projectSource(k, run, covariances: covariances, ChannelCount<M>())
        }
        singularSolves &+= run.countRejected(background.placeBackground(demixing: w, ChannelCount<M>()))
    }

    /// Row k of W: w_k = V_k⁻¹ a_k / √(a_kᴴ V_k⁻¹ a_k) with a_k column k of A = W⁻¹, row k
    /// becoming w_kᴴ. Returns the lanes that were updated; the others keep their row.
    ///
    /// This is the textbook w_k = (W V_k)⁻¹ e_k, normalised by √(w_kᴴ V_k w_k): (W V_k)⁻¹ e_k =
    /// V_k⁻¹ a_k, and V_k is Hermitian positive definite (diagonal loading), so an unpivoted
    /// factorisation V_k = Uᴴ D U (U unit upper triangular) is stable and takes the same steps in
    /// every lane. It needs no square root (one per source remains, for the normaliser), and the
    /// normaliser a_kᴴ V_k⁻¹ a_k = Σ |t_i|²/D_i falls out of the forward substitution Uᴴ t = a_k.
    @inline(__always)
    private func projectSource<let M: Int>(
        _ k: Int, _ run: BinRun<T>, covariances: WeightedCovariances<T>, _: ChannelCount<M>
    ) -> T.LaneMask {
        let P = M &* (M &+ 1) / 2
        let w = demixing.pointer, a = inverse.pointer, u = covariance.pointer
        let t = first.pointer, z = second.pointer, c = third.pointer
        let vr = covariances.re.pointer, vi = covariances.im.pointer
        let block = run.inBlocks(of: covariances.blockBins, entries: sources &* P)
        let tiny = T.Lanes(repeating: T.leastNormalMagnitude), huge = T.Lanes(repeating: T.greatestFiniteMagnitude)
        // A pivot counts as zero when its square underflows, the test the pivoted solve of W V_k
        // applied. It is what switches the update off in digital silence, where V_k is only the
        // tiny loading: updating there blows W up by 1/√‖V_k‖ (~1e150) and poisons the source model.
        let pivotFloor = T.Lanes(repeating: T.leastNormalMagnitude.squareRoot())
        let one = T.Lanes(repeating: 1)
        for p in 0..<P { u[p] = block.load(re: vr, im: vi, entry: k &* P &+ p) }
        // V_k = Uᴴ D U in place; diagonal entry i becomes (D_i, 1/D_i).
        var valid = T.LaneMask(repeating: true)
        for i in 0..<M {
            let ii = pair(i, i, M)
            var pivot = u[ii].re
            for m in 0..<i {
                c[m] = u[pair(m, i, M)].conjugate * u[pair(m, m, M)].re
                pivot -= (c[m] * u[pair(m, i, M)]).re
            }
            let positive = T.mask(pivot, above: pivotFloor, atMost: huge)
            valid = T.both(valid, positive)
            pivot = T.select(pivot, where: positive, else: one)
            let inversePivot = 1 / pivot
            u[ii] = ComplexLanes(re: pivot, im: inversePivot)
            for j in (i &+ 1)..<M {
                var x = u[ii &+ j &- i]
                for m in 0..<i { x -= c[m] * u[pair(m, j, M)] }
                u[ii &+ j &- i] = x * inversePivot
            }
        }
        // Uᴴ t = a_k, front to back; a_kᴴ V_k⁻¹ a_k = Σ |t_i|²/D_i.
        var norm = T.Lanes()
        for i in 0..<M {
            var x = a[i &* M &+ k]
            for m in 0..<i { x -= ComplexLanes.conjugateProduct(u[pair(m, i, M)], t[m]) }
            t[i] = x
            norm += x.magnitudeSquared * u[pair(i, i, M)].im
        }
        let normal = T.mask(norm, above: tiny, atMost: huge)
        valid = T.both(valid, normal)
        let scale = 1 / T.select(norm, where: normal, else: one).squareRoot()
        // U z = D⁻¹ t, back to front; the new row is (z / √norm)ᴴ.
        var i = M &- 1
        while i >= 0 {
            let ii = pair(i, i, M)
            var x = t[i] * u[ii].im
            for j in (i &+ 1)..<M { x -= u[ii &+ j &- i] * z[j] }
            z[i] = x
            i &-= 1
        }
        singularSolves &+= run.countRejected(valid)
        for j in 0..<M {
            w[k &* M &+ j] = w[k &* M &+ j].selecting((z[j] * scale).conjugate, where: valid)
        }
        return valid
    }

    /// Sherman–Morrison after row k of W changed in the lanes of `valid`: with r = (new row k of
    /// W) A, A ← A − a_k (r − e_kᵀ) / r_k.
    @inline(__always)
    private func followInverse<let M: Int>(_ k: Int, valid: T.LaneMask, _: ChannelCount<M>) {
        let w = demixing.pointer, a = inverse.pointer, c = third.pointer
        for j in 0..<M {
            var x = ComplexLanes<T>.zero
            for m in 0..<M { x += w[k &* M &+ m] * a[m &* M &+ j] }
            c[j] = x
        }
        let pivot = c[k].reciprocal
        c[k] -= .one
        for j in 0..<M { c[j] = ComplexLanes<T>.zero.selecting(c[j] * pivot, where: valid) }
        for m in 0..<M {
            let column = a[m &* M &+ k]
            for j in 0..<M { a[m &* M &+ j] -= column * c[j] }
        }
    }

    /// For each k: y_j ← y_j − v_j y_k with v_j = (w_jᴴ V_j w_k)/(w_kᴴ V_j w_k), and
    /// v_k = 1 − (w_kᴴ V_k w_k)^(−1/2) (Scheibler & Ono 2020).
    ///
    /// The M products V_j w_k per source are almost all of the work, so the V_j are unpacked once
    /// per run into full conjugated rows, which the products then read front to back.
    @inline(__always)
    private func sourceSteering<let M: Int>(_ run: BinRun<T>, covariances: WeightedCovariances<T>, _: ChannelCount<M>) {
        let MM = M &* M, P = M &* (M &+ 1) / 2
        let w = demixing.pointer, v = covariance.pointer
        let u = first.pointer, steer = second.pointer, row = third.pointer
        let vr = covariances.re.pointer, vi = covariances.im.pointer
        let block = run.inBlocks(of: covariances.blockBins, entries: M &* P)
        // As for IP's pivots: a denominator whose square underflows means the bin has seen
        // nothing but digital silence (V_j is only the absolute loading floor); steering by
        // 1/√denominator there would blow W up by ~10^150 and the source would stay silent.
        let tiny = T.Lanes(repeating: T.leastNormalMagnitude.squareRoot())
        let huge = T.Lanes(repeating: T.greatestFiniteMagnitude)
        let one = T.Lanes(repeating: 1)
        // v[(j * M + a) * M + b] = conj(V_j)_ab, from the stored upper triangle.
        for j in 0..<M {
            for a in 0..<M {
                for b in a..<M {
                    let entry = block.load(re: vr, im: vi, entry: j &* P &+ pair(a, b, M))
                    v[j &* MM &+ a &* M &+ b] = entry.conjugate
                    v[j &* MM &+ b &* M &+ a] = entry
                }
            }
        }
        for k in 0..<M {
            let wk = w + k &* M
            var valid = T.LaneMask(repeating: true)
            for j in 0..<M {
                // u = conj(V_j w_k), with w_k = conj(row k of W).
                for a in 0..<M {
                    let va = v + (j &* MM &+ a &* M)
                    var x = ComplexLanes<T>.zero
                    for b in 0..<M { x += va[b] * wk[b] }
                    u[a] = x
                }
                var denominator = T.Lanes()
                for a in 0..<M { denominator += ComplexLanes.conjugateProduct(u[a], wk[a]).re }
                let normal = T.mask(denominator, above: tiny, atMost: huge)
                valid = T.both(valid, normal)
                denominator = T.select(denominator, where: normal, else: one)
                if j == k {
                    steer[j] = ComplexLanes(real: 1 - 1 / denominator.squareRoot())
                } else {
                    var numerator = ComplexLanes<T>.zero
                    for a in 0..<M { numerator += ComplexLanes.conjugateProduct(u[a], w[j &* M &+ a]) }
                    steer[j] = numerator * (1 / denominator)
                }
            }
            singularSolves &+= run.countRejected(valid)
            // Row k changes too (j = k), so steer every row from a copy of it.
            for b in 0..<M { row[b] = wk[b] }
            for j in 0..<M {
                let s = ComplexLanes<T>.zero.selecting(steer[j], where: valid)
                for b in 0..<M { w[j &* M &+ b] -= s * row[b] }
            }
        }
    }

    /// Index of entry (a, b), a ≤ b, in a packed upper triangle of an M×M matrix (the layout of
    /// `WeightedCovariances`): the rows before row a hold M + (M − 1) + … + (M − a + 1) entries.
    @inline(__always)
    private func pair(_ a: Int, _ b: Int, _ M: Int) -> Int {
        a &* (2 &* M &- a &- 1) / 2 &+ b
    }
}

/// The overdetermined part of IP (K < M, OverIVA: Scheibler & Ono 2019; Ikeshita et al. 2020):
/// the last M − K rows of W model everything that is not a target as a stationary Gaussian
/// background, which has a closed form, so only the K target rows are learnt.
///
/// With the target rows W_s (K×M) fixed, the background rows U = [J, −I_{M−K}] that maximise the
/// likelihood are those orthogonal to the targets under the mixture covariance C: U C W_sᴴ = 0,
/// i.e. J = G₂ G₁⁻¹ with G = C W_sᴴ split into its first K and last M − K rows. The IP step of
/// target k needs column k of A = W⁻¹, and with that background the first K columns of A are
/// G (W_s G)⁻¹ (W_s times it is I, U times it is 0): only a K×K Hermitian system, and the
/// background never has to be written into W to update the targets. It is written once the
/// targets are done, so that `DemixingMatrices.updateScales` finds an invertible W whose inverse
/// gives the targets' projection back.
///
/// Works on one `BinRun` at a time, on the lane scratch of `DemixingUpdate`.
final class BackgroundUpdate<T: EngineScalar> {
    let sources: Int
    let mixture: MixtureCovariance<T>
    /// C of the run, unpacked to M×M.
    private let covariance: ComplexLaneBuffer<T>
    /// G = C W_sᴴ, M×K.
    private let product: ComplexLaneBuffer<T>
    /// `LaneLinearSystem` scratch: a K×K matrix and its K×(M − K) right-hand side.
    private let system: ComplexLaneBuffer<T>
    private let solution: ComplexLaneBuffer<T>

    init(mixture: MixtureCovariance<T>, sources: Int) {
        self.sources = sources
        self.mixture = mixture
        let M = mixture.channels
        covariance = ComplexLaneBuffer(M * M)
        product = ComplexLaneBuffer(M * sources)
        system = ComplexLaneBuffer(sources * sources)
        solution = ComplexLaneBuffer(sources * (M - sources))
    }

    /// Unpacks the run's C, with a loading of 1e-6 of its mean diagonal: C is singular until M
    /// frames have arrived, and the steering vectors only need it to be invertible, not accurate
    /// in its smallest directions.
    @inline(__always)
    func load<let M: Int>(_ run: BinRun<T>, _: ChannelCount<M>) {
        let c = covariance.pointer, cr = mixture.re.pointer, ci = mixture.im.pointer
        for pair in 0..<mixture.pairs {
            let a = mixture.pairRow[pair], b = mixture.pairColumn[pair]
            let entry = run.load(re: cr, im: ci, entry: pair)
            c[a &* M &+ b] = entry
            c[b &* M &+ a] = entry.conjugate
        }
        var trace = T.Lanes()
        for a in 0..<M { trace += c[a &* M &+ a].re }
        let loading = trace * T.Lanes(repeating: 1e-6 / T(M)) + T.Lanes(repeating: T.leastNormalMagnitude * 1e8)
        for a in 0..<M { c[a &* M &+ a] += ComplexLanes(real: loading) }
    }

    /// Writes column k of A = W⁻¹ for the current targets, G (W_s G)⁻¹ e_k, into column k of
    /// `inverse` (M×M, row-major); zero in lanes where W_s C W_sᴴ is singular, which the IP step
    /// then turns away as a singular solve.
    @inline(__always)
    func steeringVector<let M: Int>(
        source k: Int, demixing w: UnsafePointer<ComplexLanes<T>>, into inverse: UnsafeMutablePointer<ComplexLanes<T>>,
        _: ChannelCount<M>
    ) {
        let K = sources, g = product.pointer, h = system.pointer, z = solution.pointer
        formProduct(demixing: w, ChannelCount<M>())
        for i in 0..<K {
            for j in 0..<K {
                var x = ComplexLanes<T>.zero
                for a in 0..<M { x += w[i &* M &+ a] * g[a &* K &+ j] }
                h[i &* K &+ j] = x
            }
            z[i] = i == k ? .one : .zero
        }
        let valid = LaneLinearSystem.solve(h, z, size: K, columns: 1)
        for a in 0..<M {
            var x = ComplexLanes<T>.zero
            for j in 0..<K { x += g[a &* K &+ j] * z[j] }
            inverse[a &* M &+ k] = ComplexLanes<T>.zero.selecting(x, where: valid)
        }
    }

    /// Rows K…M−1 of W become [J, −I] for the current targets; lanes where G₁ is singular keep
    /// their rows. Returns the lanes that were updated.
    @inline(__always)
    func placeBackground<let M: Int>(demixing w: UnsafeMutablePointer<ComplexLanes<T>>, _: ChannelCount<M>) -> T.LaneMask {
        let K = sources, B = M &- K, g = product.pointer, b = system.pointer, x = solution.pointer
        formProduct(demixing: w, ChannelCount<M>())
        // J G₁ = G₂, solved as G₁ᵀ Jᵀ = G₂ᵀ.
        for i in 0..<K {
            for j in 0..<K { b[i &* K &+ j] = g[j &* K &+ i] }
            for l in 0..<B { x[i &* B &+ l] = g[(K &+ l) &* K &+ i] }
        }
        var valid = LaneLinearSystem.solve(b, x, size: K, columns: B)
        for i in 0..<(K &* B) { valid = T.both(valid, x[i].isFinite) }
        let minusOne = ComplexLanes<T>.zero - .one
        for l in 0..<B {
            let row = w + (K &+ l) &* M
            for j in 0..<K { row[j] = row[j].selecting(x[j &* B &+ l], where: valid) }
            for j in K..<M { row[j] = row[j].selecting(j == K &+ l ? minusOne : .zero, where: valid) }
        }
        return valid
    }

    /// G = C W_sᴴ: G_aj = Σ_b C_ab conj(W_jb).
    @inline(__always)
    private func formProduct<let M: Int>(demixing w: UnsafePointer<ComplexLanes<T>>, _: ChannelCount<M>) {
        let K = sources, c = covariance.pointer, g = product.pointer
        for a in 0..<M {
            for j in 0..<K {
                var x = ComplexLanes<T>.zero
                for b in 0..<M { x += ComplexLanes.conjugateProduct(c[a &* M &+ b], w[j &* M &+ b]) }
                g[a &* K &+ j] = x.conjugate
            }
        }
    }
}

/// ILRMA's structure: each source's variance is a low-rank non-negative spectrogram on top of its
/// average spectrum, r_k(f, t) = s_k(f) Σ_l B_k(f, l) H_k(l, t), with L bases per source.
///
/// Online, the bases are refitted by the multiplicative (majorisation) update from statistics that
/// are accumulated with forgetting — frames leaving the re-iterated history are folded in once and
/// never revisited — while the activations of the frames still in the history are re-estimated at
/// every sweep with the bases fixed. Bases are kept at unit sum per column so that scale lives in
/// the activations and nothing drifts.
final class LowRankVarianceModel<T: EngineScalar>: SourceStructureModel {
    typealias Scalar = T
    /// Changed live by `OnlineSeparator.apply`; the bases' statistics do not depend on it.
    var density: SourceDensity
    let sources: Int
    let bins: Int
    let bases: Int
    private(set) var forgetting: T
    private let slots: Int
    /// B_k(f, l) at `(k * L + l) * F + f`.
    private let basis: EngineBuffer<T>
    /// H_k(l) of each history slot at `(slot * K + k) * L + l`.
    private let activation: EngineBuffer<T>
    /// Whitened output power p/s of each history slot, planar K×F, kept for the bases' statistics.
    private let slotPower: EngineBuffer<T>
    /// Forgotten past of the bases' update numerator Σ H p / r² and denominator Σ H / r.
    private let pastNumerator: EngineBuffer<T>
    private let pastDenominator: EngineBuffer<T>
    private let variance: EngineBuffer<T>
    /// Shared with the spherical model (see `OnlineSeparator`): after a switch from IVA the
    /// whitening, and so the warm-up weights, continue where IVA left them.
    private let envelope: SpectralEnvelope<T>
    private let envelopeValues: EngineBuffer<T>
    private let numerator: EngineBuffer<T>
    private let denominator: EngineBuffer<T>
    private var lastSlot = -1
    private var framesSeen = 0
    /// Frames during which the weights come from IVA's structure (the whitened frame activity)
    /// while the bases already learn: two forgetting time constants. Started cold, the NMF's
    /// early, poor fit steers the demixing into permutation errors it never leaves (dev corpus:
    /// 3.8 dB SDRi after 3 s cold, 6.9 warm; IVA 7.1). A switch from IVA restarts the model
    /// through the same warm-up.
    private var warmupFrames: Int
    /// Multiplicative activation steps on a new frame and on a re-sweep of a known one.
    private let freshSteps = 4
    private let resweepSteps = 1

    init(density: SourceDensity, envelope: SpectralEnvelope<T>, bases: Int, historySlots: Int, forgetting: Double) {
        self.density = density
        self.envelope = envelope
        sources = envelope.sources
        bins = envelope.bins
        self.bases = bases
        self.forgetting = T(forgetting)
        warmupFrames = Self.warmupFrames(forgetting: forgetting)
        slots = historySlots
        basis = EngineBuffer(sources * bases * bins)
        activation = EngineBuffer(historySlots * sources * bases)
        slotPower = EngineBuffer(historySlots * sources * bins)
        pastNumerator = EngineBuffer(sources * bases * bins)
        pastDenominator = EngineBuffer(sources * bases * bins)
        variance = EngineBuffer(bins)
        envelopeValues = EngineBuffer(bins)
        numerator = EngineBuffer(bases * bins)
        denominator = EngineBuffer(bases * bins)
        reset()
    }

    func reset() {
        // Deterministic, slightly different positive bases break the symmetry between components.
        // This generator (not `SplitMix64`) stays: its sequence is part of the separation output,
        // which the quality figures and the bit-exactness tests pin down.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let b = basis.pointer
        for i in 0..<basis.count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            b[i] = T(0.5) + T(Double(state >> 11) / Double(1 << 53))
        }
        // Each source's first basis is flat and never refitted: its activation is the source's
        // overall activity, which keeps all bins of a source coupled as in IVA, while the other
        // bases add spectral structure. Free bases alone can split the spectrum between sources
        // (a permutation error the online update cannot undo).
        for k in 0..<sources {
            (b + k &* bases &* bins).update(repeating: 1, count: bins)
        }
        normaliseBases()
        activation.zero()
        slotPower.zero()
        pastNumerator.zero()
        pastDenominator.zero()
        lastSlot = -1
        framesSeen = 0
    }

    /// The statistics already gathered keep their weights; only what comes next forgets at α.
    func setForgetting(_ alpha: Double) {
        forgetting = T(alpha)
        warmupFrames = Self.warmupFrames(forgetting: alpha)
    }

    private static func warmupFrames(forgetting alpha: Double) -> Int {
        Int((2 / (1 - alpha)).rounded())
    }

    /// The variance, envelope values and update statistics are per-call scratch.
    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(basis)
        transfer.buffer(activation)
        transfer.buffer(slotPower)
        transfer.buffer(pastNumerator)
        transfer.buffer(pastDenominator)
        transfer.integer(&lastSlot, in: -1...(slots - 1))
        transfer.counter(&framesSeen)
    }

    func computeWeights(power: UnsafePointer<T>, slot: Int, fresh: Bool, weights: UnsafeMutablePointer<T>) {
        if fresh { envelope.beginFrame() }
        let floorPower = T.leastNormalMagnitude * 1e6
        let s = envelopeValues.pointer, r = variance.pointer
        for k in 0..<sources {
            let raw = power + k &* bins
            if fresh { envelope.observe(power: raw, source: k) }
            envelope.envelope(source: k, into: s)
            // The NMF models the whitened spectrogram p/s (see SpectralEnvelope).
            let p = slotPower.pointer + (slot &* sources &+ k) &* bins
            var mean: T = 0
            for f in 0..<bins {
                p[f] = Swift.max(raw[f], floorPower) / s[f]
                mean += p[f]
            }
            mean /= T(bins)
            let h = activation.pointer + (slot &* sources &+ k) &* bases
            // Seeded activations are positive; zero marks a frame that was already in the
            // history when the model was (re)started, e.g. by a live switch from IVA.
            if fresh || h[0] == 0 { initialiseActivation(h, source: k, mean: mean) }
            for _ in 0..<(fresh ? freshSteps : resweepSteps) {
                updateActivation(h, source: k, power: p, mean: mean)
            }
            if framesSeen < warmupFrames {
                // The mean of the whitened power is IVA's frame activity (SphericalVarianceModel).
                let activity = Swift.max(mean, T(1e-6))
                for f in 0..<bins { r[f] = activity * s[f] }
            } else {
                modelVariance(h, source: k, mean: mean)
                for f in 0..<bins { r[f] *= s[f] }
            }
            density.weights(power: raw, variance: r, count: bins, into: weights + k &* bins)
        }
        if fresh {
            lastSlot = slot
            framesSeen &+= 1
        }
    }

    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<T>) {
        let n = numerator.pointer, d = denominator.pointer, B = basis.pointer
        let size = bases &* bins
        for k in 0..<sources {
            n.update(from: pastNumerator.pointer + k &* size, count: size)
            d.update(from: pastDenominator.pointer + k &* size, count: size)
            for i in 0..<slotCount {
                accumulate(slot: historySlots[i], source: k, coefficient: coefficients[i], numerator: n, denominator: d)
            }
            // Basis 0 stays flat (see `reset`): only the others learn spectral shapes.
            let b = B + k &* size
            for i in bins..<size where d[i] > 0 && n[i] > 0 {
                b[i] *= (n[i] / d[i]).squareRoot()
            }
        }
        normaliseBases()
    }

    func advance(retiring slot: Int?, coefficient: T) {
        decayPast()
        guard let slot else { return }
        let size = bases &* bins
        for k in 0..<sources {
            accumulate(slot: slot, source: k, coefficient: coefficient,
                       numerator: pastNumerator.pointer + k &* size, denominator: pastDenominator.pointer + k &* size)
        }
    }

    // MARK: - Steps

    private func decayPast() {
        let n = pastNumerator.pointer, d = pastDenominator.pointer
        for i in 0..<pastNumerator.count {
            n[i] *= forgetting
            d[i] *= forgetting
        }
    }

    private func initialiseActivation(_ h: UnsafeMutablePointer<T>, source k: Int, mean: T) {
        if lastSlot >= 0 {
            let previous = activation.pointer + (lastSlot &* sources &+ k) &* bases
            var total: T = 0
            for l in 0..<bases { total += previous[l] }
            if total > 0 {
                // Keep the previous frame's mix of bases, at the new frame's level.
                let scale = mean * T(bins) / total
                for l in 0..<bases { h[l] = Swift.max(previous[l] * scale, mean * 1e-3) }
                return
            }
        }
        for l in 0..<bases { h[l] = mean * T(bins) / T(bases) }
    }

    /// r(f) = Σ_l B(f, l) H(l), floored relative to the frame's mean power.
    private func modelVariance(_ h: UnsafePointer<T>, source k: Int, mean: T) {
        let r = variance.pointer
        let b = basis.pointer + k &* bases &* bins
        r.update(repeating: 0, count: bins)
        for l in 0..<bases {
            let hl = h[l]
            let bl = b + l &* bins
            for f in 0..<bins { r[f] += bl[f] * hl }
        }
        let floor = Swift.max(mean * 1e-3, T.leastNormalMagnitude * 1e6)
        for f in 0..<bins { r[f] = Swift.max(r[f], floor) }
    }

    /// IS-NMF majorisation step for one frame's activations with the bases fixed.
    private func updateActivation(_ h: UnsafeMutablePointer<T>, source k: Int, power p: UnsafePointer<T>, mean: T) {
        modelVariance(h, source: k, mean: mean)
        let r = variance.pointer
        let b = basis.pointer + k &* bases &* bins
        for l in 0..<bases {
            let bl = b + l &* bins
            var num: T = 0, den: T = 0
            for f in 0..<bins {
                let inverse = 1 / r[f]
                num += bl[f] * p[f] * inverse * inverse
                den += bl[f] * inverse
            }
            if den > 0, num > 0 { h[l] *= (num / den).squareRoot() }
        }
    }

    /// Adds one slot's contribution to the bases' statistics.
    private func accumulate(
        slot: Int, source k: Int, coefficient: T, numerator n: UnsafeMutablePointer<T>, denominator d: UnsafeMutablePointer<T>
    ) {
        let p = slotPower.pointer + (slot &* sources &+ k) &* bins
        let h = activation.pointer + (slot &* sources &+ k) &* bases
        var mean: T = 0
        for f in 0..<bins { mean += p[f] }
        modelVariance(h, source: k, mean: mean / T(bins))
        let r = variance.pointer
        for l in 0..<bases {
            let ch = coefficient * h[l]
            let nl = n + l &* bins, dl = d + l &* bins
            for f in 0..<bins {
                let inverse = 1 / r[f]
                nl[f] += ch * p[f] * inverse * inverse
                dl[f] += ch * inverse
            }
        }
    }

    /// Unit-sum columns; the scale moves into every slot's activations so r is unchanged.
    private func normaliseBases() {
        let b = basis.pointer, h = activation.pointer
        for k in 0..<sources {
            for l in 0..<bases {
                let bl = b + (k &* bases &+ l) &* bins
                var sum: T = 0
                for f in 0..<bins { sum += bl[f] }
                guard sum > 0, sum.isFinite else { continue }
                let inverse = 1 / sum
                for f in 0..<bins { bl[f] *= inverse }
                for s in 0..<slots { h[(s &* sources &+ k) &* bases &+ l] *= sum }
            }
        }
    }
}

/// Live parameter changes: what the control plane may change on a running engine, and what needs
/// a new one.
///
/// Every live field either is read afresh at each update (iterations, block, update rule,
/// loading), or is derived into buffers that `apply` rewrites in place (forgetting, source
/// density, algorithm). The demixing matrices, covariance statistics and history are never
/// touched, so the output continues without a glitch and without reconverging from identity.
extension OnlineSeparator {
    /// Keys (as `SeparatorConfiguration.validate()` names them) whose change from `old` to `new`
    /// needs a new engine: "channels", "sources", "frame", "hop", "history" and "bases" size its
    /// buffers. Every other field is live: "alpha", "iterations", "block", "update", "model",
    /// "algorithm", "reference_mic", "loading". Allocates: call it off the processing thread.
    public static func restartKeys(from old: SeparatorConfiguration, to new: SeparatorConfiguration) -> [String] {
        old.shapeKeys(differingFrom: new)
    }

    /// Switches to the live fields of `new`, between two `process` calls on the processing
    /// thread: no allocation, no lock. `new` must be valid (`validate()` off the thread).
    ///
    /// Returns false, and changes nothing, when `new` differs in a field that needs a restart
    /// (`restartKeys` is not empty): the caller checks that first and restarts instead.
    ///
    /// - Switching IVA → ILRMA restarts the NMF from its start-up state, with IVA's weights
    ///   during the warm-up while its bases learn, on the envelope IVA kept current; ILRMA → IVA
    ///   continues on that same envelope. Either way W and the statistics carry over.
    /// - A new reference microphone re-derives the projection-back scales from the current W at
    ///   once, so the very next output follows it.
    /// - A new α applies to what comes next; statistics already gathered keep their weights.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    @discardableResult
    public func apply(_ new: SeparatorConfiguration) -> Bool {
        guard configuration.hasSameShape(as: new) else { return false }
        let old = configuration
        adoptLiveParameters(of: new)
        switch (old.structure, new.structure) {
        case (.spherical, .lowRank): lowRank.reset()
        case (.spherical, .spherical), (.lowRank, .lowRank), (.lowRank, .spherical): break
        }
        if new.referenceMic != old.referenceMic {
            demixing.updateScales(reference: new.referenceMic)
        }
        if new.density != old.density {
            reweightHistory()
        }
        return true
    }

    /// Re-expresses the statistics in the new density's weight scale.
    ///
    /// The densities' weights differ in scale, not only in shape (Laplace φ ∝ r^−½, t and Gauss
    /// φ ∝ 1/r), and the covariances' past was gathered with the old ones: left alone, new
    /// frames would weigh far more or far less than the past for several time constants, as if α
    /// had jumped, and the demixing wandered off (t:50 → laplace on a 2×2 scene, five small
    /// settings: 6.2 dB mean SIR improvement after the switch; 7.9 with this; 9.2 for Laplace from
    /// the start; switches among t, Gauss and back to t lost nothing). So the history's weights are
    /// recomputed with the new density now, and each source's past in each bin is scaled by
    /// Σ c φ_new / Σ c φ_old over the history.
    private func reweightHistory() {
        let F = bins, K = sources
        let fresh = newWeightSums.pointer, stale = oldWeightSums.pointer
        fresh.update(repeating: 0, count: K &* F)
        stale.update(repeating: 0, count: K &* F)
        let yr = outRe.pointer, yi = outIm.pointer, p = power.pointer
        for i in 0..<history.count {
            let slot = history.order[i]
            // A frame not swept yet has no weights to compare with.
            guard !history.fresh[slot] else { continue }
            let c = forgettingPowers.pointer[i]
            let phi = weights.pointer + slot &* K &* F
            for j in 0..<(K &* F) { stale[j] += c * phi[j] }
            let offset = slot &* channels &* F
            demixing.demix(re: history.spectrumRe.pointer + offset, im: history.spectrumIm.pointer + offset,
                           intoRe: yr, intoIm: yi)
            for j in 0..<(K &* F) { p[j] = yr[j] * yr[j] + yi[j] * yi[j] }
            model.computeWeights(power: p, slot: slot, fresh: false, weights: phi)
            for j in 0..<(K &* F) { fresh[j] += c * phi[j] }
        }
        for j in 0..<(K &* F) {
            let ratio = fresh[j] / stale[j]
            fresh[j] = ratio.isFinite && ratio > 0 ? ratio : 1
        }
        covariances.rescalePast(by: fresh)
    }

    /// Takes `new` as the configuration and rewrites what is derived from its live fields; its
    /// shape must be this engine's. Shared by `init`, `apply` and `loadState`.
    func adoptLiveParameters(of new: SeparatorConfiguration) {
        configuration = new
        let R = new.history
        for i in 0...R { forgettingPowers.pointer[i] = T(Double.pow(new.forgetting, Double(i))) }
        lowRank.setForgetting(new.forgetting)
        let density = SourceDensity(new.density)
        spherical.density = density
        lowRank.density = density
        switch new.structure {
        case .spherical: model = .spherical(spherical)
        case .lowRank: model = .lowRank(lowRank)
        }
    }
}

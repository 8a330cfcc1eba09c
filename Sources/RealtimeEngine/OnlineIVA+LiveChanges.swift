/// Live parameter changes of the IVA family (which fields are live: `OnlineSeparator.restartKeys`).
///
/// Every live field either is read afresh at each update (iterations, block, update rule,
/// loading), or is derived into buffers that `apply` rewrites in place (forgetting, each source's
/// density and structure). The demixing matrices, covariance statistics and history are never
/// touched, so the output continues without a glitch and without reconverging from identity.
extension OnlineIVA {
    /// Switches to the live fields of `new` (same shape, valid), between two `learn` calls: no
    /// allocation, no lock. Returns whether the filters moved.
    ///
    /// - A source switched to another structure restarts it (e.g. spherical → low-rank: the NMF
    ///   from its start-up state, with the spherical variance during the warm-up while its bases
    ///   learn, on the envelope the spherical structure kept current); low-rank → spherical
    ///   continues on that same envelope. Either way W and the statistics carry over.
    /// - A new reference microphone re-derives the projection-back scales from the current W at
    ///   once, so the very next output follows it.
    /// - A new α applies to what comes next; statistics already gathered keep their weights.
    func apply(_ new: SeparatorConfiguration) -> Bool {
        let old = configuration
        adoptDerivedParameters(of: new)
        if models.adopt(new, restartingSwitched: true) {
            reweightHistory()
        }
        guard new.referenceMic != old.referenceMic else { return false }
        demixing.updateScales(reference: new.referenceMic)
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
            models.computeWeights(power: p, slot: slot, fresh: false, weights: phi)
            for j in 0..<(K &* F) { fresh[j] += c * phi[j] }
        }
        for j in 0..<(K &* F) {
            let ratio = fresh[j] / stale[j]
            fresh[j] = ratio.isFinite && ratio > 0 ? ratio : 1
        }
        covariances.rescalePast(by: fresh)
    }

    /// Takes `new` as the configuration and rewrites what is derived from its live fields; its
    /// shape must be this engine's. After a load: the structures are the saved ones, not restarted.
    func adoptLiveParameters(of new: SeparatorConfiguration) {
        adoptDerivedParameters(of: new)
        models.adopt(new, restartingSwitched: false)
    }

    /// The configuration and the forgetting powers; the source models are the caller's.
    private func adoptDerivedParameters(of new: SeparatorConfiguration) {
        configuration = new
        let R = new.history
        for i in 0...R { forgettingPowers.pointer[i] = T(Double.pow(new.forgetting, Double(i))) }
    }
}

/// What the IVA family shows the observation tap: each source's steering vector, the column of
/// the mixing matrix A = W⁻¹ that carries it to the microphones. No masks.
extension OnlineIVA {
    var producesMasks: Bool { false }
    var observedClusters: Int { 0 }

    /// Writes a_k(f) / A_ref,k(f) for every source k: the column of A (exact after every update,
    /// `DemixingMatrices.updateScales`) relative to the reference microphone, so that entry m's
    /// phase is the source's delay from the reference to microphone m and its magnitude the
    /// relative gain. A column without a reference entry has no direction: zeros.
    func observe(into observation: Observation<T>) {
        let K = sources, M = channels, F = bins
        let ar = demixing.inverseRe.pointer, ai = demixing.inverseIm.pointer
        let sr = observation.steeringRe.pointer, si = observation.steeringIm.pointer
        let reference = configuration.referenceMic
        for k in 0..<K { observation.structures[k] = models.activeStructure(source: k) }
        for k in 0..<K {
            let cr = ar + (reference &* M &+ k) &* F, ci = ai + (reference &* M &+ k) &* F
            for m in 0..<M {
                let xr = ar + (m &* M &+ k) &* F, xi = ai + (m &* M &+ k) &* F
                let yr = sr + (k &* M &+ m) &* F, yi = si + (k &* M &+ m) &* F
                for f in 0..<F {
                    // x / c; for m = reference this is exactly 1.
                    let norm = cr[f] * cr[f] + ci[f] * ci[f]
                    let re = (xr[f] * cr[f] + xi[f] * ci[f]) / norm
                    let im = (xi[f] * cr[f] - xr[f] * ci[f]) / norm
                    let defined = re.isFinite && im.isFinite
                    yr[f] = defined ? re : 0
                    yi[f] = defined ? im : 0
                }
            }
        }
    }
}

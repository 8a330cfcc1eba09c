import EngineParameters

/// Every source's model — a density over a structure, per source — and the part of it the engine
/// keeps for all structures: each source's average spectrum (`SpectralEnvelope`), which whitens
/// the power a structure sees and scales the variance it returns, and the density that turns power
/// and variance into the auxiliary weights φ of the demixing update.
///
/// Every registered structure is allocated for every source (`SourceStructureRegistry`), so a live
/// change of any source's structure or density only moves an index and a value.
final class SourceModels<T: EngineScalar> {
    let sources: Int
    let bins: Int
    let envelope: SpectralEnvelope<T>
    private let registry: SourceStructureRegistry<T>
    /// `structures[k][j]`: source k's instance of the registry's structure j.
    private let structures: [[any SourceStructureModel<T>]]
    /// Source k's structure (an index into the registry) and density.
    private var selected: [Int]
    private var densities: [SourceDensity]
    /// Whether source k's structure is the engine's choice (`SourceStructure.automatic`), and the
    /// choice: every registered structure runs beside such a source.
    private var automatic: [Bool]
    let choice: StructureChoice<T>
    /// Whether a new frame was swept since the last `finishSweep`: the candidates an automatic
    /// source is not using refit on new frames only.
    private var sweptNewFrame = false
    /// Per-source scratch: the envelope, the whitened power, the variance, a candidate's variance.
    private let spectrum: EngineBuffer<T>, whitened: EngineBuffer<T>, variance: EngineBuffer<T>, candidate: EngineBuffer<T>

    /// Every source's structure in `configuration` must be registered (`OnlineSeparator` checks).
    init(configuration: SeparatorConfiguration, registry: SourceStructureRegistry<T>) {
        sources = configuration.sources
        bins = configuration.frameLength / 2 + 1
        self.registry = registry
        envelope = SpectralEnvelope(sources: sources, bins: bins)
        structures = (0..<sources).map { [bins] k in
            let context = SourceStructureContext(source: k, bins: bins, historySlots: configuration.history,
                                                 bases: configuration.nmfBases, groups: configuration.groups,
                                                 forgetting: configuration.forgetting)
            return registry.makers.map { $0(context) }
        }
        selected = Array(repeating: 0, count: sources)
        densities = Array(repeating: .gaussian, count: sources)
        automatic = Array(repeating: false, count: sources)
        choice = StructureChoice(sources: sources, candidates: registry.structures.count, bins: bins,
                                 lag: configuration.frameLength / configuration.hop, initial: registry.index(of: StructureChoice<T>.initial) ?? 0)
        spectrum = EngineBuffer(bins); whitened = EngineBuffer(bins); variance = EngineBuffer(bins); candidate = EngineBuffer(bins)
        adopt(configuration, restartingSwitched: false)
    }

    /// Takes each source's structure and density and the forgetting factor from `configuration`.
    /// With `restartingSwitched`, a source whose structure changes starts the new one afresh (its
    /// statistics are from whenever it last ran); a loaded state needs no restart. Returns whether
    /// any density changed, which rescales the weights already gathered (`OnlineIVA.apply`).
    @discardableResult
    func adopt(_ configuration: SeparatorConfiguration, restartingSwitched: Bool) -> Bool {
        var densityChanged = false
        for k in 0..<sources {
            let model = configuration.sourceModel(k)
            if model.structure == .automatic {
                // Newly automatic: the choice starts from the initial candidate, restarted like
                // any switch; the other candidates start afresh as they begin to run.
                if restartingSwitched && !automatic[k] {
                    choice.restart(source: k)
                    for j in structures[k].indices where j != selected[k] { structures[k][j].reset() }
                }
                automatic[k] = true
            } else {
                automatic[k] = false
            }
            let index = automatic[k] ? choice.choice(source: k) : registry.index(of: model.structure) ?? selected[k]
            if restartingSwitched && index != selected[k] && !automatic[k] { structures[k][index].reset() }
            selected[k] = index
            let density = SourceDensity(model.density)
            if density != densities[k] { densityChanged = true }
            densities[k] = density
            for j in structures[k].indices { structures[k][j].setForgetting(configuration.forgetting) }
        }
        return densityChanged
    }

    /// Fills the weights φ_k(f) (planar K×F) of history slot `slot` from its output powers
    /// |y_k(f)|² (planar K×F). `fresh` is true on the first sweep over a newly arrived frame.
    func computeWeights(power: UnsafePointer<T>, slot: Int, fresh: Bool, weights: UnsafeMutablePointer<T>) {
        if fresh { envelope.beginFrame() }
        let floorPower = T.leastNormalMagnitude * 1e6
        let s = spectrum.pointer, w = whitened.pointer, r = variance.pointer
        for k in 0..<sources {
            let p = power + k &* bins
            if fresh { envelope.observe(power: p, source: k) }
            envelope.envelope(source: k, into: s)
            for f in 0..<bins { w[f] = Swift.max(p[f], floorPower) / s[f] }
            let level = fresh && automatic[k] ? runCandidates(source: k, whitenedPower: w, slot: slot) : nil
            structures[k][selected[k]].variance(whitenedPower: w, slot: slot, fresh: fresh, into: r)
            if let level { choice.keep(source: k, candidate: selected[k], variance: r, level: level) }
            for f in 0..<bins { r[f] *= s[f] }
            densities[k].weights(power: p, variance: r, count: bins, into: weights + k &* bins)
        }
    }

    /// An automatic source's new frame: scores every candidate's prediction of it, perhaps moves
    /// the source to another candidate (`StructureChoice`), and lets every candidate but the one
    /// in use (which the caller runs) take the frame, keeping its variance for the next score.
    /// Returns the frame's level g, which the caller keeps the chosen candidate's variance at.
    private func runCandidates(source k: Int, whitenedPower w: UnsafePointer<T>, slot: Int) -> T {
        sweptNewFrame = true
        let level = SphericalStructure<T>.activity(whitenedPower: w, bins: bins)
        selected[k] = choice.score(source: k, whitenedPower: w, level: level, density: densities[k], scratch: candidate.pointer)
        for j in structures[k].indices where j != selected[k] {
            structures[k][j].variance(whitenedPower: w, slot: slot, fresh: true, into: candidate.pointer)
            choice.keep(source: k, candidate: j, variance: candidate.pointer, level: level)
        }
        return level
    }

    /// Ends a sweep over the history (`SourceStructureModel.finishSweep`); an automatic source's
    /// other candidates too, after a sweep that saw a new frame.
    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<T>) {
        for k in 0..<sources {
            for j in structures[k].indices where j == selected[k] || (automatic[k] && sweptNewFrame) {
                structures[k][j].finishSweep(historySlots: historySlots, slotCount: slotCount, coefficients: coefficients)
            }
        }
        sweptNewFrame = false
    }

    /// A new frame has arrived (`SourceStructureModel.advance`): every candidate of an automatic
    /// source.
    func advance(retiring slot: Int?, coefficient: T) {
        for k in 0..<sources {
            for j in structures[k].indices where j == selected[k] || automatic[k] {
                structures[k][j].advance(retiring: slot, coefficient: coefficient)
            }
        }
    }

    /// The structure source k uses now: its own, or the automatic choice's current candidate.
    func activeStructure(source k: Int) -> SourceStructure {
        registry.structures[selected[k]]
    }

    func reset() {
        envelope.reset()
        choice.reset()
        for k in 0..<sources {
            for j in structures[k].indices { structures[k][j].reset() }
            if automatic[k] { selected[k] = choice.choice(source: k) }
        }
    }

    /// The envelope, then every source's structures in registry order. Index loops, not `for in`
    /// over the existentials: that allocated an iterator in debug builds.
    func transferState(_ transfer: inout StateTransfer<T>) {
        envelope.transferState(&transfer)
        for k in 0..<sources { for j in structures[k].indices { structures[k][j].transferState(&transfer) } }
        choice.transferState(&transfer)
    }
}

import EngineParameters

/// The per-source automatic choice of structure (`SourceStructure.automatic`): which of the
/// registered structures predicts each source best, decided online with hysteresis.
///
/// Every candidate runs beside the source (`SourceModels` feeds it each new frame), so each has an
/// up-to-date variance ready and a switch costs no restart. The score is predictive, not a fit: a
/// candidate's variance shape from the last frame that does not overlap the new one (`lag` frames
/// back: frame / hop), at the new frame's level g, is scored on the new frame by the source's own
/// density (`SourceDensity.cost`, the negative log-likelihood the weights majorise), with every
/// variance floored at 1 % of g so that no candidate earns much by predicting silence in a quiet
/// bin. A fit to the frame itself would always elect the most flexible structure (the sparse one
/// reproduces every bin's power), and so would the overlapping frame before it; predicting a
/// frame of new samples rewards structure that persists — a note's partials, a pitch track, a
/// low-rank spectrum — and a model without such structure wins where nothing persists. Only frames
/// in which the source is active count (level g, its power over its average spectrum, at least
/// `activeLevel`): in a pause, or before a late talker starts, an output holds the others'
/// leakage, and predicting that says nothing of the source. Scores are smoothed (`smoothing`); a
/// source moves to another candidate only when it leads the current one by `margin` nats per bin
/// for `dwell` scored frames in a row, and not before `warmup` scored frames, while the
/// candidates' own statistics are young.
final class StructureChoice<T: EngineScalar> {
    let sources: Int
    let candidates: Int
    let bins: Int
    /// Smoothed predictive cost per bin, `k * J + j`.
    private let scores: EngineBuffer<T>
    /// Each candidate's variance of the source's last `lag` frames over each frame's level g,
    /// `((k * J + j) * lag + frame % lag) * F + f`.
    private let shapes: EngineBuffer<T>
    let lag: Int
    /// Per source: the candidate in use, frames seen and frames scored (active), the candidate
    /// leading it and for how many scored frames, and the switches made.
    private var chosen: [Int]
    private var scored: [Int]
    private var counted: [Int]
    private var leader: [Int]
    private var leading: [Int]
    private(set) var switches: [Int]
    private let initialChoice: Int

    /// Score smoothing: the new frame's cost weighs 1 − `smoothing`.
    static var smoothing: T { T(0.9) }
    static var margin: T { T(0.01) }
    static var dwell: Int { 8 }
    static var warmup: Int { 32 }
    static var activeLevel: T { T(0.25) }

    /// The structure an automatic source starts with and keeps unless another predicts it clearly
    /// better: the harmonic one, which scored at least as well as every other structure held for
    /// all sources on the dev corpus and both validation splits (docs/source-models.md).
    static var initial: SourceStructure { .harmonic }

    /// `initial` is the index of the candidate a source starts with.
    init(sources: Int, candidates: Int, bins: Int, lag: Int, initial: Int) {
        self.sources = sources
        self.candidates = candidates
        self.bins = bins
        self.lag = Swift.max(lag, 1)
        scores = EngineBuffer(sources * candidates)
        shapes = EngineBuffer(sources * candidates * self.lag * bins)
        chosen = Array(repeating: initial, count: sources)
        scored = Array(repeating: 0, count: sources)
        counted = Array(repeating: 0, count: sources)
        leader = Array(repeating: initial, count: sources)
        leading = Array(repeating: 0, count: sources)
        switches = Array(repeating: 0, count: sources)
        initialChoice = initial
    }

    /// The candidate source k uses.
    func choice(source k: Int) -> Int { chosen[k] }

    /// Scores every candidate's prediction of source k's new frame (whitened power `p`, level
    /// `level`) under `density`, and moves the source to a clearly better candidate. Returns the
    /// candidate to use for this frame.
    func score(source k: Int, whitenedPower p: UnsafePointer<T>, level: T, density: SourceDensity,
               scratch: UnsafeMutablePointer<T>) -> Int {
        let J = candidates, F = bins
        let s = scores.pointer + k &* J
        if scored[k] >= lag && level >= Self.activeLevel {
            let floor = T(0.01)
            for j in 0..<J {
                let shape = self.shape(source: k, candidate: j, frame: scored[k])
                for f in 0..<F { scratch[f] = Swift.max(shape[f], floor) * level }
                let cost = density.cost(power: p, variance: scratch, count: F) / T(F)
                guard cost.isFinite else { continue }
                s[j] = counted[k] == 0 ? cost : Self.smoothing * s[j] + (1 - Self.smoothing) * cost
            }
            counted[k] &+= 1
            decide(source: k)
        }
        scored[k] &+= 1
        return chosen[k]
    }

    /// Keeps candidate j's variance `r` of source k's new frame, at level `level`, for the next
    /// frame's score.
    func keep(source k: Int, candidate j: Int, variance r: UnsafePointer<T>, level: T) {
        let shape = self.shape(source: k, candidate: j, frame: scored[k] &- 1)
        let inverse = 1 / level
        for f in 0..<bins { shape[f] = r[f] * inverse }
    }

    /// Where frame `frame`'s shape is kept: the place of the frame `lag` before it, which it
    /// replaces once scored.
    private func shape(source k: Int, candidate j: Int, frame: Int) -> UnsafeMutablePointer<T> {
        shapes.pointer + ((k &* candidates &+ j) &* lag &+ frame % lag) &* bins
    }

    private func decide(source k: Int) {
        guard counted[k] > Self.warmup else { return }
        let s = scores.pointer + k &* candidates
        var best = chosen[k]
        for j in 0..<candidates where s[j] < s[best] { best = j }
        guard best != chosen[k], s[chosen[k]] - s[best] > Self.margin else {
            leading[k] = 0
            return
        }
        if best == leader[k] { leading[k] &+= 1 } else { leader[k] = best; leading[k] = 1 }
        if leading[k] >= Self.dwell {
            chosen[k] = best
            switches[k] &+= 1
            leading[k] = 0
        }
    }

    /// Source k starts again from the initial candidate (a reset, or `auto` newly chosen).
    func restart(source k: Int) {
        chosen[k] = initialChoice
        scored[k] = 0
        counted[k] = 0
        leader[k] = initialChoice
        leading[k] = 0
        let s = scores.pointer + k &* candidates
        s.update(repeating: 0, count: candidates)
    }

    func reset() {
        for k in 0..<sources {
            restart(source: k)
            switches[k] = 0
        }
        shapes.zero()
    }

    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(scores)
        transfer.buffer(shapes)
        for k in 0..<sources {
            transfer.integer(&chosen[k], in: 0...(candidates - 1))
            transfer.counter(&scored[k])
            transfer.counter(&counted[k])
            transfer.integer(&leader[k], in: 0...(candidates - 1))
            transfer.counter(&leading[k])
            transfer.counter(&switches[k])
        }
    }
}

import Foundation

/// A harmonic structure for voiced speech and pitched instruments: the frame's variance is a comb
/// of harmonics on its fundamental frequency f0, over the frame's activity,
///
///     r̃(f) = g · ((1 − v) + v · C(f) / mean C),
///
/// with g the spherical activity (`SphericalStructure`), C a comb of Gaussian lobes at h·f0 over a
/// small floor, and v ∈ [0, `maximumVoicing`] how voiced the frame is. An unvoiced frame (v = 0)
/// is spherical, so the structure never does worse than IVA by much where there is no pitch.
///
/// f0 and v are estimated on a newly arrived frame, by harmonic contrast on the log whitened
/// power: summed over harmonics, log p̃ around h·f0 minus log p̃ half-way to the next, around
/// (h + ½)·f0 (each the largest value within half a step of the candidate grid, which grows with
/// h). Summing harmonics alone would favour f0/2, whose harmonics include all of f0's; the
/// contrast does not, since f0's harmonics are f0/2's valleys. A mean contrast would tie f0 with
/// its multiples (every other harmonic is still a peak); the sum prefers the f0 that explains
/// them all. The voicing comes from the winner's mean contrast per harmonic. Re-sweeps of a frame keep its f0 and
/// v and update the level g. The pitch range is a fixed share of the band, as the engine knows no
/// sample rate: fundamentals from 1/160 to 1/8 of Nyquist (50 Hz to 1 kHz at 16 kHz), harmonics up
/// to half of Nyquist, where they are still resolved; the comb is flat above.
///
/// The comb is fitted by a search, not by minimising the cost; the theory's guarantee of a
/// non-increasing cost does not cover this structure.
final class HarmonicStructure<T: EngineScalar>: SourceStructureModel {
    typealias Scalar = T
    let bins: Int
    private let slots: Int
    /// Candidate fundamentals, in bins, spaced 1/36 octave; half a step, relative.
    private static var gridHalfStep: T { T(0.0097) }
    private let candidates: [T]
    /// The highest bin a harmonic is placed in.
    private let harmonicLimit: Int
    /// Per history slot its f0 (bins) and voicing.
    private let fundamental: EngineBuffer<T>
    private let voicing: EngineBuffer<T>
    /// Per history slot its comb C below `harmonicLimit` (`slot * limit + f`) and Σ_f C(f) over
    /// all bins.
    private let slotComb: EngineBuffer<T>
    private let combSum: EngineBuffer<T>
    /// log p̃ of the frame being searched.
    private let logPower: EngineBuffer<T>
    /// The share of a fully voiced frame's variance that the comb shapes.
    static var maximumVoicing: T { T(0.8) }
    /// Harmonic contrast (nats) below which a frame counts as unvoiced, and the contrast over it
    /// at which it is fully voiced.
    static var contrastThreshold: T { T(0.5) }
    static var contrastSpan: T { T(3) }
    /// The comb between harmonics, relative to a lobe's peak of 1.
    static var combFloor: T { T(0.05) }

    init(_ context: SourceStructureContext) {
        bins = context.bins
        slots = context.historySlots
        let nyquist = Double(context.bins - 1)
        let lowest = Swift.max(2, nyquist / 160), highest = nyquist / 8
        let steps = Int((Foundation.log2(highest / lowest) * 36).rounded(.down))
        candidates = (0...steps).map { T(lowest * Double.pow(2, Double($0) / 36)) }
        harmonicLimit = context.bins / 2
        fundamental = EngineBuffer(slots)
        voicing = EngineBuffer(slots)
        slotComb = EngineBuffer(slots * (context.bins / 2))
        combSum = EngineBuffer(slots)
        logPower = EngineBuffer(context.bins)
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func variance(whitenedPower p: UnsafePointer<T>, slot: Int, fresh: Bool, into r: UnsafeMutablePointer<T>) {
        if fresh { estimatePitch(p, slot: slot) }
        let g = SphericalStructure<T>.activity(whitenedPower: p, bins: bins)
        let v = voicing.pointer[slot]
        guard v > 0 else {
            r.update(repeating: g, count: bins)
            return
        }
        // g ((1 − v) + v C / mean C), from the slot's comb below the limit as its pitch search
        // built it: a re-sweep costs one pass over the bins, as the spherical structure's does
        // (rebuilding the lobes, an exponential per bin they cover, cost 35 % more CPU than spherical).
        let scale = g * v * T(bins) / combSum.pointer[slot], base = g * (1 - v)
        let c = slotComb.pointer + slot &* harmonicLimit
        for f in 0..<harmonicLimit { r[f] = base + scale * c[f] }
        r.advanced(by: harmonicLimit).update(repeating: base + scale, count: bins &- harmonicLimit)
    }

    /// f0 and voicing of slot `slot` from its whitened power.
    private func estimatePitch(_ p: UnsafePointer<T>, slot: Int) {
        let l = logPower.pointer
        for f in 0..<bins { l[f] = T.log(p[f]) }
        let limit = T(harmonicLimit)
        var best: T = -.infinity, bestCount: T = 1, bestF0: T = 0
        candidates.withUnsafeBufferPointer { c in
            for f0 in c {
                var contrast: T = 0, count: T = 0
                var h: T = 1
                while (h + 0.5) * f0 < limit {
                    contrast += Self.largest(l, around: h * f0) - Self.largest(l, around: (h + 0.5) * f0)
                    count += 1
                    h += 1
                }
                guard count >= 2 else { continue }
                if contrast > best { best = contrast; bestCount = count; bestF0 = f0 }
            }
        }
        let v = (best / bestCount - Self.contrastThreshold) / Self.contrastSpan
        // No candidate with a finite contrast (a frame of zeros somewhere, whose log is −∞): no
        // pitch, and no comb to build (a zero f0 would place every harmonic at bin 0).
        guard bestF0 > 0, v.isFinite else {
            fundamental.pointer[slot] = 0
            voicing.pointer[slot] = 0
            return
        }
        fundamental.pointer[slot] = bestF0
        voicing.pointer[slot] = Swift.min(Swift.max(v, 0), Self.maximumVoicing)
        let c = slotComb.pointer + slot &* harmonicLimit
        c.update(repeating: Self.combFloor, count: harmonicLimit)
        addLobes(fundamental: bestF0, into: c)
        var sum = T(bins &- harmonicLimit)
        for f in 0..<harmonicLimit { sum += c[f] }
        combSum.pointer[slot] = sum
    }

    /// The largest of `l` within half a grid step of `centre` (at least a bin either side).
    @inline(__always)
    private static func largest(_ l: UnsafePointer<T>, around centre: T) -> T {
        let reach = Swift.max(1, centre * gridHalfStep)
        var peak = -T.infinity
        for f in Int((centre - reach).rounded())...Int((centre + reach).rounded()) { peak = Swift.max(peak, l[f]) }
        return peak
    }

    /// The comb C(f) is `combFloor` plus a Gaussian lobe at each harmonic below `harmonicLimit`,
    /// its width growing with the harmonic number (real harmonics drift from h·f0); 1 above the
    /// limit. This adds the lobes to `c` (the bins below the limit).
    private func addLobes(fundamental f0: T, into c: UnsafeMutablePointer<T>) {
        guard f0 > 0 else { return }
        var h: T = 1
        while h * f0 < T(harmonicLimit) {
            let centre = h * f0
            let sigma = 0.6 + T(0.01) * centre
            let reach = Int((3 * sigma).rounded(.up))
            let middle = Int(centre.rounded())
            for f in Swift.max(0, middle &- reach)...Swift.min(harmonicLimit &- 1, middle &+ reach) {
                let d = (T(f) - centre) / sigma
                c[f] += T.exp(-0.5 * d * d)
            }
            h += 1
        }
    }

    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<T>) {}

    func advance(retiring slot: Int?, coefficient: T) {}

    func setForgetting(_ alpha: Double) {}

    func reset() {
        fundamental.zero()
        voicing.zero()
        slotComb.zero()
        combSum.zero()
    }

    /// Each slot's pitch, voicing and comb: what a re-sweep of a frame in the history reuses.
    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(fundamental)
        transfer.buffer(voicing)
        transfer.buffer(slotComb)
        transfer.buffer(combSum)
    }
}

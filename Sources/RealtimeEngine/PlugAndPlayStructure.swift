/// A plug-and-play structure: the source's variance is its recent whitened power spectrogram
/// passed through a denoising operator, here a 3 × 3 time–frequency median (the frame before and
/// after, the bin below and above), drawn towards the frame's activity like the sparse structure:
///
///     r̃(f, t) = (D[p̃](f, t) + κ·g(t)) / (2 + κ),   κ = `GroupSparseStructure.coupling`.
///
/// The operator is the plug: the median keeps a note's onset and a harmonic's ridge where a mean
/// smears them, and ignores a lone outlier bin, which is what makes a separated source's
/// spectrogram look like a source (Yatabe & Kitamura's plug-and-play determined BSS puts a
/// denoiser in place of a proximal step; here it stands in the variance step). A learned
/// operator would take the same place. A median is not the minimiser of any cost this engine
/// states, so unlike the Gaussian sparse structure the theory's guarantee of a non-increasing
/// cost does not cover it.
///
/// The frames before and after come from the re-iterated history, through each slot's arrival
/// number: the newest frame has no frame after it and the oldest none before, so those use
/// their own power in its place.
final class PlugAndPlayStructure<T: EngineScalar>: SourceStructureModel {
    typealias Scalar = T
    let bins: Int
    private let slots: Int
    /// p̃ of each history slot as last seen, `slot * F + f`.
    private let slotPower: EngineBuffer<T>
    /// Each slot's arrival number (−1: empty), and the next number to give.
    private var arrival: [Int]
    private var arrivals = 0
    /// The median across time at each bin, before the median across frequency.
    private let acrossTime: EngineBuffer<T>

    init(_ context: SourceStructureContext) {
        bins = context.bins
        slots = context.historySlots
        slotPower = EngineBuffer(slots * bins)
        arrival = Array(repeating: -1, count: slots)
        acrossTime = EngineBuffer(bins)
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func variance(whitenedPower p: UnsafePointer<T>, slot: Int, fresh: Bool, into r: UnsafeMutablePointer<T>) {
        let own = slotPower.pointer + slot &* bins
        own.update(from: p, count: bins)
        if fresh || arrival[slot] < 0 {
            arrival[slot] = arrivals
            arrivals &+= 1
        }
        let before = neighbour(of: slot, offset: -1) ?? own, after = neighbour(of: slot, offset: 1) ?? own
        // A separable median (time, then frequency) rather than the median of all nine: like it,
        // it keeps ridges and onsets and drops a lone outlier, for a third of the comparisons.
        let t = acrossTime.pointer
        for f in 0..<bins { t[f] = Self.median(before[f], own[f], after[f]) }
        let g = SphericalStructure<T>.activity(whitenedPower: p, bins: bins)
        let kappa = GroupSparseStructure<T>.coupling
        let scale = 1 / (2 + kappa), prior = kappa * g
        let last = bins &- 1
        for f in 0..<bins {
            let denoised = Self.median(t[Swift.max(f &- 1, 0)], t[f], t[Swift.min(f &+ 1, last)])
            r[f] = (denoised + prior) * scale
        }
    }

    /// The power of the slot that arrived `offset` frames from `slot`'s, if it is still held.
    private func neighbour(of slot: Int, offset: Int) -> UnsafeMutablePointer<T>? {
        let wanted = arrival[slot] &+ offset
        guard wanted >= 0 else { return nil }
        for s in 0..<slots where arrival[s] == wanted { return slotPower.pointer + s &* bins }
        return nil
    }

    @inline(__always)
    private static func median(_ a: T, _ b: T, _ c: T) -> T {
        Swift.max(Swift.min(a, b), Swift.min(Swift.max(a, b), c))
    }

    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<T>) {}

    /// The retiring slot's number is cleared, so the frame that takes its place is not mistaken
    /// for a neighbour of the one before.
    func advance(retiring slot: Int?, coefficient: T) {
        if let slot { arrival[slot] = -1 }
    }

    func setForgetting(_ alpha: Double) {}

    func reset() {
        slotPower.zero()
        for s in 0..<slots { arrival[s] = -1 }
        arrivals = 0
    }

    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(slotPower)
        for s in 0..<slots { transfer.integer(&arrival[s], in: -1...Int.max) }
        transfer.counter(&arrivals)
    }
}

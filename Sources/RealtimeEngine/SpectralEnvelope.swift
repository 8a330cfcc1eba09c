/// Each source's slowly varying average power spectrum s_k(f), the reference that output powers
/// are compared with.
///
/// The demixing update fixes every bin's output scale only up to the weights, and the weights
/// come from the model of the outputs: a model fitted to raw powers can chase its own scale and
/// drift. Models that see powers divided by s_k(f) — a running mean of the very same powers — are
/// blind to per-bin scale, so the loop has nothing to drift along; and every bin weighs equally in
/// deciding whether a source is active, not just the few loud low-frequency bins.
final class SpectralEnvelope<T: EngineScalar> {
    let sources: Int
    let bins: Int
    private let mean: EngineBuffer<T>
    private var frames = 0
    /// Frames of memory once the start-up average has filled.
    private let memory = 32

    init(sources: Int, bins: Int) {
        self.sources = sources
        self.bins = bins
        mean = EngineBuffer(sources * bins)
    }

    func reset() {
        mean.zero()
        frames = 0
    }

    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(mean)
        transfer.counter(&frames)
    }

    /// Starts a new frame: the next `observe` calls average it in.
    func beginFrame() {
        frames &+= 1
    }

    /// Averages one frame's powers of source k into s_k (a growing mean at start-up, then
    /// exponential).
    func observe(power p: UnsafePointer<T>, source k: Int) {
        let rate = T(1) / T(Swift.min(Swift.max(frames, 1), memory))
        let s = mean.pointer + k &* bins
        for f in 0..<bins { s[f] += rate * (p[f] - s[f]) }
    }

    /// Writes s_k(f), floored at 10⁻³ of its mean over bins so that bins a source never reaches
    /// do not get huge weights.
    func envelope(source k: Int, into out: UnsafeMutablePointer<T>) {
        let s = mean.pointer + k &* bins
        var total: T = 0
        for f in 0..<bins { total += s[f] }
        let floor = Swift.max(total / T(bins) * T(1e-3), T.leastNormalMagnitude * 1e6)
        for f in 0..<bins { out[f] = Swift.max(s[f], floor) }
    }
}

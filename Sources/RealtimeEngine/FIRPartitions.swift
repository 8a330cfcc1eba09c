/// A bank of K×M FIR filters in the form the partitioned convolution multiplies: each filter of
/// L taps cut into P = L / B partitions of B taps, each zero-padded to 2B and transformed
/// (B + 1 complex bins), with the inverse transform's 1 / 2B folded in.
///
/// Partition p of filter (k, m) is at `((k * M + m) * P + p) * (B + 1)`: for one output the
/// convolution walks its filters' partitions in order, contiguously.
final class FIRPartitions<T: EngineScalar>: TripleBufferSlot {
    let sources: Int
    let channels: Int
    let partitions: Int
    let bins: Int
    let re: EngineBuffer<T>
    let im: EngineBuffer<T>
    /// Stamped by the exchange that publishes it; 0 for a bank never published (silence).
    var version: UInt64 = 0

    init(sources: Int, channels: Int, taps: Int, block: Int) {
        self.sources = sources
        self.channels = channels
        partitions = taps / block
        bins = block + 1
        re = EngineBuffer(sources * channels * partitions * bins)
        im = EngineBuffer(sources * channels * partitions * bins)
    }

    /// Takes `other`'s filters and version (the renderer keeps its own copies, so the exchange can
    /// reuse its slots while a fade still needs the old bank).
    func assign(_ other: FIRPartitions<T>) {
        re.pointer.update(from: other.re.pointer, count: re.count)
        im.pointer.update(from: other.im.pointer, count: im.count)
        version = other.version
    }
}

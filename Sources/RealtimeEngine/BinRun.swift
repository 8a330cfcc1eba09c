/// Up to `T.Lanes.scalarCount` consecutive bins, moved between the engine's structure-of-arrays
/// buffers and lane vectors.
///
/// A full run is one unaligned vector load or store per entry. The last run is short whenever
/// the lane count does not divide the bin count (always: it is N/2 + 1): its missing lanes load as
/// zero, are never stored, and are left out of anything counted (`countRejected`).
struct BinRun<T: EngineScalar> {
    /// First bin.
    let start: Int
    /// Bins in the run.
    let count: Int
    /// Index of entry 0 of the first bin, and the distance between two entries of one bin.
    private let origin: Int
    private let stride: Int

    /// The run from bin `start` of buffers that hold entry e of bin f at `e * bins + f`.
    @inline(__always)
    init(start: Int, bins: Int) {
        self.start = start
        count = Swift.min(T.Lanes.scalarCount, bins - start)
        origin = start
        stride = bins
    }

    @inline(__always)
    private init(start: Int, count: Int, origin: Int, stride: Int) {
        self.start = start
        self.count = count
        self.origin = origin
        self.stride = stride
    }

    /// The same bins in buffers stored in blocks of `blockBins` bins, each block holding all
    /// `entries` entries of its bins: entry e of bin f at `((f / blockBins) * entries + e) *
    /// blockBins + f % blockBins`. The run must not straddle two blocks.
    @inline(__always)
    func inBlocks(of blockBins: Int, entries: Int) -> BinRun {
        let block = start / blockBins
        return BinRun(start: start, count: count, origin: block &* entries &* blockBins &+ (start &- block &* blockBins),
                      stride: blockBins)
    }

    @inline(__always)
    func load(_ p: UnsafePointer<T>, entry: Int) -> T.Lanes {
        T.loadLanes(p + (entry &* stride &+ origin), count: count)
    }

    @inline(__always)
    func store(_ v: T.Lanes, _ p: UnsafeMutablePointer<T>, entry: Int) {
        T.storeLanes(v, to: p + (entry &* stride &+ origin), count: count)
    }

    @inline(__always)
    func load(re: UnsafePointer<T>, im: UnsafePointer<T>, entry: Int) -> ComplexLanes<T> {
        ComplexLanes(re: load(re, entry: entry), im: load(im, entry: entry))
    }

    @inline(__always)
    func store(_ z: ComplexLanes<T>, re: UnsafeMutablePointer<T>, im: UnsafeMutablePointer<T>, entry: Int) {
        store(z.re, re, entry: entry)
        store(z.im, im, entry: entry)
    }

    /// Lanes of the run where `mask` is false: how many bins a guard turned away.
    @inline(__always)
    func countRejected(_ mask: T.LaneMask) -> Int {
        if T.all(mask) { return 0 }
        var rejected = 0
        for l in 0..<count where !mask[l] { rejected &+= 1 }
        return rejected
    }
}

extension EngineScalar {
    /// `count` (at most `Lanes.scalarCount`) consecutive scalars from `p`; missing lanes are zero.
    @inline(__always)
    static func loadLanes(_ p: UnsafePointer<Self>, count: Int) -> Lanes {
        if count == Lanes.scalarCount { return UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }
        var v = Lanes()
        for l in 0..<count { v[l] = p[l] }
        return v
    }

    /// The first `count` lanes of `v` to consecutive scalars at `p`.
    @inline(__always)
    static func storeLanes(_ v: Lanes, to p: UnsafeMutablePointer<Self>, count: Int) {
        if count == Lanes.scalarCount {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
        } else {
            for l in 0..<count { p[l] = v[l] }
        }
    }
}

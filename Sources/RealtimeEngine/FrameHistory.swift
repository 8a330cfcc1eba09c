/// The last R mixture frames, whose auxiliary weights are recomputed at every update.
///
/// Re-iterating a short history with the current demixing, rather than weighting each frame once
/// with the estimate of its own time, is what lets an online separator approach the offline one
/// (measured on the dev corpus: +1.6 dB after 3 s together with a heavy-tailed model; README,
/// "Measured quality"). Each slot keeps its spectrum; the outer products x xᴴ that the weighted
/// covariances are built from are formed on demand, one pair of channels and one block of bins at
/// a time (`formProduct`). Stored for every bin they would be (M + 1)/2 times the spectra, and
/// streaming them from memory at every rebuild cost more than the one complex multiply that
/// recomputes them in cache.
final class FrameHistory<T: EngineScalar> {
    let capacity: Int
    let channels: Int
    let bins: Int
    /// Spectrum of each slot, planar M×F: `(slot * M + m) * F + f`.
    let spectrumRe: EngineBuffer<T>
    let spectrumIm: EngineBuffer<T>
    /// Bins per block of products: a multiple of every lane count, and small enough that the
    /// products of all slots for one block stay in L1 while they are used.
    static var blockBins: Int { 32 }
    /// x_a conj(x_b) of one pair of channels over one block of bins, one row per slot or age
    /// (`row * blockBins + f`), as the caller of `formProduct` chose.
    let productRe: EngineBuffer<T>
    let productIm: EngineBuffer<T>
    /// Slots from newest (index 0) to oldest.
    let order: UnsafeMutablePointer<Int>
    /// Slots that have not been through a sweep yet.
    let fresh: UnsafeMutablePointer<Bool>
    private(set) var count = 0
    private var newest = -1

    init(capacity: Int, channels: Int, bins: Int) {
        self.capacity = capacity
        self.channels = channels
        self.bins = bins
        spectrumRe = EngineBuffer(capacity * channels * bins)
        spectrumIm = EngineBuffer(capacity * channels * bins)
        productRe = EngineBuffer(capacity * Self.blockBins)
        productIm = EngineBuffer(capacity * Self.blockBins)
        order = .allocate(capacity: capacity)
        order.initialize(repeating: 0, count: capacity)
        fresh = .allocate(capacity: capacity)
        fresh.initialize(repeating: false, count: capacity)
    }

    deinit {
        order.deallocate()
        fresh.deallocate()
    }

    func reset() {
        count = 0
        newest = -1
    }

    /// The products are scratch, refilled before every use; everything else is state.
    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(spectrumRe)
        transfer.buffer(spectrumIm)
        transfer.integers(order, count: capacity, in: 0...(capacity - 1))
        transfer.flags(fresh, count: capacity)
        transfer.integer(&count, in: 0...capacity)
        transfer.integer(&newest, in: -1...(capacity - 1))
    }

    /// The slot the next frame will overwrite when the history is full, i.e. the frame retiring.
    var retiringSlot: Int? { count == capacity ? order[capacity - 1] : nil }

    /// Stores a new frame (planar M×F) as the newest slot and returns that slot.
    @discardableResult
    func push(re: UnsafePointer<T>, im: UnsafePointer<T>) -> Int {
        let slot = (newest + 1) % capacity
        newest = slot
        if count < capacity { count += 1 }
        var i = count - 1
        while i > 0 {
            order[i] = order[i - 1]
            i -= 1
        }
        order[0] = slot
        fresh[slot] = true
        let size = channels &* bins
        let xr = spectrumRe.pointer + slot &* size, xi = spectrumIm.pointer + slot &* size
        xr.update(from: re, count: size)
        xi.update(from: im, count: size)
        return slot
    }

    /// scale · x_a conj(x_b) of `slot` over bins start..<start+count (count ≤ blockBins) into row
    /// `row` of the products.
    @inline(__always)
    func formProduct(channels a: Int, _ b: Int, slot: Int, start: Int, count: Int, scale: T, row: Int) {
        let x = slot &* channels &* bins &+ start
        let ar = spectrumRe.pointer + (x &+ a &* bins), ai = spectrumIm.pointer + (x &+ a &* bins)
        let br = spectrumRe.pointer + (x &+ b &* bins), bi = spectrumIm.pointer + (x &+ b &* bins)
        let orr = productRe.pointer + row &* Self.blockBins, oi = productIm.pointer + row &* Self.blockBins
        for f in 0..<count {
            orr[f] = scale * (ar[f] * br[f] + ai[f] * bi[f])
            oi[f] = scale * (ai[f] * br[f] - ar[f] * bi[f])
        }
    }
}

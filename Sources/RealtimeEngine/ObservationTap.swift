import Synchronization

/// The engine's read-only port to observers: every `interval` hops the processing thread fills a
/// snapshot (`Observation`) and publishes it through a `TripleBuffer`, out of which readers on
/// other threads copy without ever making the processing thread wait.
///
/// A snapshot costs the processing thread K×M×F complex multiply-adds (the outputs' spectrum),
/// K×F square roots, and whatever the family writes (IVA: K×M×F complex divisions), once per
/// `interval` hops; nothing is allocated after `init`.
final class ObservationTap<T: EngineScalar> {
    /// Hops between two snapshots.
    let interval: Int
    /// Hops until the next snapshot.
    private var countdown: Int
    private let snapshots: TripleBuffer<Observation<T>>
    /// Serialises readers, since the triple buffer has one reader side. Only readers take it,
    /// never the processing thread.
    private let readers = Mutex<Void>(())
    /// The outputs' spectrum, planar K×F, on its way to magnitudes.
    private let outRe: EngineBuffer<T>, outIm: EngineBuffer<T>

    /// `make` allocates one snapshot of the engine's shape; the tap keeps three.
    init(interval: Int, make: () -> Observation<T>) {
        precondition(interval >= 1, "an observation interval is at least one hop")
        self.interval = interval
        countdown = interval
        snapshots = TripleBuffer(make)
        let size = snapshots.writable.sources * snapshots.writable.bins
        outRe = EngineBuffer(size)
        outIm = EngineBuffer(size)
    }

    /// Counts a hop on the processing thread; true when this hop is to be observed.
    func isDue() -> Bool {
        countdown &-= 1
        guard countdown == 0 else { return false }
        countdown = interval
        return true
    }

    /// Counts from the start again, as a fresh engine does (`OnlineSeparator.reset`).
    func restart() {
        countdown = interval
    }

    /// The snapshot the processing thread fills; it must write every entry before `publish`.
    var writable: Observation<T> { snapshots.writable }

    /// Writes |y_k(f)| of y = G x, the frame `re`/`im` (planar M×F) through the filters the
    /// output stage rendered it with, into the writable snapshot.
    func recordOutputSpectra(re: UnsafePointer<T>, im: UnsafePointer<T>, through filters: SeparationFilters<T>) {
        let yr = outRe.pointer, yi = outIm.pointer, magnitudes = snapshots.writable.magnitudes.pointer
        filters.apply(re: re, im: im, intoRe: yr, intoIm: yi)
        for i in 0..<outRe.count { magnitudes[i] = (yr[i] * yr[i] + yi[i] * yi[i]).squareRoot() }
    }

    /// Stamps the writable snapshot with the engine frame it shows and hands it to the readers.
    func publish(frame: Int) {
        snapshots.writable.frame = frame
        snapshots.publish()
    }

    /// Copies the latest snapshot into `observation` when it is newer than what that holds; from
    /// any thread, concurrently with the processing thread.
    func read(into observation: Observation<T>) -> Bool {
        readers.withLock { _ in
            let latest = snapshots.latest
            guard latest.version != 0, latest.version != observation.version else { return false }
            observation.copy(from: latest)
            return true
        }
    }
}

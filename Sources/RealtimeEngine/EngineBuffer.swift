/// A zero-initialised block of scalars allocated once at set-up and freed with its owner.
///
/// The hot loops take `pointer` into a local and index it directly: no bounds checks, no
/// copy-on-write, no retain traffic per access, and nothing is allocated after start-up.
final class EngineBuffer<T: EngineScalar> {
    let pointer: UnsafeMutablePointer<T>
    let count: Int

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        pointer.deallocate()
    }

    func zero() {
        pointer.update(repeating: 0, count: count)
    }
}

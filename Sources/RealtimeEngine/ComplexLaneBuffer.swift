/// Scratch matrices for one `BinRun`, allocated once at set-up like `EngineBuffer`.
///
/// The per-bin updates copy a run's entries in here, work on them in L1, and copy them back, so
/// the kernels index a small contiguous array instead of entries a whole spectrum apart.
final class ComplexLaneBuffer<T: EngineScalar> {
    let pointer: UnsafeMutablePointer<ComplexLanes<T>>
    let count: Int

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: .zero, count: max(count, 1))
    }

    deinit {
        pointer.deallocate()
    }
}

import Synchronization

/// A fixed number of `Atomic<Int>` side by side, allocated once: the shape shared by the
/// block-time histogram, the per-source levels and the output routes, which the audio threads
/// publish and the control plane reads without locks. (`Atomic` is non-copyable, so a Swift
/// array of them is not possible.)
public final class AtomicRow: Sendable {
    public let count: Int
    private nonisolated(unsafe) let storage: UnsafeMutablePointer<Atomic<Int>>

    public init(count: Int, initialValue: Int = 0) {
        self.count = count
        storage = .allocate(capacity: max(count, 1))
        for index in 0..<max(count, 1) { (storage + index).initialize(to: Atomic(initialValue)) }
    }

    deinit {
        storage.deinitialize(count: max(count, 1))
        storage.deallocate()
    }

    public func load(_ index: Int) -> Int {
        storage[index].load(ordering: .relaxed)
    }

    public func store(_ index: Int, _ value: Int) {
        storage[index].store(value, ordering: .relaxed)
    }

    /// Adds from the row's single writer: a load and a store, cheaper than a read-modify-write.
    public func increment(_ index: Int) {
        storage[index].store(storage[index].load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }

    /// All values, for the reader (each loaded separately).
    public func values() -> [Int] {
        (0..<count).map(load)
    }
}

/// One walk over the engine's learnt state, in a fixed order, that either measures it, copies it
/// out to a `SeparatorState`'s flat storage, checks stored values, or copies them back in.
///
/// Each stateful component lists its state once, in its `transferState(_:)`; saving and loading
/// are then the same walk in two directions, so the two can never disagree about the layout, and
/// adding a buffer to a component adds it to the saved state. Scalars and integers go to two
/// separate arrays: the scalars are `T` (the engine's precision), the integers are counters and
/// indices kept as `Int64` whatever the platform.
struct StateTransfer<T: EngineScalar> {
    enum Direction {
        /// Only counts, to size a `SeparatorState` for an engine.
        case measure
        /// Engine → storage.
        case save
        /// Storage → nothing: checks that every stored integer is in its range, so that a load
        /// that would index out of bounds is refused before anything is overwritten.
        case verify
        /// Storage → engine; only after a `verify` walk over the same storage succeeded.
        case load
    }

    let direction: Direction
    private let scalarStorage: UnsafeMutablePointer<T>?
    private let integerStorage: UnsafeMutablePointer<Int64>?
    private(set) var scalarCount = 0
    private(set) var integerCount = 0
    /// False once a `verify` walk met an integer outside its range.
    private(set) var isValid = true

    /// A walk over storage that holds exactly what a `measure` walk of the same engine counted.
    init(_ direction: Direction, scalars: UnsafeMutablePointer<T>?, integers: UnsafeMutablePointer<Int64>?) {
        self.direction = direction
        scalarStorage = scalars
        integerStorage = integers
    }

    static var measuring: Self { Self(.measure, scalars: nil, integers: nil) }

    mutating func scalars(_ values: UnsafeMutablePointer<T>, count: Int) {
        switch direction {
        case .measure, .verify: break
        case .save: (scalarStorage.unsafelyUnwrapped + scalarCount).update(from: values, count: count)
        case .load: values.update(from: scalarStorage.unsafelyUnwrapped + scalarCount, count: count)
        }
        scalarCount &+= count
    }

    mutating func buffer(_ buffer: EngineBuffer<T>) {
        scalars(buffer.pointer, count: buffer.count)
    }

    mutating func scalar(_ value: inout T) {
        withUnsafeMutablePointer(to: &value) { scalars($0, count: 1) }
    }

    /// `range` is what the owner can index with the value without going out of bounds.
    mutating func integer(_ value: inout Int, in range: ClosedRange<Int>) {
        let stored = integerStorage.map { $0 + integerCount }
        switch direction {
        case .measure: break
        case .save: stored.unsafelyUnwrapped.pointee = Int64(value)
        case .verify:
            let v = stored.unsafelyUnwrapped.pointee
            if v < Int64(range.lowerBound) || v > Int64(range.upperBound) { isValid = false }
        case .load: value = Int(stored.unsafelyUnwrapped.pointee)
        }
        integerCount &+= 1
    }

    mutating func integers(_ values: UnsafeMutablePointer<Int>, count: Int, in range: ClosedRange<Int>) {
        for i in 0..<count { integer(&values[i], in: range) }
    }

    mutating func flags(_ values: UnsafeMutablePointer<Bool>, count: Int) {
        for i in 0..<count {
            var bit = values[i] ? 1 : 0
            integer(&bit, in: 0...1)
            values[i] = bit == 1
        }
    }

    /// A counter that only ever grows from zero.
    mutating func counter(_ value: inout Int) {
        integer(&value, in: 0...Int.max)
    }
}

import EngineParameters
@testable import RealtimeEngine

/// A structure that exists only in the tests, to show what adding one takes: this file, plus the
/// one registry line in `SourceStructureRegistry.testing`. Its variance is the source's average
/// spectrum alone (r̃ = 1): a stationary model, which separates nothing by itself but must meet
/// every promise of the engine (`EngineConformanceTests` runs it with the built-in ones).
final class FlatTestStructure<T: EngineScalar>: SourceStructureModel {
    typealias Scalar = T
    let bins: Int

    init(_ context: SourceStructureContext) {
        bins = context.bins
    }

    func variance(whitenedPower: UnsafePointer<T>, slot: Int, fresh: Bool, into variance: UnsafeMutablePointer<T>) {
        variance.update(repeating: 1, count: bins)
    }

    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<T>) {}
    func advance(retiring slot: Int?, coefficient: T) {}
    func setForgetting(_ alpha: Double) {}
    func reset() {}
    func transferState(_ transfer: inout StateTransfer<T>) {}
}

extension SourceStructure {
    static let flat = SourceStructure("flat")
}

extension SourceStructureRegistry {
    /// The built-in structures and the tests' own.
    static var testing: Self {
        var registry = Self.builtIn
        registry.register(.flat, FlatTestStructure<T>.init)
        return registry
    }
}

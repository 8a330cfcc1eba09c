import Foundation

/// The sample and arithmetic type of the engine: `Float` or `Double`.
///
/// The engine is generic so that one code path serves both precisions; the few operations that
/// `BinaryFloatingPoint` lacks (and that libm provides per type) are requirements here.
/// Hot entry points carry `@_specialize` for both conformers so that calls from other modules
/// never fall back to unspecialised generic code.
public protocol EngineScalar: BinaryFloatingPoint, Sendable {
    static func pow(_ x: Self, _ y: Self) -> Self
    static func log(_ x: Self) -> Self
    static func exp(_ x: Self) -> Self
    /// Relative precision that the engine's guards and loadings are scaled by.
    static var engineEpsilon: Self { get }
}

extension Double: EngineScalar {
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static var engineEpsilon: Double { 1e-12 }
}

extension Float: EngineScalar {
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
    @inlinable public static var engineEpsilon: Float { 1e-6 }
}

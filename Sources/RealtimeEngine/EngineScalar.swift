import Foundation

/// The sample and arithmetic type of the engine: `Float` or `Double`.
///
/// The engine is generic so that one code path serves both precisions; the one operation that
/// `BinaryFloatingPoint` lacks and libm provides per type (`pow`, `log`, `exp`) are requirements here.
/// Hot entry points carry `@_specialize` for both conformers so that calls from other modules
/// never fall back to unspecialised generic code. (`SIMDScalar` and `Codable` are what `SIMD`
/// asks of the scalars of `Lanes`.)
public protocol EngineScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable {
    static func pow(_ x: Self, _ y: Self) -> Self
    /// Natural logarithm and exponential.
    static func log(_ x: Self) -> Self
    static func exp(_ x: Self) -> Self

    /// Consecutive frequency bins held in one SIMD vector. The per-bin updates run the same small
    /// matrix arithmetic in every bin, so they process `Lanes.scalarCount` bins per instruction
    /// instead of one (see `ComplexLanes`).
    associatedtype Lanes: SIMD where Lanes.Scalar == Self
    typealias LaneMask = SIMDMask<Lanes.MaskStorage>

    // Lane-wise comparisons and blends. Swift's generic `SIMD` API implements these one lane at a
    // time, which through a generic `Lanes` compiles to scalar compares and stores into the mask
    // (measured: the guards then cost more than the arithmetic they guard); on the concrete vector
    // types they are single instructions, so each conformer implements them there
    // (LaneOperations.swift).

    /// Lanes where low < x ≤ high; NaN lanes are outside.
    static func mask(_ x: Lanes, above low: Lanes, atMost high: Lanes) -> LaneMask
    /// Lanes where x > y.
    static func mask(_ x: Lanes, greaterThan y: Lanes) -> LaneMask
    /// Lanes where x is neither infinite nor NaN.
    static func finiteMask(_ x: Lanes) -> LaneMask
    /// Lanes set in both masks.
    static func both(_ a: LaneMask, _ b: LaneMask) -> LaneMask
    /// True when every lane of `mask` is set.
    static func all(_ mask: LaneMask) -> Bool
    /// True when some lane of `mask` is set.
    static func any(_ mask: LaneMask) -> Bool
    /// `y` in the lanes of `mask`, `x` elsewhere.
    static func select(_ y: Lanes, where mask: LaneMask, else x: Lanes) -> Lanes
}

// 32 bytes of lanes: one AVX2 register, two SSE2 ones. Twice that measured slower on the
// baseline x86-64 target (register spills) and barely faster with AVX-512.
extension Double: EngineScalar {
    public typealias Lanes = SIMD4<Double>
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
}

extension Float: EngineScalar {
    public typealias Lanes = SIMD8<Float>
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
}

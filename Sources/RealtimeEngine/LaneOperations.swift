/// The lane-wise requirements of `EngineScalar`, written on the concrete vector types so that
/// they compile to one compare or blend instruction each (see the protocol for why).
extension Double {
    @inline(__always)
    public static func mask(_ x: Lanes, above low: Lanes, atMost high: Lanes) -> LaneMask { x .> low .& x .<= high }

    @inline(__always)
    public static func mask(_ x: Lanes, greaterThan y: Lanes) -> LaneMask { x .> y }

    /// x − x is 0 exactly for finite x and NaN otherwise.
    @inline(__always)
    public static func finiteMask(_ x: Lanes) -> LaneMask { (x - x) .== 0 }

    @inline(__always)
    public static func both(_ a: LaneMask, _ b: LaneMask) -> LaneMask { a .& b }

    @inline(__always)
    public static func all(_ mask: LaneMask) -> Bool { Swift.all(mask) }

    @inline(__always)
    public static func any(_ mask: LaneMask) -> Bool { Swift.any(mask) }

    @inline(__always)
    public static func select(_ y: Lanes, where mask: LaneMask, else x: Lanes) -> Lanes { x.replacing(with: y, where: mask) }
}

extension Float {
    @inline(__always)
    public static func mask(_ x: Lanes, above low: Lanes, atMost high: Lanes) -> LaneMask { x .> low .& x .<= high }

    @inline(__always)
    public static func mask(_ x: Lanes, greaterThan y: Lanes) -> LaneMask { x .> y }

    /// x − x is 0 exactly for finite x and NaN otherwise.
    @inline(__always)
    public static func finiteMask(_ x: Lanes) -> LaneMask { (x - x) .== 0 }

    @inline(__always)
    public static func both(_ a: LaneMask, _ b: LaneMask) -> LaneMask { a .& b }

    @inline(__always)
    public static func all(_ mask: LaneMask) -> Bool { Swift.all(mask) }

    @inline(__always)
    public static func any(_ mask: LaneMask) -> Bool { Swift.any(mask) }

    @inline(__always)
    public static func select(_ y: Lanes, where mask: LaneMask, else x: Lanes) -> Lanes { x.replacing(with: y, where: mask) }
}

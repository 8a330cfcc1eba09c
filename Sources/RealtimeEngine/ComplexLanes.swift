/// One complex number per SIMD lane: an entry of a small per-bin matrix at `T.Lanes.scalarCount`
/// consecutive bins.
///
/// The demixing updates are the same short sequence of complex operations in every bin, with no
/// data-dependent control flow once pivoting is replaced by masks. Writing them once over
/// `ComplexLanes` runs that sequence on several bins per instruction; after specialisation a value
/// is a vector of real parts and a vector of imaginary parts, split as in the buffers.
struct ComplexLanes<T: EngineScalar> {
    var re: T.Lanes
    var im: T.Lanes

    @inline(__always)
    init(re: T.Lanes, im: T.Lanes) {
        self.re = re
        self.im = im
    }

    /// A real value in every lane.
    @inline(__always)
    init(real: T.Lanes) {
        re = real
        im = T.Lanes()
    }

    @inline(__always)
    static var zero: Self { Self(re: T.Lanes(), im: T.Lanes()) }

    @inline(__always)
    static var one: Self { Self(re: T.Lanes(repeating: 1), im: T.Lanes()) }

    @inline(__always)
    var conjugate: Self { Self(re: re, im: -im) }

    @inline(__always)
    var magnitudeSquared: T.Lanes { re * re + im * im }

    @inline(__always)
    static func + (a: Self, b: Self) -> Self { Self(re: a.re + b.re, im: a.im + b.im) }

    @inline(__always)
    static func - (a: Self, b: Self) -> Self { Self(re: a.re - b.re, im: a.im - b.im) }

    @inline(__always)
    static func * (a: Self, b: Self) -> Self {
        Self(re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re)
    }

    @inline(__always)
    static func * (a: Self, s: T.Lanes) -> Self { Self(re: a.re * s, im: a.im * s) }

    @inline(__always)
    static func += (a: inout Self, b: Self) { a = a + b }

    @inline(__always)
    static func -= (a: inout Self, b: Self) { a = a - b }

    /// conj(a) · b, the building block of Hermitian products.
    @inline(__always)
    static func conjugateProduct(_ a: Self, _ b: Self) -> Self {
        Self(re: a.re * b.re + a.im * b.im, im: a.re * b.im - a.im * b.re)
    }

    /// 1 / self (lanes with a zero value become non-finite; callers mask them first).
    @inline(__always)
    var reciprocal: Self {
        let scale = 1 / magnitudeSquared
        return Self(re: re * scale, im: -im * scale)
    }

    /// Lanes where both parts are finite.
    @inline(__always)
    var isFinite: T.LaneMask { T.both(T.finiteMask(re), T.finiteMask(im)) }

    /// `other` in the lanes of `mask`, self elsewhere.
    @inline(__always)
    func selecting(_ other: Self, where mask: T.LaneMask) -> Self {
        Self(re: T.select(other.re, where: mask, else: re), im: T.select(other.im, where: mask, else: im))
    }
}

/// B X = Y for one `BinRun` of small complex systems (B n×n, Y n×r, both row-major lane scratch),
/// by Gauss–Jordan elimination: B is reduced to I in place while Y becomes X.
///
/// The partial pivoting that a general B needs (a W may be close to a permutation) is done per
/// lane by masked row swaps, each row below the pivot swapping up when its entry is larger, so
/// every lane takes the same steps; a swap that no lane wants is skipped. Inlined, a caller with a
/// constant n gets the loops unrolled as if they were written for its size.
enum LaneLinearSystem<T: EngineScalar> {
    /// Returns the lanes whose pivots were all regular; the others hold garbage in `x`, which the
    /// caller must not use.
    @inline(__always)
    static func solve(
        _ b: UnsafeMutablePointer<ComplexLanes<T>>, _ x: UnsafeMutablePointer<ComplexLanes<T>>, size n: Int, columns r: Int
    ) -> T.LaneMask {
        let tiny = T.Lanes(repeating: T.leastNormalMagnitude), huge = T.Lanes(repeating: T.greatestFiniteMagnitude)
        var valid = T.LaneMask(repeating: true)
        for c in 0..<n {
            for row in (c &+ 1)..<n {
                let larger = T.mask(b[row &* n &+ c].magnitudeSquared, greaterThan: b[c &* n &+ c].magnitudeSquared)
                guard T.any(larger) else { continue }
                for j in c..<n { swapLanes(b + (c &* n &+ j), b + (row &* n &+ j), where: larger) }
                for j in 0..<r { swapLanes(x + (c &* r &+ j), x + (row &* r &+ j), where: larger) }
            }
            let pivot = b[c &* n &+ c]
            let magnitude = pivot.magnitudeSquared
            let regular = T.mask(magnitude, above: tiny, atMost: huge)
            valid = T.both(valid, regular)
            let inverse = ComplexLanes<T>.one.selecting(pivot, where: regular).reciprocal
            for j in (c &+ 1)..<n { b[c &* n &+ j] = b[c &* n &+ j] * inverse }
            for j in 0..<r { x[c &* r &+ j] = x[c &* r &+ j] * inverse }
            for row in 0..<n where row != c {
                let factor = b[row &* n &+ c]
                for j in (c &+ 1)..<n { b[row &* n &+ j] -= factor * b[c &* n &+ j] }
                for j in 0..<r { x[row &* r &+ j] -= factor * x[c &* r &+ j] }
            }
        }
        return valid
    }

    @inline(__always)
    private static func swapLanes(
        _ p: UnsafeMutablePointer<ComplexLanes<T>>, _ q: UnsafeMutablePointer<ComplexLanes<T>>,
        where mask: T.LaneMask
    ) {
        let a = p.pointee, b = q.pointee
        p.pointee = a.selecting(b, where: mask)
        q.pointee = b.selecting(a, where: mask)
    }
}

/// Solves A z = b in place for one small dense complex system (n ≤ 8), by Gaussian elimination
/// with partial pivoting: the per-bin matrices W V_k and Wᵀ are not Hermitian, and an unpivoted
/// solve loses accuracy as soon as a source falls silent in a bin.
///
/// `a` is row-major n×n split into real and imaginary parts; on return `b` holds z. Returns false
/// (and leaves garbage) when a pivot is zero or not finite, so the caller can keep its old value.
@inline(__always)
func solveComplexSystem<T: EngineScalar>(
    aRe: UnsafeMutablePointer<T>, aIm: UnsafeMutablePointer<T>,
    bRe: UnsafeMutablePointer<T>, bIm: UnsafeMutablePointer<T>, n: Int
) -> Bool {
    for column in 0..<n {
        var pivot = column
        var best: T = -1
        for row in column..<n {
            let i = row &* n &+ column
            let magnitude = aRe[i] * aRe[i] + aIm[i] * aIm[i]
            if magnitude > best {
                best = magnitude
                pivot = row
            }
        }
        guard best > T.leastNormalMagnitude, best.isFinite else { return false }
        if pivot != column {
            for j in 0..<n {
                swap(&aRe[pivot &* n &+ j], &aRe[column &* n &+ j])
                swap(&aIm[pivot &* n &+ j], &aIm[column &* n &+ j])
            }
            swap(&bRe[pivot], &bRe[column])
            swap(&bIm[pivot], &bIm[column])
        }
        let d = column &* n &+ column
        let inverseRe = aRe[d] / best, inverseIm = -aIm[d] / best
        for row in (column + 1)..<n {
            let r = row &* n &+ column
            let factorRe = aRe[r] * inverseRe - aIm[r] * inverseIm
            let factorIm = aRe[r] * inverseIm + aIm[r] * inverseRe
            for j in (column + 1)..<n {
                let p = column &* n &+ j, q = row &* n &+ j
                aRe[q] -= factorRe * aRe[p] - factorIm * aIm[p]
                aIm[q] -= factorRe * aIm[p] + factorIm * aRe[p]
            }
            bRe[row] -= factorRe * bRe[column] - factorIm * bIm[column]
            bIm[row] -= factorRe * bIm[column] + factorIm * bRe[column]
        }
    }
    var row = n - 1
    while row >= 0 {
        var sRe = bRe[row], sIm = bIm[row]
        for j in (row + 1)..<n {
            let p = row &* n &+ j
            sRe -= aRe[p] * bRe[j] - aIm[p] * bIm[j]
            sIm -= aRe[p] * bIm[j] + aIm[p] * bRe[j]
        }
        let d = row &* n &+ row
        let magnitude = aRe[d] * aRe[d] + aIm[d] * aIm[d]
        bRe[row] = (sRe * aRe[d] + sIm * aIm[d]) / magnitude
        bIm[row] = (sIm * aRe[d] - sRe * aIm[d]) / magnitude
        row -= 1
    }
    return true
}

/// One sweep of the demixing update over every bin: each source's row of W(f) is moved to the
/// minimum of its auxiliary function Σ_k w_kᴴ V_k w_k − log |det W|², by iterative projection
/// (IP: an M×M solve per source) or iterative source steering (ISS: rank-one steps that need no
/// inversion). Both touch one bin at a time with its matrices gathered into small scratch arrays.
final class DemixingUpdate<T: EngineScalar> {
    let channels: Int
    let bins: Int
    private let pairIndex: UnsafeMutablePointer<Int>
    private let wRe: EngineBuffer<T>, wIm: EngineBuffer<T>
    private let vRe: EngineBuffer<T>, vIm: EngineBuffer<T>
    private let aRe: EngineBuffer<T>, aIm: EngineBuffer<T>
    private let zRe: EngineBuffer<T>, zIm: EngineBuffer<T>
    private let steerRe: EngineBuffer<T>, steerIm: EngineBuffer<T>
    /// Bins whose update produced a non-finite W and were reset to the identity.
    private(set) var binResets = 0
    /// Source updates skipped because the system was singular.
    private(set) var singularSolves = 0

    init(channels: Int, bins: Int) {
        self.channels = channels
        self.bins = bins
        let M = channels
        pairIndex = .allocate(capacity: M * M)
        var pair = 0
        for a in 0..<M {
            for b in a..<M {
                pairIndex[a * M + b] = pair
                pairIndex[b * M + a] = pair
                pair += 1
            }
        }
        wRe = EngineBuffer(M * M); wIm = EngineBuffer(M * M)
        vRe = EngineBuffer(M * M * M); vIm = EngineBuffer(M * M * M)
        aRe = EngineBuffer(M * M); aIm = EngineBuffer(M * M)
        zRe = EngineBuffer(M); zIm = EngineBuffer(M)
        steerRe = EngineBuffer(M); steerIm = EngineBuffer(M)
    }

    deinit {
        pairIndex.deallocate()
    }

    func resetCounters() {
        binResets = 0
        singularSolves = 0
    }

    func sweep(rule: SeparatorConfiguration.UpdateRule, demixing: DemixingMatrices<T>, covariances: WeightedCovariances<T>) {
        let M = channels, F = bins
        let WR = demixing.re.pointer, WI = demixing.im.pointer
        let w = wRe.pointer, wi = wIm.pointer
        for f in 0..<F {
            for i in 0..<(M &* M) {
                w[i] = WR[i &* F &+ f]
                wi[i] = WI[i &* F &+ f]
            }
            gatherCovariances(covariances, bin: f)
            switch rule {
            case .ip: iterativeProjection()
            case .iss: sourceSteering()
            }
            var finite = true
            for i in 0..<(M &* M) where !(w[i].isFinite && wi[i].isFinite) { finite = false }
            if finite {
                for i in 0..<(M &* M) {
                    WR[i &* F &+ f] = w[i]
                    WI[i &* F &+ f] = wi[i]
                }
            } else {
                demixing.resetBin(f)
                binResets &+= 1
            }
        }
    }

    /// Full Hermitian V_k(f) for every source into `v` at `(k * M + a) * M + b`.
    @inline(__always)
    private func gatherCovariances(_ covariances: WeightedCovariances<T>, bin f: Int) {
        let M = channels, F = bins, P = covariances.pairs
        let cr = covariances.re.pointer, ci = covariances.im.pointer
        let vr = vRe.pointer, vi = vIm.pointer
        for k in 0..<M {
            for a in 0..<M {
                for b in 0..<M {
                    let index = (k &* P &+ pairIndex[a &* M &+ b]) &* F &+ f
                    let target = (k &* M &+ a) &* M &+ b
                    vr[target] = cr[index]
                    // The stored triangle holds a ≤ b; the lower one is its conjugate.
                    vi[target] = a <= b ? ci[index] : -ci[index]
                }
            }
        }
    }

    /// w_k = (W V_k)⁻¹ e_k, then w_k /= √(w_kᴴ V_k w_k); row k of W becomes w_kᴴ.
    @inline(__always)
    private func iterativeProjection() {
        let M = channels
        let w = wRe.pointer, wi = wIm.pointer, a = aRe.pointer, ai = aIm.pointer, z = zRe.pointer, zi = zIm.pointer
        for k in 0..<M {
            let vr = vRe.pointer + k &* M &* M, vi = vIm.pointer + k &* M &* M
            for i in 0..<M {
                for j in 0..<M {
                    var sr: T = 0, si: T = 0
                    for l in 0..<M {
                        let p = i &* M &+ l, q = l &* M &+ j
                        sr += w[p] * vr[q] - wi[p] * vi[q]
                        si += w[p] * vi[q] + wi[p] * vr[q]
                    }
                    a[i &* M &+ j] = sr
                    ai[i &* M &+ j] = si
                }
                z[i] = i == k ? 1 : 0
                zi[i] = 0
            }
            guard solveComplexSystem(aRe: a, aIm: ai, bRe: z, bIm: zi, n: M) else {
                singularSolves &+= 1
                continue
            }
            let norm = quadraticForm(vr, vi, z, zi)
            guard norm > T.leastNormalMagnitude, norm.isFinite else {
                singularSolves &+= 1
                continue
            }
            let inverse = 1 / norm.squareRoot()
            for j in 0..<M {
                w[k &* M &+ j] = z[j] * inverse
                wi[k &* M &+ j] = -zi[j] * inverse
            }
        }
    }

    /// For each k: y_j ← y_j − v_j y_k with v_j = (w_jᴴ V_j w_k)/(w_kᴴ V_j w_k), and
    /// v_k = 1 − (w_kᴴ V_k w_k)^(−1/2) (Scheibler & Ono 2020).
    @inline(__always)
    private func sourceSteering() {
        let M = channels
        let w = wRe.pointer, wi = wIm.pointer, u = zRe.pointer, ui = zIm.pointer
        let s = steerRe.pointer, si = steerIm.pointer
        for k in 0..<M {
            var valid = true
            for j in 0..<M {
                let vr = vRe.pointer + j &* M &* M, vi = vIm.pointer + j &* M &* M
                // u = V_j conj(W_k,:)
                for a in 0..<M {
                    var sr: T = 0, sI: T = 0
                    for b in 0..<M {
                        let q = a &* M &+ b, p = k &* M &+ b
                        sr += vr[q] * w[p] + vi[q] * wi[p]
                        sI += vi[q] * w[p] - vr[q] * wi[p]
                    }
                    u[a] = sr
                    ui[a] = sI
                }
                var denominator: T = 0
                for a in 0..<M {
                    let p = k &* M &+ a
                    denominator += w[p] * u[a] - wi[p] * ui[a]
                }
                guard denominator > T.leastNormalMagnitude, denominator.isFinite else {
                    valid = false
                    break
                }
                if j == k {
                    s[j] = 1 - 1 / denominator.squareRoot()
                    si[j] = 0
                } else {
                    var nr: T = 0, nI: T = 0
                    for a in 0..<M {
                        let p = j &* M &+ a
                        nr += w[p] * u[a] - wi[p] * ui[a]
                        nI += w[p] * ui[a] + wi[p] * u[a]
                    }
                    s[j] = nr / denominator
                    si[j] = nI / denominator
                }
            }
            guard valid else {
                singularSolves &+= 1
                continue
            }
            // Row k changes too (j = k), so steer every row from a copy of it.
            let rowRe = aRe.pointer, rowIm = aIm.pointer
            rowRe.update(from: w + k &* M, count: M)
            rowIm.update(from: wi + k &* M, count: M)
            for j in 0..<M {
                for a in 0..<M {
                    let q = j &* M &+ a
                    w[q] -= s[j] * rowRe[a] - si[j] * rowIm[a]
                    wi[q] -= s[j] * rowIm[a] + si[j] * rowRe[a]
                }
            }
        }
    }

    /// zᴴ V z for a Hermitian V (real by construction; the imaginary rounding is dropped).
    @inline(__always)
    private func quadraticForm(_ vr: UnsafePointer<T>, _ vi: UnsafePointer<T>, _ z: UnsafePointer<T>, _ zi: UnsafePointer<T>) -> T {
        let M = channels
        var total: T = 0
        for a in 0..<M {
            var sr: T = 0, sI: T = 0
            for b in 0..<M {
                let q = a &* M &+ b
                sr += vr[q] * z[b] - vi[q] * zi[b]
                sI += vr[q] * zi[b] + vi[q] * z[b]
            }
            total += z[a] * sr + zi[a] * sI
        }
        return total
    }
}

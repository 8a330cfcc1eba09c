import EngineParameters
import Foundation

/// The second separation family: online direction clustering of time–frequency points, for more
/// sources than microphones (M ≥ 2 microphones, K ≥ 2 sources).
///
/// Each bin of each frame is one point with two features per microphone pair, every microphone m
/// against microphone 0: the phase difference φ_m = arg(x_m x₀*) and the level ratio
/// ℓ_m = ½ ln(|x_m|²/|x₀|²). A source at one direction has one delay τ_m (samples) and one level
/// ratio λ_m per pair, so its points scatter around φ_m = ωτ_m (wrapped: the residual is taken
/// modulo 2π, which keeps wide spacings above their spatial-aliasing frequency usable) and
/// ℓ_m = λ_m. C ≥ K direction clusters and one diffuse cluster (uniform phase, for reverberation and
/// noise, never output) are fitted by EM with forgetting: the E-step gives each point's
/// posteriors, which are the masks (floored); the M-step moves each cluster by a
/// recursive-least-squares step on decayed sufficient statistics, so one pass per frame is an
/// online EM whose memory is the forgetting factor's. The scatter model is the configuration's
/// `MixtureModelKind`: k-means (hard), Gaussian, Student's t (ν per cluster, the closed-form update
/// from the extended Stirling approximation of the digamma function: ψ(x) ≈ ln x − 1/(2x)) or
/// generalised Gaussian (β per cluster, one Newton step per frame), each over the D = 2(M − 1)
/// features of a point.
///
/// The clusters start where the first frames' low-frequency points pile up (a delay × level
/// histogram per pair below the aliasing frequency of `maxDelay`, the peaks of the pair whose
/// delays spread widest, i.e. the widest spacing), so no oracle is needed; with more than two
/// microphones the next frames' points, each given to the nearest cluster on that pair, place
/// every cluster on the other pairs the same way. Clusters keep their index for good: output k
/// is cluster k, whatever moves; clusters K..<C are learnt but not output. An NMF stage per output
/// (`MaskNMF`, `clusterBases` > 0) refines the masks. The arithmetic is in Double (a few thousand
/// points per frame); everything is allocated in `init`.
final class DirectionClustering<T: EngineScalar>: SeparationFamily {
    typealias Scalar = T
    /// The settings in force: `apply` and `loadState` change its live fields, never its shape.
    var configuration: SeparatorConfiguration
    let sources: Int
    /// Direction clusters (C ≥ K): clusters 0..<K are the outputs, the others are learnt but not
    /// output, like the diffuse cluster.
    let clusters: Int
    /// Microphone pairs (P = M − 1): microphone p + 1 against microphone 0.
    let pairs: Int
    let bins: Int

    /// The learnt values of each cluster: one row of C + 1 per field (the diffuse cluster's column
    /// is used by `weight` and `mass` only). Kept in the engine's scalar type, so a saved state
    /// continues exactly; `learn` works on a Double copy (`work`) and writes it back.
    private enum Field: Int, CaseIterable {
        /// The shape (ν or β) and its decayed statistics, the decayed posterior mass, the mixture weight.
        case shape, shapeFirst, shapeSecond, mass, weight
    }
    /// The learnt values of each cluster on each microphone pair: one row of (C + 1) × P per field.
    private enum PairField: Int, CaseIterable {
        /// Delay (samples), level ratio (natural log of the amplitude ratio), the spreads of the
        /// phase and level residuals; the decayed curvatures of the delay and level fits and the
        /// weighted squared residuals.
        case delay, level, phaseSpread, levelSpread, delayCurvature, levelCurvature, phaseSquares, levelSquares
    }
    /// The fields, the pair fields (`pairBase`), then for the soft models per direction, pair and
    /// phase band the spread and the decayed squared residuals and per direction and band the
    /// decayed posterior mass (`bandBase`), then the previous frame's cross-spectra x_m x₀*
    /// (`crossBase`).
    private let state: EngineBuffer<T>
    private let work: UnsafeMutablePointer<Double>
    private let pairBase: Int, bandBase: Int, crossBase: Int
    /// The phase band of each bin (`bandCount` log-spaced bands).
    private let band: UnsafeMutablePointer<Int>
    /// Frames seen while the clusters were being placed: `histogramFrames` on the start pair, as
    /// many again for the other pairs when there are any (`startFrames`).
    private var framesSeen = 0
    private let startFrames: Int
    /// The pair the clusters were placed on: the one whose first frames' delays spread widest.
    private var startPair = 0
    /// Per pair the delay × level histogram of the first frames' low-frequency points, and per
    /// direction and pair the same of the next frames' points given to that direction.
    private let histogram: EngineBuffer<T>
    private let pairHistograms: EngineBuffer<T>
    /// Posterior of each cluster (C directions, then the diffuse one) in each bin of the last frame.
    private let posterior: EngineBuffer<T>
    /// Scratch: per pair and bin the features and x_m x₀*, per bin the reliability weight and the
    /// coherence C(f), per direction, pair and bin the residuals, per direction and bin the scatter
    /// weight u, per cluster the log densities, per direction and pair the sums of the M-step, ln
    /// of each direction's band spreads; the smoothing's.
    private let phase: UnsafeMutablePointer<Double>, ratio: UnsafeMutablePointer<Double>
    private let crossRe: UnsafeMutablePointer<Double>, crossIm: UnsafeMutablePointer<Double>
    private let reliability: UnsafeMutablePointer<Double>, coherence: UnsafeMutablePointer<Double>
    private let residualPhase: UnsafeMutablePointer<Double>, residualLevel: UnsafeMutablePointer<Double>
    private let scatterWeight: UnsafeMutablePointer<Double>
    private let logNormaliser: UnsafeMutablePointer<Double>, logDensity: UnsafeMutablePointer<Double>
    private let sums: UnsafeMutablePointer<Double>
    private let logBandSpread: UnsafeMutablePointer<Double>
    private let smoothed: UnsafeMutablePointer<Double>, kernel: UnsafeMutablePointer<Double>
    /// The NMF stage, when `clusterBases` > 0; the outputs' masks before their floor (refined in
    /// place by the stage when published) and the reference microphone's power, which it learns
    /// from.
    private let nmf: MaskNMF<T>?
    private let masks: EngineBuffer<T>, referencePower: EngineBuffer<T>

    static var histogramFrames: Int { 8 }
    /// Histogram cells along delay and level; the level axis spans ±`levelSpan` (natural log of
    /// the amplitude ratio, ±17 dB); peaks suppress `peakRadius` cells around them, and a point
    /// belongs to a direction on the first pair within as many cells.
    static var delayCells: Int { 41 }
    static var levelCells: Int { 41 }
    static var levelSpan: Double { 2 }
    static var peakRadius: Int { 4 }
    /// The soft models' phase spreads: per band of bins, log-spaced edges (F − 1)^(b/8), each
    /// pulled towards the direction's overall spread with the weight of `bandPrior` points.
    static var bandCount: Int { 8 }
    static var bandPrior: Double { 10 }
    /// Bins either side of a bin over which its coherence is measured.
    static var coherenceRadius: Int { 2 }
    /// The M-step's sums per direction and pair: delay step and curvature, level step and
    /// curvature, squared phase and level residuals.
    private static var sumCount: Int { 6 }

    init(configuration: SeparatorConfiguration) {
        self.configuration = configuration
        sources = configuration.sources
        clusters = configuration.clusterCount
        pairs = configuration.channels - 1
        bins = configuration.frameLength / 2 + 1
        let C = clusters, P = pairs, F = bins, B = Self.bandCount, cells = Self.delayCells * Self.levelCells
        pairBase = Field.allCases.count * (C + 1)
        bandBase = pairBase + PairField.allCases.count * (C + 1) * P
        crossBase = bandBase + (2 * P + 1) * C * B
        state = EngineBuffer(crossBase + 2 * P * F)
        work = .allocate(capacity: crossBase + 2 * P * F)
        startFrames = Self.histogramFrames * (P > 1 ? 2 : 1)
        band = .allocate(capacity: F)
        for f in 0..<F {
            var b = 0
            while b + 1 < B, pow(Double(F - 1), Double(b + 1) / Double(B)) <= Double(f) { b += 1 }
            band[f] = b
        }
        phase = .allocate(capacity: P * F); ratio = .allocate(capacity: P * F)
        crossRe = .allocate(capacity: P * F); crossIm = .allocate(capacity: P * F)
        reliability = .allocate(capacity: F); coherence = .allocate(capacity: F)
        residualPhase = .allocate(capacity: C * P * F); residualLevel = .allocate(capacity: C * P * F)
        scatterWeight = .allocate(capacity: C * F)
        logNormaliser = .allocate(capacity: C + 1); logDensity = .allocate(capacity: C + 1)
        sums = .allocate(capacity: Self.sumCount * P)
        logBandSpread = .allocate(capacity: C * P * B)
        histogram = EngineBuffer(P * cells)
        pairHistograms = EngineBuffer(P > 1 ? C * P * cells : 0)
        posterior = EngineBuffer((C + 1) * F)
        smoothed = .allocate(capacity: cells)
        kernel = .allocate(capacity: 2 * Self.peakRadius + 1)
        for d in -Self.peakRadius...Self.peakRadius { kernel[d + Self.peakRadius] = exp(-Double(d * d) / (2 * 1.5 * 1.5)) }
        nmf = configuration.clusterBases > 0 ? MaskNMF(outputs: sources, bins: F, bases: configuration.clusterBases) : nil
        masks = EngineBuffer(sources * F)
        referencePower = EngineBuffer(configuration.clusterBases > 0 ? F : 0)
        reset()
    }

    deinit {
        for pointer in [work, phase, ratio, crossRe, crossIm, reliability, coherence, residualPhase, residualLevel, scatterWeight,
                        logNormaliser, logDensity, sums, logBandSpread, smoothed, kernel] {
            pointer.deallocate()
        }
        band.deallocate()
    }

    /// Field `field` of cluster `c` in the working copy.
    @inline(__always)
    private func value(_ field: Field, _ c: Int) -> Double { work[field.rawValue * (clusters + 1) + c] }

    @inline(__always)
    private func set(_ field: Field, _ c: Int, _ x: Double) { work[field.rawValue * (clusters + 1) + c] = x }

    /// Index in the working copy of field `field` of cluster `c` on pair `p`.
    @inline(__always)
    private func pairIndex(_ field: PairField, _ c: Int, _ p: Int) -> Int {
        pairBase + (field.rawValue * (clusters + 1) + c) * pairs + p
    }

    @inline(__always)
    private func value(_ field: PairField, _ c: Int, _ p: Int) -> Double { work[pairIndex(field, c, p)] }

    @inline(__always)
    private func set(_ field: PairField, _ c: Int, _ p: Int, _ x: Double) { work[pairIndex(field, c, p)] = x }

    /// The per-pair band arrays of the soft models, each C × P × `bandCount`.
    private enum BandArray: Int { case spread, squares }

    /// Index in the working copy of direction k's band b of `array` on pair p.
    @inline(__always)
    private func bandIndex(_ array: BandArray, _ k: Int, _ p: Int, _ b: Int) -> Int {
        bandBase + ((array.rawValue * clusters + k) * pairs + p) * Self.bandCount + b
    }

    /// Index in the working copy of direction k's decayed posterior mass in band b.
    @inline(__always)
    private func bandMassIndex(_ k: Int, _ b: Int) -> Int {
        bandBase + (2 * pairs * clusters + k) * Self.bandCount + b
    }

    private func loadWork() {
        for i in 0..<state.count { work[i] = Double(state.pointer[i]) }
    }

    private func storeWork() {
        for i in 0..<state.count { state.pointer[i] = T(work[i]) }
    }

    var repairs: (binResets: Int, singularSolves: Int) { (0, 0) }
    var producesMasks: Bool { true }
    var observedClusters: Int { clusters }

    func reset() {
        let C = clusters, P = pairs
        for i in 0..<state.count { work[i] = 0 }
        for k in 0..<C {
            for p in 0..<P {
                set(.phaseSpread, k, p, 0.5); set(.levelSpread, k, p, 0.5)
                for b in 0..<Self.bandCount { work[bandIndex(.spread, k, p, b)] = 0.5 }
            }
            set(.shape, k, Self.initialShape(configuration.mixture))
        }
        for c in 0...C { set(.weight, c, 1 / Double(C + 1)) }
        storeWork()
        histogram.zero()
        pairHistograms.zero()
        nmf?.reset()
        framesSeen = 0
        startPair = 0
        for i in 0..<posterior.count { posterior.pointer[i] = i < sources * bins ? 1 / T(sources) : 0 }
    }

    /// ν = 4 and β = 0.7, near where the fits on the dev corpus settle; the Gaussian and k-means
    /// have no shape.
    static func initialShape(_ mixture: MixtureModelKind) -> Double {
        switch mixture {
        case .studentT: 4
        case .generalizedGaussian: 0.7
        case .kmeans, .gaussian: 1
        }
    }

    // MARK: - Learning

    func learn(re: UnsafePointer<T>, im: UnsafePointer<T>, filters: FilterExchange<T>) {
        guard features(re: re, im: im) else { return }
        if framesSeen < startFrames {
            loadWork()
            if framesSeen < Self.histogramFrames {
                accumulateHistogram()
            } else {
                accumulatePairHistograms()
            }
            framesSeen += 1
            if framesSeen == Self.histogramFrames { placeClusters() }
            if framesSeen == startFrames, pairs > 1 { placeOnOtherPairs() }
            storeWork()
            return
        }
        loadWork()
        expectation()
        maximisation()
        storeWork()
        computeMasks()
        if let nmf {
            let F = bins, row = configuration.referenceMic * F
            for f in 0..<F { referencePower.pointer[f] = re[row + f] * re[row + f] + im[row + f] * im[row + f] }
            nmf.learn(masks: masks.pointer, reference: referencePower.pointer, forgetting: T(configuration.forgetting))
        }
        publish(to: filters)
    }

    /// φ_m, ℓ_m and the reliability of every bin: √power (all microphones), normalised to a mean
    /// of 1 over the frame, so loud bins count more without a few deciding alone; 0 for DC,
    /// Nyquist and bins 60 dB below the frame's loudest, whose phase is noise. False for a silent
    /// frame.
    private func features(re: UnsafePointer<T>, im: UnsafePointer<T>) -> Bool {
        let F = bins, P = pairs
        var loudest = 0.0
        for f in 0..<F {
            let r0 = Double(re[f]), i0 = Double(im[f])
            let p0 = r0 * r0 + i0 * i0
            var power = p0
            for p in 0..<P {
                let rm = Double(re[(p + 1) * F + f]), im = Double(im[(p + 1) * F + f]), n = p * F + f
                let pm = rm * rm + im * im
                power += pm
                // x_m x₀* and its argument
                crossRe[n] = rm * r0 + im * i0; crossIm[n] = im * r0 - rm * i0
                phase[n] = atan2(crossIm[n], crossRe[n])
                ratio[n] = min(max(0.5 * log((pm + 1e-30) / (p0 + 1e-30)), -3), 3)
            }
            reliability[f] = power
            loudest = max(loudest, power)
        }
        guard loudest > 0, loudest.isFinite else { return false }
        let floor = loudest * 1e-6
        var total = 0.0
        for f in 0..<F {
            let usable = f > 0 && f < F - 1 && reliability[f] > floor
            reliability[f] = usable ? reliability[f].squareRoot() : 0
            total += reliability[f]
        }
        guard total > 0 else { return false }
        let normaliser = Double(F) / total
        for f in 0..<F { reliability[f] *= normaliser }
        return true
    }

    /// Angular frequency of bin f, radians per sample.
    @inline(__always)
    private func omega(_ f: Int) -> Double { Double.pi * Double(f) / Double(bins - 1) }

    /// a modulo 2π, in [−π, π].
    @inline(__always)
    private static func wrap(_ a: Double) -> Double { a - 2 * Double.pi * (a / (2 * Double.pi)).rounded() }

    // MARK: - Start

    /// The histogram cell of bin f on pair p, nil outside the histogram: below the aliasing
    /// frequency of the largest delay the phase gives the delay itself.
    @inline(__always)
    private func cell(_ f: Int, pair p: Int) -> (delay: Int, level: Int)? {
        let maxDelay = configuration.maxDelay, n = p * bins + f
        let i = Int(((phase[n] / omega(f) + maxDelay) / (2 * maxDelay) * Double(Self.delayCells - 1)).rounded())
        let j = Int(((ratio[n] + Self.levelSpan) / (2 * Self.levelSpan) * Double(Self.levelCells - 1)).rounded())
        guard (0..<Self.delayCells).contains(i), (0..<Self.levelCells).contains(j) else { return nil }
        return (i, j)
    }

    /// The bins whose phase on every pair gives the delay: reliable and below the aliasing
    /// frequency of `maxDelay`.
    private var startBins: Range<Int> {
        var end = 1
        while end < bins - 1, omega(end) * configuration.maxDelay < Double.pi { end += 1 }
        return 1..<end
    }

    private func accumulateHistogram() {
        let L = Self.levelCells, cells = Self.delayCells * L
        for p in 0..<pairs {
            let h = histogram.pointer + p * cells
            for f in startBins where reliability[f] > 0 {
                guard let (i, j) = cell(f, pair: p) else { continue }
                h[i * L + j] += T(reliability[f])
            }
        }
    }

    /// Each point within `peakRadius` cells of a direction on the start pair adds to that
    /// direction's histogram on every other pair.
    private func accumulatePairHistograms() {
        let L = Self.levelCells, cells = Self.delayCells * L, radius = Self.peakRadius
        for f in startBins where reliability[f] > 0 {
            guard let (i, j) = cell(f, pair: startPair) else { continue }
            var nearest = -1, nearestDistance = radius + 1
            for k in 0..<clusters {
                let (a, b) = cellOf(delay: value(.delay, k, startPair), level: value(.level, k, startPair))
                let distance = max(abs(a - i), abs(b - j))
                if distance < nearestDistance { nearestDistance = distance; nearest = k }
            }
            guard nearest >= 0 else { continue }
            for p in 0..<pairs where p != startPair {
                guard let (a, b) = cell(f, pair: p) else { continue }
                pairHistograms.pointer[(nearest * pairs + p) * cells + a * L + b] += T(reliability[f])
            }
        }
    }

    /// The pair whose histogram spreads widest in delay (weighted variance): the widest spacing,
    /// where the directions lie farthest apart.
    private func widestPair() -> Int {
        let G = Self.delayCells, L = Self.levelCells
        var widest = 0, widestVariance = -1.0
        for p in 0..<pairs {
            let h = histogram.pointer + p * G * L
            var mass = 0.0, first = 0.0, second = 0.0
            for i in 0..<G {
                for j in 0..<L {
                    let w = Double(h[i * L + j]), d = Double(i)
                    mass += w; first += w * d; second += w * d * d
                }
            }
            guard mass > 0 else { continue }
            let variance = second / mass - (first / mass) * (first / mass)
            if variance > widestVariance { widestVariance = variance; widest = p }
        }
        return widest
    }

    /// The cell of a delay and level.
    private func cellOf(delay: Double, level: Double) -> (Int, Int) {
        let maxDelay = configuration.maxDelay
        return (Int(((delay + maxDelay) / (2 * maxDelay) * Double(Self.delayCells - 1)).rounded()),
                Int(((level + Self.levelSpan) / (2 * Self.levelSpan) * Double(Self.levelCells - 1)).rounded()))
    }

    /// The delay and level at the centre of a cell.
    private func centre(_ i: Int, _ j: Int) -> (delay: Double, level: Double) {
        let maxDelay = configuration.maxDelay
        return (-maxDelay + 2 * maxDelay * Double(i) / Double(Self.delayCells - 1),
                -Self.levelSpan + 2 * Self.levelSpan * Double(j) / Double(Self.levelCells - 1))
    }

    /// Smooths a histogram in place (separable Gaussian, σ 1.5 cells, zero outside).
    private func smooth(_ h: UnsafeMutablePointer<T>) {
        let G = Self.delayCells, L = Self.levelCells, radius = Self.peakRadius
        for i in 0..<G {
            for j in 0..<L {
                var sum = 0.0
                for d in -radius...radius where (0..<L).contains(j + d) { sum += kernel[d + radius] * Double(h[i * L + j + d]) }
                smoothed[i * L + j] = sum
            }
        }
        for j in 0..<L {
            for i in 0..<G {
                var sum = 0.0
                for d in -radius...radius where (0..<G).contains(i + d) { sum += kernel[d + radius] * smoothed[(i + d) * L + j] }
                h[i * L + j] = T(sum)
            }
        }
    }

    /// The cell of a histogram's highest value.
    private func peak(_ h: UnsafeMutablePointer<T>) -> (Int, Int) {
        var best = 0
        for cell in 0..<(Self.delayCells * Self.levelCells) where h[cell] > h[best] { best = cell }
        return (best / Self.levelCells, best % Self.levelCells)
    }

    /// The C highest peaks of the start pair's smoothed histogram, each suppressing its
    /// neighbourhood for the next.
    private func placeClusters() {
        let G = Self.delayCells, L = Self.levelCells, radius = Self.peakRadius
        startPair = pairs > 1 ? widestPair() : 0
        let h = histogram.pointer + startPair * G * L
        smooth(h)
        for k in 0..<clusters {
            let (i, j) = peak(h)
            let (delay, level) = centre(i, j)
            set(.delay, k, startPair, delay); set(.level, k, startPair, level)
            for a in max(0, i - radius)...min(G - 1, i + radius) {
                for b in max(0, j - radius)...min(L - 1, j + radius) { h[a * L + b] = -1 }
            }
        }
    }

    /// Every direction on every further pair: the peak of its smoothed histogram there (delay
    /// and level 0 when no point came its way).
    private func placeOnOtherPairs() {
        let cells = Self.delayCells * Self.levelCells
        for k in 0..<clusters {
            for p in 0..<pairs where p != startPair {
                let h = pairHistograms.pointer + (k * pairs + p) * cells
                smooth(h)
                let (i, j) = peak(h)
                guard h[i * Self.levelCells + j] > 0 else { continue }
                let (delay, level) = centre(i, j)
                set(.delay, k, p, delay); set(.level, k, p, level)
            }
        }
    }

    // MARK: - EM

    /// Posteriors of every reliable bin (zero elsewhere), and each direction's scatter weight u.
    private func expectation() {
        let C = clusters, P = pairs, F = bins, B = Self.bandCount, mixture = configuration.mixture, g = posterior.pointer
        // The soft models spread the phase per band of bins, k-means once per direction.
        let soft = mixture != .kmeans
        let dimensions = Double(2 * P)
        for k in 0..<C {
            var spreads = 0.0
            for p in 0..<P {
                spreads += (soft ? 0 : -0.5 * log(value(.phaseSpread, k, p))) - 0.5 * log(value(.levelSpread, k, p))
                if soft { for b in 0..<B { logBandSpread[(k * P + p) * B + b] = log(work[bandIndex(.spread, k, p, b)]) } }
            }
            logNormaliser[k] = log(value(.weight, k)) + spreads + Self.shapeConstant(mixture, value(.shape, k), dimensions: 2 * P)
        }
        // Uniform phases, level ratios around 0 with unit spread.
        logNormaliser[C] = log(value(.weight, C)) - 1.5 * Double(P) * log(2 * Double.pi)
        for f in 0..<F {
            guard reliability[f] > 0 else {
                for c in 0...C { g[c * F + f] = 0 }
                continue
            }
            let w = omega(f)
            var best = -Double.infinity, nearest = 0, nearestDistance = Double.infinity
            for k in 0..<C {
                var q = 0.0, bandTerm = 0.0
                for p in 0..<P {
                    let n = p * F + f, r = (k * P + p) * F + f
                    let rp = Self.wrap(phase[n] - w * value(.delay, k, p)), rl = ratio[n] - value(.level, k, p)
                    residualPhase[r] = rp; residualLevel[r] = rl
                    q += rp * rp / phaseSpread(k, p, f, soft: soft) + rl * rl / value(.levelSpread, k, p)
                    if soft { bandTerm += 0.5 * logBandSpread[(k * P + p) * B + band[f]] }
                }
                let (density, u) = Self.scatter(mixture, shape: value(.shape, k), distance: q, dimensions: dimensions)
                scatterWeight[k * F + f] = u
                logDensity[k] = logNormaliser[k] + density - (soft ? bandTerm : 0)
                best = max(best, logDensity[k])
                if q < nearestDistance { nearestDistance = q; nearest = k }
            }
            var levels = 0.0
            for p in 0..<P { levels += ratio[p * F + f] * ratio[p * F + f] }
            logDensity[C] = logNormaliser[C] - 0.5 * levels
            if mixture == .kmeans {
                // Farther than three spreads from every direction (in every feature): the diffuse cluster's.
                let winner = nearestDistance > 9 * dimensions ? C : nearest
                for c in 0...C { g[c * F + f] = c == winner ? 1 : 0 }
                continue
            }
            best = max(best, logDensity[C])
            var sum = 0.0
            for c in 0...C { logDensity[c] = exp(logDensity[c] - best); sum += logDensity[c] }
            for c in 0...C { g[c * F + f] = T(logDensity[c] / sum) }
        }
    }

    /// Direction k's phase spread on pair p at bin f: its band's for the soft models, its own for
    /// k-means.
    @inline(__always)
    private func phaseSpread(_ k: Int, _ p: Int, _ f: Int, soft: Bool) -> Double {
        soft ? work[bandIndex(.spread, k, p, band[f])] : value(.phaseSpread, k, p)
    }

    /// C(f) = |Σ x_m x₀*| / Σ |x_m x₀*| over the bins within `coherenceRadius` of f, this frame's
    /// and the previous one's, averaged over the pairs: near 1 where one source's direct path
    /// dominates, low where reverberation or several sources mix. The current frame then becomes
    /// the previous.
    private func measureCoherence() {
        let F = bins, P = pairs, r = Self.coherenceRadius
        for f in 0..<F { coherence[f] = 0 }
        for p in 0..<P {
            let re = crossRe + p * F, im = crossIm + p * F
            let previousRe = work + crossBase + 2 * p * F, previousIm = previousRe + F
            for f in 0..<F {
                var sumRe = 0.0, sumIm = 0.0, magnitude = 0.0
                for n in max(0, f - r)...min(F - 1, f + r) {
                    sumRe += re[n] + previousRe[n]; sumIm += im[n] + previousIm[n]
                    magnitude += (re[n] * re[n] + im[n] * im[n]).squareRoot()
                        + (previousRe[n] * previousRe[n] + previousIm[n] * previousIm[n]).squareRoot()
                }
                coherence[f] += (sumRe * sumRe + sumIm * sumIm).squareRoot() / (magnitude + 1e-30)
            }
            for f in 0..<F { previousRe[f] = re[f]; previousIm[f] = im[f] }
        }
        for f in 0..<F { coherence[f] /= Double(P) }
    }

    /// The log density of a point at normalised squared distance q in D dimensions (without the
    /// spreads' and the weight's terms) and its scatter weight u, the factor the M-step's moments
    /// take: 1 for the Gaussian, (ν + D)/(ν + q) for Student's t, β q^(β−1) for the generalised
    /// Gaussian.
    @inline(__always)
    private static func scatter(_ mixture: MixtureModelKind, shape: Double, distance q: Double, dimensions: Double) -> (Double, Double) {
        switch mixture {
        case .kmeans, .gaussian: return (-0.5 * q, 1)
        case .studentT: return (-0.5 * (shape + dimensions) * log1p(q / shape), (shape + dimensions) / (shape + q))
        case .generalizedGaussian:
            let floored = max(q, 1e-3), power = pow(floored, shape)
            return (-0.5 * power, shape * power / floored)
        }
    }

    /// The shape's part of the log normaliser in D dimensions: (2π)^(−D/2) for the Gaussian;
    /// Student's t Γ((ν+D)/2) / (Γ(ν/2) (νπ)^(D/2)), which is 1/(2π) for every ν when D = 2; the
    /// generalised Gaussian β Γ(D/2) / (π^(D/2) Γ(D/(2β)) 2^(D/(2β))).
    private static func shapeConstant(_ mixture: MixtureModelKind, _ shape: Double, dimensions: Int) -> Double {
        let half = Double(dimensions) / 2
        switch mixture {
        case .kmeans, .gaussian: return -half * log(2 * Double.pi)
        case .studentT:
            return dimensions == 2 ? -log(2 * Double.pi) : lgamma(shape / 2 + half) - lgamma(shape / 2) - half * log(shape * Double.pi)
        case .generalizedGaussian:
            return log(shape) + (dimensions == 2 ? 0 : lgamma(half)) - half * log(Double.pi) - lgamma(half / shape) - half * log(2) / shape
        }
    }

    /// One online M-step: decay the statistics, add this frame's, move every cluster.
    private func maximisation() {
        let C = clusters, P = pairs, F = bins, B = Self.bandCount, alpha = configuration.forgetting, mixture = configuration.mixture
        let maxDelay = configuration.maxDelay, g = posterior.pointer, half = Double(P)
        var massTotal = 0.0
        for c in 0...C {
            var m = 0.0
            for f in 0..<F { m += Double(g[c * F + f]) * reliability[f] }
            set(.mass, c, alpha * value(.mass, c) + m)
            massTotal += value(.mass, c) + 1e-3
        }
        for c in 0...C { set(.weight, c, (value(.mass, c) + 1e-3) / massTotal) }
        // The soft models weight each point's pull on the directions by its coherence squared
        // (the direct-path points decide) and keep their phase spreads per band. On the dev and
        // validation splits, Student's t: 5.09 / 2.92 → 7.55 / 4.09 dB mean SDRi with both and the
        // squared-posterior masks (docs/clustering.md); k-means lost with either.
        let soft = mixture != .kmeans
        if soft {
            measureCoherence()
            for k in 0..<C {
                for b in 0..<B {
                    work[bandMassIndex(k, b)] *= alpha
                    for p in 0..<P { work[bandIndex(.squares, k, p, b)] *= alpha }
                }
            }
        }
        for k in 0..<C {
            for i in 0..<(Self.sumCount * P) { sums[i] = 0 }
            var first = 0.0, second = 0.0
            let shape = value(.shape, k)
            for f in 0..<F where reliability[f] > 0 {
                let p = Double(g[k * F + f]) * reliability[f]
                guard p > 0 else { continue }
                let u = scatterWeight[k * F + f], a = p * u * (soft ? coherence[f] * coherence[f] : 1), w = omega(f)
                var q = 0.0
                for pair in 0..<P {
                    let r = (k * P + pair) * F + f, rp = residualPhase[r], rl = residualLevel[r], s = sums + Self.sumCount * pair
                    s[0] += a * w * rp; s[1] += a * w * w
                    s[2] += a * rl; s[3] += a
                    s[4] += a * rp * rp; s[5] += a * rl * rl
                    if soft { work[bandIndex(.squares, k, pair, band[f])] += a * rp * rp }
                    if mixture == .generalizedGaussian {
                        q += rp * rp / phaseSpread(k, pair, f, soft: soft) + rl * rl / value(.levelSpread, k, pair)
                    }
                }
                if soft { work[bandMassIndex(k, band[f])] += p }
                switch mixture {
                case .studentT: first += p * (log(u) - u)
                case .generalizedGaussian:
                    let floored = max(q, 1e-3), lq = log(floored), qb = pow(floored, shape)
                    first += p * qb * lq; second += p * qb * lq * lq
                case .kmeans, .gaussian: break
                }
            }
            let n = value(.mass, k) + 1e-9
            for pair in 0..<P {
                let s = sums + Self.sumCount * pair
                // Recursive least squares: the new frame's gradient over the decayed curvature.
                set(.delayCurvature, k, pair, alpha * value(.delayCurvature, k, pair) + s[1])
                set(.levelCurvature, k, pair, alpha * value(.levelCurvature, k, pair) + s[3])
                set(.delay, k, pair, min(max(value(.delay, k, pair) + s[0] / (value(.delayCurvature, k, pair) + 1e-9), -maxDelay), maxDelay))
                set(.level, k, pair, min(max(value(.level, k, pair) + s[2] / (value(.levelCurvature, k, pair) + 1e-9), -3), 3))
                set(.phaseSquares, k, pair, alpha * value(.phaseSquares, k, pair) + s[4])
                set(.levelSquares, k, pair, alpha * value(.levelSquares, k, pair) + s[5])
                set(.phaseSpread, k, pair, min(max(value(.phaseSquares, k, pair) / n, 1e-3), 3))
                set(.levelSpread, k, pair, min(max(value(.levelSquares, k, pair) / n, 1e-3), 3))
                if soft {
                    // Each band's spread, pulled towards the direction's overall one.
                    var squares = 0.0, mass = 0.0
                    for b in 0..<B { squares += work[bandIndex(.squares, k, pair, b)]; mass += work[bandMassIndex(k, b)] }
                    let overall = squares / (mass + 1e-9)
                    for b in 0..<B {
                        let spread = (work[bandIndex(.squares, k, pair, b)] + Self.bandPrior * overall) / (work[bandMassIndex(k, b)] + Self.bandPrior)
                        work[bandIndex(.spread, k, pair, b)] = min(max(spread, 1e-3), 3)
                    }
                }
            }
            set(.shapeFirst, k, alpha * value(.shapeFirst, k) + first)
            set(.shapeSecond, k, alpha * value(.shapeSecond, k) + second)
            switch mixture {
            case .studentT:
                // With ψ(x) ≈ ln x − 1/(2x) the ECM equation for ν is solved by
                // 1/ν = −1 − E[ln u − u] + 1/(ν_old + D).
                let c = -1 - value(.shapeFirst, k) / n + 1 / (shape + 2 * half)
                set(.shape, k, min(max(1 / max(c, 1e-3), 0.5), 100))
            case .generalizedGaussian:
                // One Newton step on the shape's log likelihood, at most 0.1; `half` is D/2.
                let beta = shape, psi = Self.digamma(half / beta) + log(2)
                let d1 = n * (1 / beta + half * psi / (beta * beta)) - 0.5 * value(.shapeFirst, k)
                let d2 = n * (-1 / (beta * beta) - 2 * half * psi / (beta * beta * beta)
                              - half * half * Self.trigamma(half / beta) / (beta * beta * beta * beta))
                    - 0.5 * value(.shapeSecond, k)
                let step = -d1 / min(d2, -1e-9)
                set(.shape, k, min(max(beta + min(max(step, -0.1), 0.1), 0.1), 2))
            case .kmeans, .gaussian: break
            }
        }
    }

    /// ψ(x) for x > 0: the recurrence up to x ≥ 6, then the asymptotic series.
    static func digamma(_ x: Double) -> Double {
        var x = x, result = 0.0
        while x < 6 { result -= 1 / x; x += 1 }
        let r = 1 / (x * x)
        return result + log(x) - 0.5 / x - r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r / 132))))
    }

    /// ψ′(x) for x > 0, the same way.
    static func trigamma(_ x: Double) -> Double {
        var x = x, result = 0.0
        while x < 6 { result += 1 / (x * x); x += 1 }
        let r = 1 / (x * x)
        return result + 1 / x + r / 2 + r / x * (1.0 / 6 - r * (1.0 / 30 - r * (1.0 / 42 - r / 30)))
    }

    // MARK: - Output, live changes, state

    /// The outputs' masks from the posteriors, before their floor. For k-means, whose
    /// posteriors are 0 or 1, the mask is the posterior smoothed over neighbouring bins (¼, ½, ¼;
    /// 0 beyond the ends), which softens its musical noise: mean SDRi 7.24 → 7.34 dB on dev, 4.23
    /// → 4.41 on validation. For the soft models it is the squared posterior, renormalised over
    /// all C + 1 clusters, which sharpens posteriors that reverberation leaves wide
    /// (docs/clustering.md).
    private func computeMasks() {
        let K = sources, C = clusters, F = bins, g = posterior.pointer, hard = configuration.mixture == .kmeans
        for f in 0..<F {
            // The soft masks' normaliser, once per bin for all K rows.
            var total: T = 0
            if !hard { for c in 0...C { total += g[c * F + f] * g[c * F + f] } }
            for k in 0..<K {
                let p = g + k * F
                if hard {
                    let below = f > 0 ? p[f - 1] : 0, above = f < F - 1 ? p[f + 1] : 0
                    masks.pointer[k * F + f] = T(0.25) * below + T(0.5) * p[f] + T(0.25) * above
                } else {
                    masks.pointer[k * F + f] = total > 0 ? p[f] * p[f] / total : 0
                }
            }
        }
    }

    func publishFilters(to filters: FilterExchange<T>) {
        computeMasks()
        publish(to: filters)
    }

    /// G_k,ref(f) = max(mask_k(f), floor), every other column 0; the mask refined by the NMF
    /// stage when there is one. Takes the masks `computeMasks` has just written.
    private func publish(to filters: FilterExchange<T>) {
        let bank = filters.writable
        let K = sources, M = pairs + 1, F = bins, reference = configuration.referenceMic
        let floor = T(configuration.maskFloor), rows = bank.re.pointer + reference * F
        bank.re.zero(); bank.im.zero()
        nmf?.refine(masks.pointer)
        for k in 0..<K {
            for f in 0..<F { rows[k * M * F + f] = max(masks.pointer[k * F + f], floor) }
        }
        filters.publish()
    }

    /// Every clustering parameter is live; a new mixture model starts its shape afresh.
    func apply(_ new: SeparatorConfiguration) -> Bool {
        let old = configuration
        configuration = new
        if old.mixture != new.mixture {
            loadWork()
            for k in 0..<clusters {
                set(.shape, k, Self.initialShape(new.mixture)); set(.shapeFirst, k, 0); set(.shapeSecond, k, 0)
            }
            storeWork()
        }
        return old.referenceMic != new.referenceMic || old.maskFloor != new.maskFloor
    }

    func adoptLiveParameters(of new: SeparatorConfiguration) {
        configuration = new
    }

    func transferState(_ transfer: inout StateTransfer<T>) {
        transfer.buffer(state)
        transfer.buffer(histogram)
        transfer.buffer(pairHistograms)
        transfer.buffer(posterior)
        transfer.integer(&framesSeen, in: 0...startFrames)
        transfer.integer(&startPair, in: 0...(pairs - 1))
        if let nmf { nmf.transferState(&transfer) }
    }

    /// Steering vectors (1, e^(λ_m + iωτ_m), …) per output, the masks, and every cluster's estimate.
    func observe(into observation: Observation<T>) {
        let K = sources, C = clusters, P = pairs, F = bins, M = P + 1
        let sr = observation.steeringRe.pointer, si = observation.steeringIm.pointer, g = posterior.pointer
        func read(_ field: PairField, _ c: Int, _ p: Int) -> Double { Double(state.pointer[pairIndex(field, c, p)]) }
        func read(_ field: Field, _ c: Int) -> Double { Double(state.pointer[field.rawValue * (C + 1) + c]) }
        for k in 0..<K {
            for f in 0..<F {
                sr[k * M * F + f] = 1; si[k * M * F + f] = 0
                observation.masks?.pointer[k * F + f] = g[k * F + f]
            }
            for p in 0..<P {
                let magnitude = exp(read(.level, k, p)), delay = read(.delay, k, p), row = (k * M + p + 1) * F
                for f in 0..<F {
                    let angle = omega(f) * delay
                    sr[row + f] = T(magnitude * cos(angle)); si[row + f] = T(magnitude * sin(angle))
                }
            }
        }
        let shaped = configuration.mixture == .studentT || configuration.mixture == .generalizedGaussian
        for c in 0..<C {
            observation.setCluster(c, weight: read(.weight, c), shape: shaped ? read(.shape, c) : nil)
            for p in 0..<P {
                observation.setCluster(c, microphone: p + 1, delaySamples: read(.delay, c, p), levelDB: 20 * read(.level, c, p) / log(10))
            }
        }
        observation.setDiffuseWeight(read(.weight, C))
    }
}

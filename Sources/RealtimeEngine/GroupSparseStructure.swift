/// Sparse and group-sparse structures: a variance per band of bins and frame, drawn towards the
/// frame's activity. One band of all bins would be spherical (IVA); one bin per band is the sparse
/// structure, in which every time–frequency point of a source may be on or off by itself.
///
/// The variance of band b is the maximum a posteriori estimate under a Gaussian source with an
/// inverse-gamma prior on the band's variance, of shape a = κ·n (n bins in the band) and scale
/// a·g, centred on the frame's spherical activity g = mean_f p̃ (`SphericalStructure`):
///
///     r̃_b = (Σ_{f∈b} p̃(f) + a·g) / (n + a + 1)
///
/// The prior is what keeps the bins of a source together: without it (κ = 0) each bin is its own
/// frequency-domain ICA and the permutation between bins is lost. With κ = 1 the band's own power
/// and the frame's activity weigh alike. For a Gaussian density, alternating this step with the
/// demixing update never increases the joint cost (each step minimises it over its own variables);
/// for a heavy-tailed density the step is the Gaussian's, which the theory does not cover.
/// Nothing is learnt across frames.
final class GroupSparseStructure<T: EngineScalar>: SourceStructureModel {
    typealias Scalar = T
    let bins: Int
    /// Band b covers bins `edges[b] ..< edges[b + 1]`.
    let edges: [Int]
    /// The prior's strength per bin of the band, κ.
    static var coupling: T { 1 }

    /// `groups` bands, clamped to 1…bins (`bands(bins:count:)`).
    init(_ context: SourceStructureContext, groups: Int) {
        bins = context.bins
        edges = Self.bands(bins: context.bins, count: groups)
    }

    /// One bin per band: the sparse structure.
    static func sparse(_ context: SourceStructureContext) -> GroupSparseStructure {
        GroupSparseStructure(context, groups: context.bins)
    }

    /// `SeparatorConfiguration.groups` bands.
    static func grouped(_ context: SourceStructureContext) -> GroupSparseStructure {
        GroupSparseStructure(context, groups: context.groups)
    }

    /// Band edges spaced evenly on a logarithmic frequency axis, as hearing and most sources'
    /// harmonics are, with every band at least one bin wide: low bands narrow, high bands wide.
    static func bands(bins: Int, count: Int) -> [Int] {
        let count = Swift.min(Swift.max(count, 1), bins)
        var edges = [0]
        for b in 1..<count {
            let geometric = Int(Double.pow(Double(bins), Double(b) / Double(count)).rounded())
            // At least one bin each, and room left for the bands still to come.
            edges.append(Swift.min(Swift.max(geometric, edges[b - 1] + 1), bins - (count - b)))
        }
        edges.append(bins)
        return edges
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func variance(whitenedPower p: UnsafePointer<T>, slot: Int, fresh: Bool, into r: UnsafeMutablePointer<T>) {
        let g = SphericalStructure<T>.activity(whitenedPower: p, bins: bins)
        edges.withUnsafeBufferPointer { e in
            for b in 0..<(e.count &- 1) {
                let start = e[b], end = e[b &+ 1]
                var sum: T = 0
                for f in start..<end { sum += p[f] }
                let n = T(end &- start), a = Self.coupling * n
                r.advanced(by: start).update(repeating: (sum + a * g) / (n + a + 1), count: end &- start)
            }
        }
    }

    func finishSweep(historySlots: UnsafePointer<Int>, slotCount: Int, coefficients: UnsafePointer<T>) {}

    func advance(retiring slot: Int?, coefficient: T) {}

    func setForgetting(_ alpha: Double) {}

    func reset() {}

    func transferState(_ transfer: inout StateTransfer<T>) {}
}

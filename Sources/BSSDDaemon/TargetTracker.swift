/// Follows the listener's chosen talker across the engine's outputs by where it is: its delay at
/// each microphone after the reference, from the engine's steering vectors (`ObservationReport`).
///
/// Online IVA keeps its order of sources as a rule, but a reset, a loaded state, a talker who
/// stops while another starts, or a jump in the room can hand the talker to another output. The
/// tracker keeps the target's delays (its signature, following a talker who moves) and moves the
/// target when another output has been clearly closer to them for `confirmations` snapshots in a
/// row: clearly means at most a quarter of the current output's squared distance, and that
/// distance at least `minimumSeparation`² (two talkers closer than that are not told apart; noise
/// in the estimates must not make the listener's talker jump).
struct TargetTracker: Equatable {
    private(set) var source: Int
    /// The target's delays per microphone (nil: not known yet).
    private(set) var signature: [Double?]
    private(set) var switches = 0
    private var challenger: Int?
    private var streak = 0

    static let confirmations = 3
    static let minimumSeparation = 0.15
    /// How much of each snapshot's estimate the signature takes: a few seconds of memory at ten
    /// snapshots a second, slow enough that another talker passing through does not capture it.
    static let following = 0.05

    init(source: Int, delays: [[Double?]]) {
        self.source = source
        signature = delays.indices.contains(source) ? delays[source] : []
    }

    /// Mean squared difference over the microphones both know; nil when they share none.
    private func distance(_ delays: [Double?]) -> Double? {
        var sum = 0.0, count = 0
        for (a, b) in zip(signature, delays) {
            if let a, let b { sum += (a - b) * (a - b); count += 1 }
        }
        return count > 0 ? sum / Double(count) : nil
    }

    /// Takes one snapshot's delays (per output, per microphone); returns true when the target
    /// moved to another output (`source`).
    mutating func update(delays: [[Double?]]) -> Bool {
        guard delays.indices.contains(source) else { return false }
        guard signature.contains(where: { $0 != nil }) else {
            signature = delays[source]  // the first snapshot after the choice
            return false
        }
        var moved = false
        if let current = distance(delays[source]), current >= Self.minimumSeparation * Self.minimumSeparation {
            let closest = delays.indices.filter { $0 != source }
                .compactMap { k in distance(delays[k]).map { (k, $0) } }
                .min { $0.1 < $1.1 }
            if let (k, d) = closest, d <= current / 4 {
                streak = challenger == k ? streak + 1 : 1
                challenger = k
                if streak >= Self.confirmations {
                    source = k
                    switches += 1
                    moved = true
                    challenger = nil
                    streak = 0
                }
            } else {
                challenger = nil
                streak = 0
            }
        } else {
            challenger = nil
            streak = 0
        }
        // Follow the talker where it is now (after a move: on its new output), but not while
        // another output is taking it: the current output may then hold another talker.
        guard challenger == nil else { return moved }
        for m in signature.indices where delays[source].indices.contains(m) {
            guard let estimate = delays[source][m] else { continue }
            signature[m] = signature[m].map { $0 + Self.following * (estimate - $0) } ?? estimate
        }
        return moved
    }
}

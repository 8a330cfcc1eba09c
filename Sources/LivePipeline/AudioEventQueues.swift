import AudioIO
import RealtimeSupport

/// One lock-free queue of `AudioEvent`s per audio thread (each queue has exactly one producer,
/// its thread, and one consumer, the logger), so an audio thread reports without allocating,
/// locking or writing to a file descriptor.
///
/// A full queue drops the new event; the events' running totals let the logger say how many it
/// missed. The queues outlive pipelines: the daemon keeps one set across device reopens, and
/// numbers a pipeline's events after those of the pipelines before it (`continueNumbering`).
public final class AudioEventQueues: Sendable {
    public enum Source: Int, CaseIterable, Sendable {
        case capture, processing, playback
    }

    private let rings: [SPSCRing<AudioEvent>]
    /// Per `AudioEvent.Kind`: what the ended pipelines counted, added to the running totals the
    /// audio threads post (which start at zero with each pipeline).
    private let carried = AtomicRow(count: AudioEvent.Kind.allCases.count)

    public init(capacity: Int = 256) {
        rings = Source.allCases.map { _ in SPSCRing<AudioEvent>(capacityFrames: capacity, channels: 1) }
    }

    /// Between pipelines (no audio thread posting): the next pipeline's event totals continue from
    /// `totals`, the daemon's counters of the pipelines that ended, so the log's "late block N"
    /// and "in total" go on across reopens and reloads exactly as `status` counts.
    public func continueNumbering(after totals: DaemonTotals) {
        for kind in AudioEvent.Kind.allCases { carried.store(Int(kind.rawValue), kind.total(in: totals)) }
    }

    /// On `source`'s thread only. Allocation-free. `total` is the pipeline's own running total.
    func post(_ kind: AudioEvent.Kind, count: Int, total: Int, from source: Source) {
        let total = carried.load(Int(kind.rawValue)) + total
        var event = AudioEvent(kind: kind, count: count, total: total, time: MonotonicClock.nanoseconds)
        _ = withUnsafePointer(to: &event) { rings[source.rawValue].push($0, count: 1) }
    }

    /// Logger thread only: every queued event, oldest first per thread.
    public func drain(_ body: (AudioEvent) -> Void) {
        var event = AudioEvent(kind: .lateBlock, count: 0, total: 0, time: 0)
        for ring in rings {
            while withUnsafeMutablePointer(to: &event, { ring.pop(into: $0, count: 1) }) == 1 {
                body(event)
            }
        }
    }
}

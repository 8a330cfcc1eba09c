import AudioIO
import ControlProtocol

/// One lock-free queue of `AudioEvent`s per audio thread (each queue has exactly one producer,
/// its thread, and one consumer, the logger), so an audio thread reports without allocating,
/// locking or writing to a file descriptor.
///
/// A full queue drops the new event; the events' running totals let the logger say how many it
/// missed. The queues outlive pipelines: the daemon keeps one set across device reopens.
public final class AudioEventQueues: Sendable {
    public enum Source: Int, CaseIterable, Sendable {
        case capture, processing, playback
    }

    private let rings: [SPSCRing<AudioEvent>]

    public init(capacity: Int = 256) {
        rings = Source.allCases.map { _ in SPSCRing<AudioEvent>(capacityFrames: capacity, channels: 1) }
    }

    /// On `source`'s thread only. Allocation-free.
    func post(_ kind: AudioEvent.Kind, count: Int, total: Int, from source: Source) {
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

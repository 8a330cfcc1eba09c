import DaemonConfig
import Glibc
import Synchronization

/// The output settings in force, shared between the control plane (writer) and the processing
/// thread (reader) without a lock on the audio path.
///
/// A sequence lock: `publish` makes `generation` odd, stores the fields, makes it even again; the
/// processing thread reads the generation, the fields, and the generation again, and keeps its
/// current mix when the two differ or are odd (it looks again at the next block). Writers are
/// serialised by a mutex that only control-plane threads take.
public final class LiveOutput: Sendable {
    public let playbackChannels: Int
    private let routes: AtomicRow
    private let gainBits = Atomic<UInt64>(0)
    private let muted = Atomic<Bool>(false)
    private let bypass = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let writer = Mutex<Void>(())

    public init(_ settings: OutputSettings) {
        playbackChannels = settings.routes.count
        routes = AtomicRow(count: settings.routes.count)
        publish(settings)
    }

    /// Control-plane threads. The route count must equal `playbackChannels` (P changes only by
    /// reopening the playback device).
    public func publish(_ settings: OutputSettings) {
        precondition(settings.routes.count == playbackChannels, "output routes must keep the playback channel count")
        writer.withLock { _ in
            generation.add(1, ordering: .sequentiallyConsistent)
            for (channel, route) in settings.routes.enumerated() { routes.store(channel, route ?? -1) }
            gainBits.store(settings.gainDecibels.bitPattern, ordering: .relaxed)
            muted.store(settings.muted, ordering: .relaxed)
            bypass.store(settings.bypass, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
        }
    }

    /// The settings as last published, in the form the control plane reports.
    public func settings() -> OutputSettings {
        writer.withLock { _ in
            OutputSettings(
                routes: (0..<playbackChannels).map { routes.load($0) }.map { $0 < 0 ? nil : $0 },
                gainDecibels: Double(bitPattern: gainBits.load(ordering: .relaxed)),
                muted: muted.load(ordering: .relaxed), bypass: bypass.load(ordering: .relaxed))
        }
    }

    /// Processing thread: copies the published mix into `mix` when it changed since `seen`, and
    /// returns the generation read (pass it back as `seen` next time). Allocation-free.
    func read(into mix: inout OutputMix, seen: Int) -> Int {
        let before = generation.load(ordering: .sequentiallyConsistent)
        guard before != seen, before & 1 == 0 else { return seen }
        for channel in 0..<playbackChannels { mix.routes[channel] = routes.load(channel) }
        mix.gain = Float(pow(10, Double(bitPattern: gainBits.load(ordering: .relaxed)) / 20))
        mix.muted = muted.load(ordering: .relaxed)
        mix.bypass = bypass.load(ordering: .relaxed)
        let after = generation.load(ordering: .sequentiallyConsistent)
        return after == before ? before : seen
    }
}

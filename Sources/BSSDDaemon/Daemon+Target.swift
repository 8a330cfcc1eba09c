import ControlProtocol
import DaemonConfig

/// `target`: the listener's talker on every playback channel, followed across the engine's
/// outputs by its direction (`TargetTracker`). The control thread chooses; the main loop follows,
/// about ten times a second, from the engine's latest snapshot.
extension Daemon {
    /// Seconds between two looks at the snapshots: the tap takes about ten a second.
    static let targetInterval = 0.1

    /// Chooses the target (or none) and routes it to every playback channel.
    public func target(_ choice: TargetChoice) throws(ControlError) -> TargetReport? {
        let sources = configuration.engine.sources
        let current = targeting.withLock { $0?.source }
        let source: Int
        switch choice {
        case .off:
            targeting.withLock { $0 = nil }
            return nil
        case .next:
            source = current.map { ($0 + 1) % sources } ?? 0
        case .source(let chosen):
            guard (0..<sources).contains(chosen) else {
                throw ControlError(.outOfRange, "invalid target source \(chosen): allowed is 0 to \(sources - 1) (the engine separates \(sources))")
            }
            source = chosen
        }
        _ = try set([.routing(Array(repeating: source, count: configuration.resolvedPlaybackChannels))])
        let tracker = TargetTracker(source: source, delays: observedDelays() ?? [])
        targeting.withLock { $0 = tracker }
        return Self.report(tracker)
    }

    /// The target in force, for `status`.
    func targetReport() -> TargetReport? {
        targeting.withLock { $0.map(Self.report) }
    }

    static func report(_ tracker: TargetTracker) -> TargetReport {
        TargetReport(source: tracker.source, delaysSamples: tracker.signature.map { $0.map { ObservationReport.rounded($0, decimals: 2) } },
                     switches: tracker.switches)
    }

    /// Main thread: one look at the latest snapshot; reroutes when the target moved to another
    /// output. A refused reroute (a reload changed the outputs) drops the target.
    func followTarget() {
        guard var tracker = targeting.withLock({ $0 }), let delays = observedDelays() else { return }
        let from = tracker.source
        guard tracker.update(delays: delays) else {
            targeting.withLock { if $0?.source == from { $0 = tracker } }
            return
        }
        do {
            _ = try set([.routing(Array(repeating: tracker.source, count: configuration.resolvedPlaybackChannels))])
            targeting.withLock { if $0?.source == from { $0 = tracker } }
            log.notice("The listener's talker moved from output \(from) to output \(tracker.source) (the engine's order of sources changed); every playback channel now plays output \(tracker.source).")
        } catch {
            targeting.withLock { $0 = nil }
            log.warning("Could not follow the listener's talker to output \(tracker.source) (\(error)); no target now. Choose one again with bssctl target.")
        }
    }
}

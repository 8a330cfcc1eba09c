import ControlProtocol
import ControlServer
import Synchronization

/// A `ControlHandler` that validates like the daemon will (alpha in (0,1), iterations 1–16,
/// routes to existing sources and channels, gain −96…24) and records what it was asked, so the
/// server is tested without an engine.
final class MockHandler: ControlHandler {
    struct Calls: Equatable {
        var resets = 0
        var saved: [String] = []
        var loaded: [String] = []
        var reloads = 0
        var shutdowns = 0
    }

    static let sources = 2
    let current = Mutex(LiveParameters(
        alpha: 0.97, iterations: 2, structure: .spherical, update: .ip, density: "t:50", mixture: .kmeans, routing: [0, 1], gainDB: 0, mute: false, bypass: false))
    let calls = Mutex(Calls())
    private let statusCount = Atomic<Int>(0)
    private let observeCount = Atomic<Int>(0)

    func status() -> StatusReport {
        let count = statusCount.add(1, ordering: .relaxed).newValue
        return StatusReport(
            state: .running, uptimeSeconds: Double(count), captureDevice: "hw:1", playbackDevice: "default", sampleRate: 16000,
            captureChannels: 2, playbackChannels: 2, sources: Self.sources, periodFrames: 256, periods: 3, latencyMilliseconds: 240,
            framesCaptured: 160_000, framesProcessed: 159_744, framesPlayed: 159_488, captureXruns: 1, playbackXruns: 0,
            lateBlocks: 2, overrunFrames: 0, blockMillisecondsP50: 3.1, blockMillisecondsP99: 9.5, blockMillisecondsMax: 12,
            budgetMilliseconds: 64, levelsDBFS: [-20.5, -.infinity], deviceReopens: 0, parameters: parameters(),
            sourceModels: ["spherical/t:50", "lowrank/t:50"])
    }

    func parameters() -> LiveParameters { current.withLock { $0 } }

    func set(_ changes: [ParameterChange]) throws(ControlError) -> LiveParameters {
        var next = parameters()
        for change in changes { try apply(change, to: &next) }
        current.withLock { $0 = next }
        return next
    }

    private func apply(_ change: ParameterChange, to parameters: inout LiveParameters) throws(ControlError) {
        func refuse(_ value: Any, _ allowed: String) -> ControlError {
            ControlError(.outOfRange, "\(change.name.rawValue) = \(value) is out of range: allowed is \(allowed)")
        }
        switch change {
        case .alpha(let alpha):
            guard alpha > 0, alpha < 1 else { throw refuse(alpha, "strictly between 0 and 1") }
            parameters.alpha = alpha
        case .iterations(let iterations):
            guard (1...16).contains(iterations) else { throw refuse(iterations, "1 to 16") }
            parameters.iterations = iterations
        case .structure(let structure): parameters.structure = structure
        case .update(let update): parameters.update = update
        case .density(let density):
            guard ["laplace", "gauss"].contains(density) || density.hasPrefix("t:") || density.hasPrefix("ggd:") else {
                throw ControlError(.invalidParams, "density '\(density)' is not a source density")
            }
            parameters.density = density
        case .mixture(let mixture): parameters.mixture = mixture
        // Live parameters hold no per-source models: the daemon reports them in `status`.
        case .sourceStructure(let source, _), .sourceDensity(let source, _):
            guard (0..<Self.sources).contains(source) else { throw refuse(source, "a source from 0 to \(Self.sources - 1)") }
        case .routing(let routes):
            guard routes.count == parameters.routing.count else { throw refuse(routes.count, "\(parameters.routing.count) routes") }
            for route in routes { if let route, !(0..<Self.sources).contains(route) { throw refuse(route, "a source from 0 to \(Self.sources - 1)") } }
            parameters.routing = routes
        case .route(let source, let channels):
            if let source, !(0..<Self.sources).contains(source) { throw refuse(source, "a source from 0 to \(Self.sources - 1)") }
            for channel in channels {
                guard parameters.routing.indices.contains(channel) else { throw refuse(channel, "a channel from 0 to \(parameters.routing.count - 1)") }
                parameters.routing[channel] = source
            }
        case .gainDB(let gain):
            guard (-96...24).contains(gain) else { throw refuse(gain, "-96 to 24 dB") }
            parameters.gainDB = gain
        case .mute(let mute): parameters.mute = mute
        case .bypass(let bypass): parameters.bypass = bypass
        }
    }

    func reset() throws(ControlError) { calls.withLock { $0.resets += 1 } }

    func target(_ choice: TargetChoice) throws(ControlError) -> TargetReport? {
        switch choice {
        case .off: return nil
        case .next: return TargetReport(source: 0, delaysSamples: [0, nil], switches: 0)
        case .source(let source):
            guard (0..<Self.sources).contains(source) else { throw ControlError(.outOfRange, "invalid target source \(source)") }
            return TargetReport(source: source, delaysSamples: [0, 0.25], switches: 1)
        }
    }

    func saveState(path: String) throws(ControlError) {
        guard !path.hasPrefix("/nonexistent/") else { throw ControlError(.failed, "cannot write \(path): No such file or directory") }
        calls.withLock { $0.saved.append(path) }
    }

    func loadState(path: String) throws(ControlError) {
        guard !path.hasSuffix(".wrong-shape") else {
            throw ControlError(.failed, "state \(path) is for 4 channels × 4 sources; this engine has 2 × 2")
        }
        calls.withLock { $0.loaded.append(path) }
    }

    /// `unavailable` on the first call, as a daemon whose engine has not taken a snapshot yet.
    func observe() throws(ControlError) -> ObservationReport {
        let count = observeCount.add(1, ordering: .relaxed).newValue
        guard count > 1 else { throw ControlError(.unavailable, "the engine has not taken a snapshot yet") }
        return ObservationReport(
            frame: 60 * count, version: count - 1, bandWidthHz: 250,
            spectraDB: [Array(repeating: -20.5, count: ObservationReport.bands), Array(repeating: -.infinity, count: ObservationReport.bands)],
            delaysSamples: [[0, 2.5], [0, nil]], masks: false)
    }

    func reload() throws(ControlError) -> String {
        calls.withLock { $0.reloads += 1 }
        return "alpha 0.97 → 0.98"
    }

    func shutdown() { calls.withLock { $0.shutdowns += 1 } }
}

import ControlProtocol
import DaemonConfig
import EngineParameters
import Glibc
import RealtimeEngine
import RegularFiles

/// What the control socket reads from and does to the running daemon. Runs on the control
/// thread; changes reach the processing thread through the engine channel (engine settings,
/// reset, state) and `LiveOutput` (routing, gain, mute, bypass), never through a lock it shares.
extension Daemon {
    /// The live parameters in force.
    public func liveParameters() -> LiveParameters {
        Self.liveParameters(configuration.engine, output.settings())
    }

    static func liveParameters(_ engine: SeparatorConfiguration, _ output: OutputSettings) -> LiveParameters {
        LiveParameters(
            alpha: engine.forgetting, iterations: engine.iterations,
            structure: engine.structure, update: engine.updateRule,
            density: engine.density.description, mixture: engine.mixture, routing: output.routes, gainDB: output.gainDecibels,
            mute: output.muted, bypass: output.bypass)
    }

    /// Checks every change against a copy of the settings in force, then applies them together:
    /// the engine's through one command between two blocks, the output's in one publication.
    public func set(_ changes: [ParameterChange]) throws(ControlError) -> LiveParameters {
        try reconfiguration.withLock { _ throws(ControlError) in
            var new = configuration
            let (engineSettings, outputSettings) = try Self.settings(new.engine, output.settings(), changedBy: changes)
            if engineSettings != new.engine {
                guard commands.send(.configure(engineSettings)) else {
                    throw ControlError(.timeout, "the processing thread did not take the change within 2 s; it may still apply")
                }
            }
            output.publish(outputSettings)
            new.engine = engineSettings
            new.output = outputSettings
            configuration = new
            return Self.liveParameters(engineSettings, outputSettings)
        }
    }

    /// The settings `changes` lead to, checked as a whole; the refusal of the first problem.
    static func settings(
        _ engine: SeparatorConfiguration, _ output: OutputSettings, changedBy changes: [ParameterChange]
    ) throws(ControlError) -> (SeparatorConfiguration, OutputSettings) {
        var engine = engine
        var output = output
        for change in changes {
            try apply(change, engine: &engine, output: &output)
        }
        do { try engine.validate() } catch {
            throw ControlError(.outOfRange, "\(error)")
        }
        if let problem = output.problem(sources: engine.sources) {
            throw ControlError(.outOfRange, "invalid \(problem.key) = \(problem.value): allowed is \(problem.allowed)")
        }
        return (engine, output)
    }

    private static func apply(
        _ change: ParameterChange, engine: inout SeparatorConfiguration, output: inout OutputSettings
    ) throws(ControlError) {
        switch change {
        case let .alpha(value): engine.forgetting = value
        case let .iterations(value): engine.iterations = value
        case let .structure(value): engine.structure = value
        case let .update(value): engine.updateRule = value
        case let .density(text):
            guard let density = SourceDensityKind(parsing: text) else {
                throw ControlError(.outOfRange, "invalid density = \(text): allowed is \(EngineParameter.density.allowed)")
            }
            engine.density = density
        case let .mixture(value): engine.mixture = value
        case let .sourceStructure(source, value):
            try checkSource(source, of: engine)
            engine.overrides[source].structure = value
        case let .sourceDensity(source, text):
            try checkSource(source, of: engine)
            guard let density = SourceDensityKind(parsing: text) else {
                throw ControlError(.outOfRange, "invalid source.\(source).density = \(text): allowed is \(EngineParameter.density.allowed)")
            }
            engine.overrides[source].density = density
        case let .routing(routes):
            guard routes.count == output.routes.count else {
                throw ControlError(.outOfRange, "invalid routing: \(routes.count) routes for \(output.routes.count) playback channels; give one per channel (the channel count changes only by reopening the device)")
            }
            output.routes = routes
        case let .route(source, channels):
            for channel in channels {
                guard output.routes.indices.contains(channel) else {
                    throw ControlError(.outOfRange, "invalid playback channel \(channel): allowed is 0 to \(output.routes.count - 1)")
                }
                output.routes[channel] = source
            }
        case let .gainDB(value): output.gainDecibels = value
        case let .mute(value): output.muted = value
        case let .bypass(value): output.bypass = value
        }
    }

    /// A source index a per-source change may name: one of the engine's outputs, and of an engine
    /// with source models (a clustering engine's outputs are directions, not models).
    private static func checkSource(_ source: Int, of engine: SeparatorConfiguration) throws(ControlError) {
        guard source < engine.sources else {
            throw ControlError(.outOfRange, "invalid source.\(source): allowed is a source index from 0 to \(engine.sources - 1)")
        }
        guard engine.family == .iva else {
            throw ControlError(.outOfRange, "invalid source.\(source): a clustering engine has no per-source models; its outputs are directions of its mixture")
        }
    }

    /// Fresh demixing state; the output keeps its settings.
    public func resetEngine() throws(ControlError) {
        guard commands.send(.reset) else {
            throw ControlError(.timeout, "the processing thread did not reset within 2 s; it may still do so")
        }
    }

    /// Copies the engine's state between two blocks and writes it to `path` atomically.
    public func saveState(path: String) throws(ControlError) {
        let bytes = try reconfiguration.withLock { _ throws(ControlError) -> [UInt8] in
            let state = engine.makeState()
            commands.stateSlot = state
            guard commands.send(.copyState) else {
                throw ControlError(.timeout, "the processing thread did not copy the state within 2 s")
            }
            if let failure = commands.takeStateFailure() { throw ControlError(.failed, "\(failure)") }
            return state.encoded()
        }
        do { try AtomicFileWriter.write(bytes, to: path) } catch {
            throw ControlError(.failed, "\(error)")
        }
    }

    /// Reads a state file and loads it between two blocks: the demixing matrices and source-model
    /// statistics are the file's, the parameters stay those in force. A state of another shape is
    /// refused before the engine is touched. Reads at most the length of a state of the running
    /// engine's shape, and only from a regular file (`TextFile`): a path to `/dev/zero` or to a
    /// FIFO is answered at once and costs nothing.
    public func loadState(path: String) throws(ControlError) {
        let limit = reconfiguration.withLock { _ in engine.encodedStateSize }
        let bytes: [UInt8]
        do { bytes = try TextFile.readBytes(path, limit: limit) } catch {
            throw ControlError(.failed, "cannot read \(path) as a state of the running engine: \(error)")
        }
        let state: SeparatorState<Float>
        do { state = try SeparatorState<Float>(decoding: bytes) } catch {
            throw ControlError(.failed, "\(path): \(error)")
        }
        try reconfiguration.withLock { _ throws(ControlError) in
            commands.stateSlot = state
            // The state carries the saved engine's parameters; the ones in force stay in force.
            guard commands.send(.loadState), commands.send(.configure(configuration.engine)) else {
                throw ControlError(.timeout, "the processing thread did not load the state within 2 s")
            }
            if let failure = commands.takeStateFailure() { throw ControlError(.failed, "\(path): \(failure)") }
        }
    }
}

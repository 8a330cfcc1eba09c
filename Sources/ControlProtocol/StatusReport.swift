/// Everything the daemon keeps about itself, as `status` and `subscribe` report it. Counters are
/// totals since the daemon started (they survive device reopening); times are milliseconds.
public struct StatusReport: Sendable, Equatable {
    /// Where the daemon's lifecycle is.
    public enum State: String, Sendable, CaseIterable {
        case starting, running, reopening, reloading, stopping
    }

    public var state: State
    public var uptimeSeconds: Double
    public var captureDevice: String
    public var playbackDevice: String
    public var sampleRate: Int
    public var captureChannels: Int
    public var playbackChannels: Int
    public var sources: Int
    /// ALSA period in frames and periods per buffer, as granted.
    public var periodFrames: Int
    public var periods: Int
    /// Capture-to-playback delay: STFT delay plus the buffered periods.
    public var latencyMilliseconds: Double
    public var framesCaptured: Int
    public var framesProcessed: Int
    public var framesPlayed: Int
    public var captureXruns: Int
    public var playbackXruns: Int
    /// Periods playback had to fill with the fallback because separation was late.
    public var lateBlocks: Int
    /// Frames dropped because a ring was full (capture side plus output side).
    public var overrunFrames: Int
    /// Engine time per block over a recent window, and the worst since start.
    public var blockMillisecondsP50: Double
    public var blockMillisecondsP99: Double
    public var blockMillisecondsMax: Double
    /// Real time available per block (hop / rate): p99 above it means the engine cannot keep up.
    public var budgetMilliseconds: Double
    /// Recent output level of each separated source in dBFS (−∞ for silence, sent as null).
    public var levelsDBFS: [Double]
    public var deviceReopens: Int
    public var parameters: LiveParameters
    /// Each source's model as `structure/density` (`lowrank/t:50`): the parameters' structure and
    /// density, or what the config file gives that source (`[engine.source.N]`).
    public var sourceModels: [String]
    /// A clustering engine's direction clusters, outputs first, as its latest observation shows
    /// them (`ObservationReport.clusters`); empty for a family without clusters or before the
    /// engine's first snapshot.
    public var clusters: [ClusterReport]
    /// The listener's chosen talker (`target`), nil when none is chosen.
    public var target: TargetReport?
    /// The FIR stage's start-up blend, 0 (the reference microphone) to 1 (the filters); nil with
    /// the STFT stage.
    public var outputTrust: Double?

    public init(
        state: State, uptimeSeconds: Double, captureDevice: String, playbackDevice: String, sampleRate: Int,
        captureChannels: Int, playbackChannels: Int, sources: Int, periodFrames: Int, periods: Int,
        latencyMilliseconds: Double, framesCaptured: Int, framesProcessed: Int, framesPlayed: Int,
        captureXruns: Int, playbackXruns: Int, lateBlocks: Int, overrunFrames: Int,
        blockMillisecondsP50: Double, blockMillisecondsP99: Double, blockMillisecondsMax: Double,
        budgetMilliseconds: Double, levelsDBFS: [Double], deviceReopens: Int, parameters: LiveParameters,
        sourceModels: [String], clusters: [ClusterReport] = [], target: TargetReport? = nil, outputTrust: Double? = nil
    ) {
        self.state = state
        self.uptimeSeconds = uptimeSeconds
        self.captureDevice = captureDevice
        self.playbackDevice = playbackDevice
        self.sampleRate = sampleRate
        self.captureChannels = captureChannels
        self.playbackChannels = playbackChannels
        self.sources = sources
        self.periodFrames = periodFrames
        self.periods = periods
        self.latencyMilliseconds = latencyMilliseconds
        self.framesCaptured = framesCaptured
        self.framesProcessed = framesProcessed
        self.framesPlayed = framesPlayed
        self.captureXruns = captureXruns
        self.playbackXruns = playbackXruns
        self.lateBlocks = lateBlocks
        self.overrunFrames = overrunFrames
        self.blockMillisecondsP50 = blockMillisecondsP50
        self.blockMillisecondsP99 = blockMillisecondsP99
        self.blockMillisecondsMax = blockMillisecondsMax
        self.budgetMilliseconds = budgetMilliseconds
        self.levelsDBFS = levelsDBFS
        self.deviceReopens = deviceReopens
        self.parameters = parameters
        self.sourceModels = sourceModels
        self.clusters = clusters
        self.target = target
        self.outputTrust = outputTrust
    }

    public var json: JSONValue {
        .object([
            "state": .string(state.rawValue),
            "uptime_s": .number(uptimeSeconds),
            "capture_device": .string(captureDevice),
            "playback_device": .string(playbackDevice),
            "rate": .integer(sampleRate),
            "capture_channels": .integer(captureChannels),
            "playback_channels": .integer(playbackChannels),
            "sources": .integer(sources),
            "period": .integer(periodFrames),
            "periods": .integer(periods),
            "latency_ms": .number(latencyMilliseconds),
            "frames_captured": .integer(framesCaptured),
            "frames_processed": .integer(framesProcessed),
            "frames_played": .integer(framesPlayed),
            "xruns_capture": .integer(captureXruns),
            "xruns_playback": .integer(playbackXruns),
            "late_blocks": .integer(lateBlocks),
            "overrun_frames": .integer(overrunFrames),
            "block_ms_p50": .number(blockMillisecondsP50),
            "block_ms_p99": .number(blockMillisecondsP99),
            "block_ms_max": .number(blockMillisecondsMax),
            "budget_ms": .number(budgetMilliseconds),
            "levels_dbfs": .array(levelsDBFS.map(JSONValue.number)),
            "device_reopens": .integer(deviceReopens),
            "parameters": parameters.json,
            "source_models": .array(sourceModels.map(JSONValue.string)),
            "clusters": .array(clusters.map(\.json)),
            "target": target?.json ?? .null,
            "output_trust": outputTrust.map(JSONValue.number) ?? .null,
        ])
    }

    public init(json: JSONValue) throws(ControlError) {
        let fields = try JSONFields(json, context: "status", code: .invalidReply)
        let stateText = try fields.string("state")
        guard let state = State(rawValue: stateText) else {
            throw ControlError(.invalidReply, "status.state '\(stateText)' is not a known state")
        }
        self.init(
            state: state, uptimeSeconds: try fields.double("uptime_s"),
            captureDevice: try fields.string("capture_device"), playbackDevice: try fields.string("playback_device"),
            sampleRate: try fields.int("rate"), captureChannels: try fields.int("capture_channels"),
            playbackChannels: try fields.int("playback_channels"), sources: try fields.int("sources"),
            periodFrames: try fields.int("period"), periods: try fields.int("periods"),
            latencyMilliseconds: try fields.double("latency_ms"), framesCaptured: try fields.int("frames_captured"),
            framesProcessed: try fields.int("frames_processed"), framesPlayed: try fields.int("frames_played"),
            captureXruns: try fields.int("xruns_capture"), playbackXruns: try fields.int("xruns_playback"),
            lateBlocks: try fields.int("late_blocks"), overrunFrames: try fields.int("overrun_frames"),
            blockMillisecondsP50: try fields.double("block_ms_p50"), blockMillisecondsP99: try fields.double("block_ms_p99"),
            blockMillisecondsMax: try fields.double("block_ms_max"), budgetMilliseconds: try fields.double("budget_ms"),
            levelsDBFS: try fields.doubles("levels_dbfs"), deviceReopens: try fields.int("device_reopens"),
            parameters: try LiveParameters(json: try fields.required("parameters", "an object")),
            sourceModels: try fields.array("source_models").map { value throws(ControlError) in
                guard case .string(let model) = value else { throw fields.failure("source_models", "an array of strings", got: value) }
                return model
            },
            clusters: try ClusterReport.array(fields, "clusters"), target: try TargetReport.optional(fields, "target"),
            outputTrust: try Self.optionalNumber(fields, "output_trust"))
    }

    /// A member that is a number or null.
    private static func optionalNumber(_ fields: JSONFields, _ key: String) throws(ControlError) -> Double? {
        let value = try fields.required(key, "a number or null")
        guard value == .null || value.doubleValue != nil else { throw fields.failure(key, "a number or null", got: value) }
        return value.doubleValue
    }
}

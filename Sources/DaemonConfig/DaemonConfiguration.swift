import AudioIO
import RealtimeEngine

/// Everything `SeparationPipeline` needs to run the live daemon, as a value: which PCMs, at what
/// rate and period, which engine, and what to do when something is late. The config file
/// (`DaemonConfigurationFile`) and the command line build one; `problem()` checks what needs no device.
public struct DaemonConfiguration: Sendable, Equatable {
    /// What playback plays for a period when the separated output is not there in time.
    public enum LateFallback: String, Sendable, CaseIterable {
        /// Zeros: a gap, but never the unseparated mixture.
        case silence
        /// The reference microphone (`engine.referenceMic`), most recent period, on every output
        /// channel: no gap, but the listener hears the mixture for that period.
        case bypass
    }

    /// How the three threads treat a ring that is full or short.
    public enum Pacing: String, Sendable, CaseIterable {
        /// The live policy. Capture never waits: when the capture ring is full the new period is
        /// dropped and counted (`captureOverrunFrames`). Playback never waits once started: when the
        /// output ring is short it plays the fallback and counts a late block, and later discards as
        /// many frames to bring the latency back.
        case realtime
        /// Nothing is dropped or substituted: capture waits for ring space and playback waits for
        /// processed frames, like JACK's freewheel mode. For devices with no clock of their own
        /// (alsa-lib's `null` and `file` plugins: tests, rendering through a PCM); on a clocked
        /// device a slow engine turns into xruns instead of late blocks.
        case freewheel
    }

    /// Capture PCM name (`hw:1`, `plughw:CARD=Array`, `default`, or one defined in `alsaDefinitions`).
    public var captureDevice: String
    /// Playback PCM name.
    public var playbackDevice: String
    /// Frames per second of both PCMs and the engine; granted exactly or the open fails.
    public var sampleRate: Int
    /// The engine's settings; `engine.channels` is the number of microphones captured (M) and
    /// `engine.sources` the number of separated outputs (K).
    public var engine: SeparatorConfiguration
    /// Channels opened on the playback PCM (P). Output p carries source p for p < K and silence
    /// above; nil opens K.
    public var playbackChannels: Int?
    /// Frames per ALSA period, both PCMs (each may be granted another size; the pipeline uses what
    /// was granted).
    public var periodFrames: Int
    /// Periods per ALSA buffer, both PCMs.
    public var periods: Int
    /// Periods of silence playback queues before the first separated period (and after an
    /// underrun): the margin for processing time jitter, and part of the latency.
    public var playbackPrefillPeriods: Int
    /// ALSA definitions in asoundrc syntax, loaded for these two opens only (see
    /// `ALSAPCMConfiguration.asoundrc`).
    public var alsaDefinitions: String?
    /// Stop by itself after capturing this many seconds (rounded to frames); nil runs until `stop()`.
    public var duration: Double?
    public var lateFallback: LateFallback
    public var pacing: Pacing
    /// SCHED_FIFO priority of the capture and playback threads (the processing thread gets 5 less,
    /// at least 1); nil leaves all three at normal priority.
    public var realtimePriority: Int?
    /// Whether `start()` calls `mlockall(MCL_CURRENT | MCL_FUTURE)`.
    public var lockMemory: Bool
    /// How long a read or write may wait for its device before the device counts as stalled.
    public var stallTimeoutMilliseconds: Int
    /// Routing, gain, mute and bypass of the playback channels; nil plays source p on channel p.
    public var output: OutputSettings?
    /// The engine's output stage (`[output] stage`): STFT resynthesis, or FIR filters for
    /// hearing-aid latency, whose block is the period (`engineStage`).
    public var stage = OutputStageSettings()
    /// The control socket: where, and who may connect.
    public var control: ControlSettings
    public var log: LogSettings
    /// What the config file says that bssd accepts but the operator should change (a deprecated
    /// key), one line each naming the file and the key: logged at start-up and at each reload,
    /// printed by `--check`. Not a setting: a reload that only changes these reopens nothing.
    public var warnings: [String] = []

    public init(
        captureDevice: String,
        playbackDevice: String,
        sampleRate: Int = 16000,
        engine: SeparatorConfiguration,
        playbackChannels: Int? = nil,
        periodFrames: Int = 256,
        periods: Int = 3,
        playbackPrefillPeriods: Int = 1,
        alsaDefinitions: String? = nil,
        duration: Double? = nil,
        lateFallback: LateFallback = .silence,
        pacing: Pacing = .realtime,
        realtimePriority: Int? = 70,
        lockMemory: Bool = true,
        stallTimeoutMilliseconds: Int = 2000,
        output: OutputSettings? = nil,
        control: ControlSettings = ControlSettings(),
        log: LogSettings = LogSettings()
    ) {
        self.captureDevice = captureDevice
        self.playbackDevice = playbackDevice
        self.sampleRate = sampleRate
        self.engine = engine
        self.playbackChannels = playbackChannels
        self.periodFrames = periodFrames
        self.periods = periods
        self.playbackPrefillPeriods = playbackPrefillPeriods
        self.alsaDefinitions = alsaDefinitions
        self.duration = duration
        self.lateFallback = lateFallback
        self.pacing = pacing
        self.realtimePriority = realtimePriority
        self.lockMemory = lockMemory
        self.stallTimeoutMilliseconds = stallTimeoutMilliseconds
        self.output = output
        self.control = control
        self.log = log
    }

    /// `stage` as the engine takes it: the FIR stage renders one period per block.
    public var engineStage: OutputStageSettings {
        var settings = stage
        settings.firBlock = periodFrames
        return settings
    }

    /// Microphones (M): the engine's channels.
    public var captureChannels: Int { engine.channels }

    /// P: one per route when routes are given, else `playbackChannels`, else one per source.
    public var resolvedPlaybackChannels: Int { output?.routes.count ?? playbackChannels ?? engine.sources }

    /// `output`, or source p on playback channel p.
    public var resolvedOutput: OutputSettings {
        output ?? .identity(sources: engine.sources, playbackChannels: resolvedPlaybackChannels)
    }

    /// `duration` in frames, or nil for an unbounded run.
    public var frameLimit: Int? {
        duration.map { Int(($0 * Double(sampleRate)).rounded()) }
    }

    /// The capture PCM's request.
    public var captureRequest: ALSAPCMConfiguration {
        ALSAPCMConfiguration(
            device: captureDevice, direction: .capture, sampleRate: sampleRate, channels: captureChannels,
            periodFrames: periodFrames, periods: periods, stallTimeoutMilliseconds: stallTimeoutMilliseconds,
            asoundrc: alsaDefinitions)
    }

    /// The playback PCM's request.
    public var playbackRequest: ALSAPCMConfiguration {
        ALSAPCMConfiguration(
            device: playbackDevice, direction: .playback, sampleRate: sampleRate, channels: resolvedPlaybackChannels,
            periodFrames: periodFrames, periods: periods, playbackPrefillPeriods: playbackPrefillPeriods,
            stallTimeoutMilliseconds: stallTimeoutMilliseconds, asoundrc: alsaDefinitions)
    }

    /// The first problem that needs no device (the engine's and ALSA's own checks run when the
    /// pipeline is built), as a sentence, or nil.
    public func problem() -> String? {
        invalidSetting()?.description
    }

    /// `problem()` with the key that is wrong, as the config file spells it (`playback_channels`,
    /// `routing`, `gain_db`, `duration`, `priority`), so that the file can point at its line.
    public func invalidSetting() -> InvalidSetting? {
        if let playbackChannels, playbackChannels < 1 || playbackChannels > 64 {
            return InvalidSetting(key: "playback_channels", value: "\(playbackChannels)", allowed: "1 to 64 channels")
        }
        if let routes = output?.routes, let playbackChannels, routes.count != playbackChannels {
            return InvalidSetting(
                key: "routing", value: "\(routes.count) routes",
                allowed: "one route per playback channel (\(playbackChannels) playback channels)")
        }
        if let problem = output?.problem(sources: engine.sources) {
            return InvalidSetting(key: problem.key, value: problem.value, allowed: problem.allowed)
        }
        if let duration, !(duration > 0) || !duration.isFinite || (frameLimit ?? 0) < 1 {
            return InvalidSetting(key: "duration", value: "\(duration) s", allowed: "a positive number of frames")
        }
        if let realtimePriority, !(1...99).contains(realtimePriority) {
            return InvalidSetting(key: "priority", value: "\(realtimePriority)", allowed: "SCHED_FIFO's 1…99")
        }
        return nil
    }
}

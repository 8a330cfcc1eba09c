import ArgumentParser
import AudioIO
import BSSDDaemon
import DaemonConfig
import DaemonLogging
import Foundation
import LivePipeline
import RealtimeEngine
import RegularFiles
import Synchronization

/// `bssd run`: the live daemon, capture → separation → playback, in the foreground.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Separate a live ALSA capture stream into an ALSA playback stream.",
        discussion: """
            Captures M channels from --capture, separates them with the streaming engine and plays one \
            channel per source to --playback, on three threads (capture, processing, playback) joined by \
            lock-free rings. SIGINT or SIGTERM stops it: the captured audio is processed and played out, a \
            one-line summary is printed and bssd exits 0 (a second signal kills it). With unclocked PCMs \
            (null, file) use --freewheel: in real-time pacing they spin, at SCHED_FIFO priority too. \
            --config FILE reads the settings from a TOML file (config/bssd.toml documents every key); options \
            given on the command line override the file's keys. --check validates without opening a device. \
            Exit codes: 64 bad option, 66 unreadable --config or --asoundrc, 69 device missing or failing, \
            77 permission denied, 78 invalid setting.
            Example: bssd run --capture plughw:CARD=Array --playback default --channels 4 --period 256
            or: bssd --config /etc/bssd/bssd.toml --check
            """
    )

    @Option(help: "A config file (TOML, see config/bssd.toml); the options below override its keys one by one.")
    var config: String?

    @Flag(help: "Check the configuration (file, keys, values, cross-checks) without opening a device: print a summary and exit 0, or the problem and exit 78.")
    var check = false

    @Option(help: "Capture PCM (e.g. hw:1, plughw:CARD=Array,DEV=0, or a name from --asoundrc); required without --config.")
    var capture: String?

    @Option(help: "Playback PCM; required without --config.")
    var playback: String?

    @Option(help: "Sample rate in Hz, for both devices and the engine (granted exactly or refused). (default: \(defaults.sampleRate))")
    var rate: Int?

    @Option(help: "Microphones to capture (M); also the number of separated sources unless --sources or engine.sources says fewer. (default: \(defaults.captureChannels))")
    var channels: Int?

    @Option(help: "Sources to separate (K), 1 to M: fewer than the microphones separates K talkers from a background (default: one per microphone).")
    var sources: Int?

    @Option(name: .customLong("playback-channels"), help: "Channels to open for playback (default: one per source; extra ones are silent).")
    var playbackChannels: Int?

    @Option(help: "Frames per ALSA period. (default: \(defaults.periodFrames))")
    var period: Int?

    @Option(help: "Periods per ALSA buffer. (default: \(defaults.periods))")
    var periods: Int?

    @Option(help: "Periods of silence queued before playback starts: the margin for processing jitter. (default: \(defaults.playbackPrefillPeriods))")
    var prefill: Int?

    @Option(help: "A file of ALSA definitions (asoundrc syntax) loaded for these two devices only.")
    var asoundrc: String?

    @Option(help: "Stop by itself after capturing this many seconds.", transform: decimalOption)
    var duration: Double?

    @Option(help: "What to play when separation is late: silence or bypass (the reference microphone). (default: \(defaults.lateFallback.rawValue))")
    var fallback: DaemonConfiguration.LateFallback?

    @Option(name: .customLong("rt-priority"), help: "SCHED_FIFO priority of the audio threads (1–99); 0 leaves them at normal priority. (default: \(defaults.realtimePriority ?? 0))")
    var realtimePriority: Int?

    @Flag(inversion: .prefixedNo, help: "Lock bssd's memory (mlockall); on unless the config file says otherwise.")
    var mlock: Bool?

    @Flag(inversion: .prefixedNo, help: "Never drop or substitute audio: threads wait for each other (for clockless PCMs such as ALSA's file plugin).")
    var freewheel: Bool?

    @Flag(name: .customLong("test-stall-signal"), help: .hidden)
    var testStallSignal = false

    @OptionGroup(title: "Engine")
    var engine: EngineOptions

    @OptionGroup(title: "Output stage")
    var stage: StageOptions

    private static let defaults = DaemonConfigurationFile.defaults

    func validate() throws {
        if config == nil, capture == nil || playback == nil {
            throw ValidationError("--capture and --playback are required without --config.")
        }
    }

    func run() throws {
        let configuration = try effectiveConfiguration()
        if check {
            do { try configuration.check() } catch {
                Self.log("bssd run: \(error)")
                throw ExitCode(78)
            }
            for warning in configuration.warnings { Self.log("bssd run: warning: \(warning)") }
            print("\(config ?? "command line"): OK: \(configuration.summary)")
            return
        }
        // alsa-lib would print its own terse line for every failed open; the ALSAError says more.
        ALSALibraryMessages.silence()
        let environment = ProcessInfo.processInfo.environment
        let log = DaemonLog(level: configuration.log.level, environment: environment)
        let notifier: SystemdNotifier?
        do { notifier = try SystemdNotifier(environment: environment) } catch {
            log.warning("Ignoring systemd's notification settings: \(error)")
            notifier = nil
        }
        let daemon: Daemon
        do {
            daemon = try Daemon(
                configuration: configuration, log: log,
                loader: config.map { path in
                    let overrides = self
                    return { () throws in try overrides.fileConfiguration(path) }
                },
                environment: environment, notifier: notifier)
        } catch {
            log.error("\(error)")
            throw ExitCode(error.exitCode)
        }
        DaemonSignals.install(stall: testStallSignal)
        let totals: DaemonTotals
        do {
            totals = try daemon.run(onTick: { DaemonSignals.forward(to: daemon) })
        } catch {
            log.error("\(error)")
            throw ExitCode(error.exitCode)
        }
        log.notice(daemon.summary(totals))
    }

    /// The config file's configuration (or the defaults), with every option that was given
    /// applied over it.
    private func effectiveConfiguration() throws -> DaemonConfiguration {
        do throws(ConfigFileError) {
            if let config { return try fileConfiguration(config) }
            var configuration = Self.defaults
            try applyOptions(to: &configuration)
            return configuration
        } catch {
            Self.log("\(error)")  // one line per problem, each naming the file
            throw ExitCode(error.exitCode)
        }
    }

    /// `path` loaded, with the options given on the command line over it: at start and again at
    /// every reload, so command-line overrides survive a SIGHUP.
    private func fileConfiguration(_ path: String) throws(ConfigFileError) -> DaemonConfiguration {
        var configuration = try DaemonConfigurationFile.load(path: path)
        try applyOptions(to: &configuration)
        return configuration
    }

    /// Overrides the settings whose option was given, and only those: a file reloaded later
    /// keeps the same overrides.
    private func applyOptions(to configuration: inout DaemonConfiguration) throws(ConfigFileError) {
        if let capture { configuration.captureDevice = capture }
        if let playback { configuration.playbackDevice = playback }
        if let rate { configuration.sampleRate = rate }
        if let channels {
            // A square engine follows the new microphone count; one set to fewer sources keeps them.
            if configuration.engine.sources == configuration.engine.channels { configuration.engine.sources = channels }
            configuration.engine.channels = channels
            // As a new --frame brings its hop: a new microphone count brings its default history,
            // unless --history says otherwise (applied just below).
            configuration.engine.history = SeparatorConfiguration.defaultHistory(channels: channels)
        }
        if let sources { configuration.engine.sources = sources }
        engine.apply(to: &configuration.engine)
        stage.apply(to: &configuration.stage)
        if let playbackChannels { configuration.playbackChannels = playbackChannels }
        if let period { configuration.periodFrames = period }
        if let periods { configuration.periods = periods }
        if let prefill { configuration.playbackPrefillPeriods = prefill }
        if let asoundrc {
            do { configuration.alsaDefinitions = try TextFile.read(asoundrc) } catch {
                throw ConfigFileError(path: asoundrc, reason: .unreadable(reason: "--asoundrc: \(error)"))
            }
        }
        if let duration { configuration.duration = duration }
        if let fallback { configuration.lateFallback = fallback }
        if let realtimePriority { configuration.realtimePriority = realtimePriority > 0 ? realtimePriority : nil }
        if let mlock { configuration.lockMemory = mlock }
        if let freewheel { configuration.pacing = freewheel ? .freewheel : .realtime }
    }

    private static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension DaemonConfiguration.LateFallback: ExpressibleByArgument {}

extension ConfigFileError {
    /// sysexits: 66 a file that cannot be read, 78 one that says something wrong.
    var exitCode: Int32 { isUnreadable ? 66 : 78 }
}

extension PipelineError {
    /// sysexits: 78 a setting, 77 permission, 69 a device missing, busy or failing.
    var exitCode: Int32 {
        switch self {
        case .configuration, .engine: 78
        case let .device(error):
            switch error {
            case .invalidConfiguration, .invalidDefinitions, .parameterRefused: 78
            case let .cannotOpen(_, _, code, _) where code == -EACCES || code == -EPERM: 77
            default: 69
            }
        case .thread: 71
        }
    }
}

extension DaemonError {
    /// sysexits as for the pipeline; a control socket that cannot be opened is 73 (can't create)
    /// or 77 (permission).
    var exitCode: Int32 {
        switch self {
        case let .pipeline(error): error.exitCode
        case let .controlSocket(error):
            if case let .system(_, _, code) = error, code == EACCES || code == EPERM { 77 } else { 73 }
        }
    }
}

import Foundation

/// The repository's paced ALSA rig (`scripts/rig/paced-alsa.sh`: JACK2's dummy backend as the
/// clock, the ALSA `jack` plugin for the PCMs) driven from a test: `bss_capture`/`bss_playback`
/// for the pipeline, `bss_feed`/`bss_tap` for the test, all at real-time pace.
///
/// Every rig gets its own state folder and JACK server name, so it never meets a rig that a
/// developer (or another test run on the machine) has running. The jack plugin reads the server
/// name from the environment, so `start` sets `JACK_DEFAULT_SERVER` for this process.
struct PacedRig {
    let directory: URL
    let server: String
    /// The rig's PCM definitions, for `DaemonConfiguration.alsaDefinitions` and `ALSAPCMConfiguration.asoundrc`.
    let definitions: String

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/rig/paced-alsa.sh")

    /// Whether the rig's packages (jackd2, the ALSA jack plugin, a C compiler) are there or could
    /// be installed; the script installs them with apt. Evaluated once, when a test asks.
    static let isAvailable: Bool = run(["install"]).status == 0

    /// Whether this process may use SCHED_FIFO (root, CAP_SYS_NICE or an rtprio limit): a rig with
    /// periods of a millisecond needs a real-time JACK, which is then asked for.
    static let realtimeIsAllowed: Bool = {
        var old = sched_param(), policy: Int32 = 0
        pthread_getschedparam(pthread_self(), &policy, &old)
        var fifo = sched_param(sched_priority: 1)
        guard pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo) == 0 else { return false }
        pthread_setschedparam(pthread_self(), policy, &old)
        return true
    }()

    /// Starts jackd and the hub; throws with the script's output when they do not come up. With
    /// `realtime`, JACK runs SCHED_FIFO (the script's --realtime).
    static func start(rate: Int, period: Int, captureChannels: Int, playbackChannels: Int, realtime: Bool = false) throws -> PacedRig {
        let tag = "bssd-test-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(tag)
        let rig = PacedRig(directory: directory, server: tag, definitions: "")
        let result = run(["start", "--rate", "\(rate)", "--period", "\(period)",
                          "--capture", "\(captureChannels)", "--playback", "\(playbackChannels)"] + (realtime ? ["--realtime"] : []), rig: rig)
        guard result.status == 0 else { throw RigFailure(output: result.output) }
        setenv("JACK_DEFAULT_SERVER", tag, 1)
        setenv("JACK_NO_START_SERVER", "1", 1)
        let definitions = try String(contentsOf: directory.appendingPathComponent("asoundrc"), encoding: .utf8)
        return PacedRig(directory: directory, server: tag, definitions: definitions)
    }

    /// JACK xrun notifications so far: cycles the server itself could not finish, i.e. the rig
    /// was overloaded. A measurement window that saw one says nothing about the pipeline.
    var jackXruns: Int {
        let text = try? String(contentsOf: directory.appendingPathComponent("xruns"), encoding: .utf8)
        return Int(text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    /// Stops the hub and jackd but keeps the folder: the sound server behind the PCMs is gone, as
    /// after a crash, while a daemon still has them open.
    func killServer() {
        _ = Self.run(["stop"], rig: self)
    }

    /// Starts the hub and jackd again under the same server name, with the same PCM definitions.
    func restartServer(rate: Int, period: Int, captureChannels: Int, playbackChannels: Int) throws {
        let result = Self.run(["start", "--rate", "\(rate)", "--period", "\(period)",
                               "--capture", "\(captureChannels)", "--playback", "\(playbackChannels)"], rig: self)
        guard result.status == 0 else { throw RigFailure(output: result.output) }
    }

    /// Stops the hub and jackd (by their saved pids) and removes the state folder. Every PCM on
    /// the rig must be closed first: a jack PCM whose server is gone blocks forever.
    func stop() {
        _ = Self.run(["stop"], rig: self)
        try? FileManager.default.removeItem(at: directory)
    }

    struct RigFailure: Error, CustomStringConvertible {
        let output: String
        var description: String { "the paced rig did not start:\n\(output)" }
    }

    /// Runs the script with `arguments`, its output to a file; posix_spawn and waitpid rather
    /// than Foundation's `Process`, whose exit monitoring hung in the test runner here.
    private static func run(_ arguments: [String], rig: PacedRig? = nil) -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        if let rig {
            environment["BSS_RIG_DIR"] = rig.directory.path
            environment["BSS_JACK_SERVER"] = rig.server
        }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("paced-rig-\(getpid())-\(UInt32.random(in: 0 ... .max)).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let argv = ["/bin/bash", "-c", "exec /bin/bash \"$0\" \"$@\" </dev/null >\"$BSS_RIG_LOG\" 2>&1", script.path] + arguments
        let envp = environment.map { "\($0)=\($1)" } + ["BSS_RIG_LOG=\(log.path)"]
        var cArguments = argv.map { strdup($0) } + [nil]
        var cEnvironment = envp.map { strdup($0) } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, "/bin/bash", nil, nil, &cArguments, &cEnvironment)
        guard code == 0 else { return (-1, "cannot run \(script.path): \(String(cString: strerror(code)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        // Exited normally: the exit code; killed by a signal: -1.
        return ((status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1, output)
    }
}

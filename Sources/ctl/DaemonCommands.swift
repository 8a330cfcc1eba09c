import ArgumentParser
import ControlClient
import ControlProtocol

struct Ping: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that bssd is running and answering.",
        discussion: "Exits 0 when the daemon answers, 2 when it cannot be reached (with the path tried and hints).")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try connection.run(.ping) { _ in "bssd is running (protocol \(ControlProtocol.version)) at \(connection.socketPath)" }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's state, devices, counters, timing, levels and parameters.",
        discussion: """
            Block time is the engine's time per block (p50/p99 over a recent window, max since
            start) against the budget (hop / rate); p99 above the budget means the engine cannot
            keep up and late blocks follow. Levels are the separated sources' recent RMS in dBFS.
            """)

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try connection.run(.status) { result throws(ControlError) in HumanText.status(try StatusReport(json: result)) }
    }
}

struct Observe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what the engine hears: each output's spectrum and each source's delay per microphone.",
        discussion: """
            From the engine's latest snapshot (taken about ten times a second). Bars show each \
            output's level in 32 bands from 0 Hz to half the rate, relative to the loudest band; \
            delays are in samples after the reference microphone, estimated below 2 kHz. Right \
            after the daemon starts there is no snapshot yet: the daemon answers 'unavailable'.
            """)

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try connection.run(.observe) { result throws(ControlError) in HumanText.observation(try ObservationReport(json: result)) }
    }
}

struct Reset: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start separation afresh (identity demixing, empty statistics).",
        discussion: "Use after the scene changed completely; the engine re-converges in a few seconds.")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try connection.run(.reset) { _ in "demixing state reset" }
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-read the daemon's configuration file (like SIGHUP).",
        discussion: "Prints what changed. A configuration that does not parse is refused and the running one kept.")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try connection.run(.reload) { result in
            if case .string(let summary) = result["summary"] { return summary }
            return result.serialized
        }
    }
}

struct Shutdown: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop the daemon cleanly.",
        discussion: "Under systemd with Restart=always the service manager may start it again; use `systemctl stop bssd` there.")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try connection.run(.shutdown) { _ in "bssd is shutting down" }
    }
}

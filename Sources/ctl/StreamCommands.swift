import ArgumentParser
import ControlClient
import ControlProtocol
import Foundation
import Synchronization

/// Set by SIGINT; `monitor` and `subscribe` end cleanly when they see it.
private let interrupted = Atomic<Bool>(false)

/// Streams status replies to `body` until Ctrl-C (exit 0), the daemon closes, or an error.
private func stream(_ connection: ConnectionOptions, interval: Double, _ body: (JSONValue) throws(ClientError) -> Void) throws {
    signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
    try reportingFailures { () throws(ClientError) in
        let client = try connection.connect()
        client.isInterrupted = { interrupted.load(ordering: .relaxed) }
        let id = try client.send(.subscribe(interval: interval))
        do throws(ClientError) {
            // A missed update is tolerated; several in a row mean the daemon is stuck.
            while let reply = try client.readReply(timeout: interval * 3 + connection.timeout) {
                switch reply.outcome {
                case .failure(let error): throw ClientError.reply(error)
                case .success(let result) where reply.id == id: try body(result)
                case .success: continue
                }
            }
            throw ClientError.transport("bssd closed the connection")
        } catch {
            if case .interrupted = error { return }
            throw error
        }
    }
}

private let intervalHelp = ArgumentHelp(
    "Seconds between updates (\(ControlProtocol.subscribeIntervals.lowerBound) to \(Int(ControlProtocol.subscribeIntervals.upperBound))).",
    valueName: "seconds")

struct Subscribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the status at a fixed interval until Ctrl-C.",
        discussion: "One line per update; with --json one JSON status object per line, for logging or scripts.")

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: intervalHelp)
    var interval: Double = 1

    func run() throws {
        try stream(connection, interval: interval) { result throws(ClientError) in
            if connection.json {
                print(result.serialized)
            } else {
                let status = try decode(result)
                let levels = status.levelsDBFS.map { $0.isFinite ? String(format: "%.1f", $0) : "-inf" }.joined(separator: " ")
                print("\(status.state.rawValue) up \(Int(status.uptimeSeconds))s  p99 \(String(format: "%.2f", status.blockMillisecondsP99))/\(String(format: "%.2f", status.budgetMilliseconds)) ms  xruns \(status.captureXruns)/\(status.playbackXruns)  late \(status.lateBlocks)  levels [\(levels)] dBFS")
            }
            fflush(nil)
        }
    }
}

struct Monitor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Live terminal view of levels, block time and xruns, refreshed in place.",
        discussion: """
            Bars show each separated source's level from -60 to 0 dBFS, and each output's spectrum \
            in 32 bands (as `bssctl observe`; left out while the daemon has no snapshot or does not \
            know `observe`). Ctrl-C quits and restores the terminal.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: intervalHelp)
    var interval: Double = 0.2

    func run() throws {
        print("\u{1B}[2J" + MonitorView.hideCursor, terminator: "")
        defer { print(MonitorView.showCursor) }
        // A second connection asks `observe` at each update, so its replies never interleave with
        // the subscription's; the monitor goes on without spectra when it cannot.
        var observer = try? connection.connect()
        try stream(connection, interval: interval) { result throws(ClientError) in
            var observation: ObservationReport?
            do throws(ClientError) {
                if let connection = observer {
                    let reply = try connection.call(.observe, timeout: self.connection.timeout)
                    observation = try? ObservationReport(json: reply)
                }
            } catch {
                // Not yet a snapshot: ask again next time. An older daemon, or a broken connection: stop asking.
                if case .reply(let refusal) = error, refusal.code == .unavailable {} else { observer = nil }
            }
            print(MonitorView.home + MonitorView.frame(try decode(result), observation: observation) + MonitorView.clearBelow, terminator: "")
            fflush(nil)
        }
    }
}

private func decode(_ result: JSONValue) throws(ClientError) -> StatusReport {
    do {
        return try StatusReport(json: result)
    } catch {
        throw .transport(error.message)
    }
}

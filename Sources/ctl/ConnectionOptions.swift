import ArgumentParser
import ControlClient
import ControlProtocol
import Foundation

/// The options every subcommand takes, and the one way they all talk to the daemon. They may
/// also precede the subcommand: `CommandLineOrder.connectionOptions` lists them for that.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Control socket of the daemon (default: $BSSD_SOCKET or the daemon's default path).", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the daemon to accept and to answer.", valueName: "seconds"))
    var timeout: Double = 5

    @Flag(name: .long, help: "Print the daemon's raw JSON result instead of a human summary.")
    var json = false

    var socketPath: String {
        RequestBuilder.socketPath(
            option: socket, environment: ProcessInfo.processInfo.environment, uid: getuid(),
            exists: { FileManager.default.fileExists(atPath: $0) })
    }

    func connect() throws(ClientError) -> ControlConnection {
        try ControlConnection.connect(path: socketPath, timeout: timeout)
    }

    /// Sends `method`, prints the result (`human` renders it unless --json), and turns every
    /// failure into its message on stderr and the documented exit code.
    func run(_ method: ControlMethod, human: (JSONValue) throws(ControlError) -> String) throws {
        try reportingFailures { () throws(ClientError) in
            let result = try connect().call(method, timeout: timeout)
            let text: String
            do throws(ControlError) {
                text = json ? result.serialized : try human(result)
            } catch {
                throw .transport(error.message)
            }
            print(text)
        }
    }

    /// Builds the request from the command line; a word the request cannot be made from is a
    /// usage error (exit 64, like ArgumentParser's own).
    func build(_ make: () throws(ControlError) -> ControlMethod) throws -> ControlMethod {
        do {
            return try make()
        } catch {
            throw ValidationError(error.message)
        }
    }
}

/// Runs `body`; a `ClientError` becomes "bssctl: message" on stderr and its exit code.
func reportingFailures(_ body: () throws(ClientError) -> Void) throws {
    do {
        try body()
    } catch {
        FileHandle.standardError.write(Data("bssctl: \(error)\n".utf8))
        throw ExitCode(error.exitCode)
    }
}

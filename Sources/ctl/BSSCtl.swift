import ArgumentParser
import ControlClient

@main
struct BSSCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bssctl",
        abstract: "Control a running bssd: status, live parameters, state files, monitoring.",
        discussion: """
            bssctl talks to bssd over its control socket (newline-delimited JSON, see
            docs/control-protocol.md). The socket is --socket PATH, else $BSSD_SOCKET, else the
            daemon's default: $RUNTIME_DIRECTORY/control.sock, $XDG_RUNTIME_DIR/bssd/control.sock,
            /tmp/bssd-UID/control.sock, or /run/bssd/control.sock for the system service.

            The connection options --socket, --timeout and --json go before or after the
            subcommand: bssctl --socket PATH status is bssctl status --socket PATH.

            Every subcommand prints a human summary, or with --json the raw result.
            Exit codes: 0 success, 1 the daemon refused the request (or the exchange broke),
            2 cannot connect to the daemon.
            """,
        subcommands: [
            Ping.self, Status.self, Observe.self, Get.self, Set.self, Route.self, Target.self, Gain.self, Mute.self, Unmute.self, Bypass.self,
            Reset.self, SaveState.self, LoadState.self, Reload.self, Shutdown.self, Subscribe.self, Monitor.self,
        ]
    )

    /// Parses with the connection options moved after the subcommand (see `CommandLineOrder`).
    static func main() {
        do {
            main(try CommandLineOrder.connectionOptionsAfterSubcommand(Array(CommandLine.arguments.dropFirst())))
        } catch {
            exit(withError: ValidationError(error.message))
        }
    }
}

import ArgumentParser

/// Control CLI for a running bssd. The socket protocol lands with the control-plane issue;
/// until then the command only explains that.
@main
struct BSSCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bssctl",
        abstract: "Control a running bssd daemon (not available yet: the control socket is not implemented)."
    )

    func run() throws {
        print("bssctl: the bssd control socket is not implemented yet; nothing to talk to.")
        throw ExitCode(69)
    }
}

import ArgumentParser
import ControlClient
import ControlProtocol
import Foundation

/// `path` as the daemon must see it: absolute, since its working directory is not ours.
private func daemonPath(_ path: String) -> String {
    RequestBuilder.absolutePath(path, workingDirectory: FileManager.default.currentDirectoryPath)
}

struct SaveState: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save-state",
        abstract: "Save the demixing state (matrices and source-model statistics) to a file.",
        discussion: """
            The daemon writes the file itself, as its own user, so the directory must be writable
            by it. The write is atomic (temporary file, then rename): a crash leaves the old file.
            A relative PATH is taken relative to the current directory.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "File to write.")
    var path: String

    func run() throws {
        let target = daemonPath(path)
        try connection.run(.saveState(path: target)) { _ in "state saved to \(target)" }
    }
}

struct LoadState: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load-state",
        abstract: "Load a demixing state saved by save-state (warm start).",
        discussion: """
            The state must come from an engine of the same shape (channels, sources, frame length,
            hop, history, bases); another shape is refused with the difference named, and the running state kept.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "File to read.")
    var path: String

    func run() throws {
        let target = daemonPath(path)
        try connection.run(.loadState(path: target)) { _ in "state loaded from \(target)" }
    }
}

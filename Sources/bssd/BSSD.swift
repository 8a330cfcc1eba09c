import ArgumentParser

/// The bssd executable: the daemon (with the daemon issue), and tools that run the same engine.
@main
struct BSSD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bssd",
        abstract: "Real-time blind source separation for microphone arrays.",
        discussion: """
            bssd separates what a 2–8 microphone array hears into one signal per source with online \
            auxiliary-function IVA / ILRMA. `bssd run`, the default subcommand, is the live daemon: \
            `bssd --config FILE` runs it from a config file and `bssd --config FILE --check` checks one. \
            `bssd separate` runs the streaming engine over a WAV file; `bssd bench` measures its speed.
            """,
        subcommands: [SeparateCommand.self, BenchCommand.self, RunCommand.self],
        defaultSubcommand: RunCommand.self
    )
}

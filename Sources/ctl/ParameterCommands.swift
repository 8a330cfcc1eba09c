import ArgumentParser
import ControlClient
import ControlProtocol
import EngineParameters
import Foundation
import PlainDecimal

/// The human rendering of a result holding all parameters (what `set` and friends return).
private func parametersText(_ result: JSONValue) throws(ControlError) -> String {
    HumanText.parameters(try LiveParameters(json: result))
}

private let parameterList = ParameterName.allCases.map { "  \($0.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \($0.allowed)" }
    .joined(separator: "\n")

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the live parameters, or one of them.",
        discussion: "Parameters:\n\(parameterList)")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "A parameter name; all parameters when omitted.")
    var name: String?

    func run() throws {
        let method = try connection.build { () throws(ControlError) in try RequestBuilder.get(name: name) }
        try connection.run(method) { result throws(ControlError) in
            guard case .get(let parameter?) = method else { return try parametersText(result) }
            return HumanText.value(result[parameter.rawValue] ?? .null)
        }
    }
}

struct Set: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change a live parameter; it takes effect between two blocks, without a glitch.",
        discussion: """
            Parameters and allowed values:
            \(parameterList)

            Examples:
              bssctl set alpha 0.98
              bssctl set density t:10
              bssctl set structure lowrank
              bssctl set routing 1,1        (source 1 on both playback channels)
              bssctl set routing 0,off      (source 0 on channel 0, silence on channel 1)
            Prints the parameters now in force. An out-of-range value is
            refused (exit 1) and nothing changes. The names of the previous
            release, algorithm (iva, ilrma) and model, still work with a warning.
            Per-source models are set in the config file ([engine.source.N]).
            """)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "Parameter name (see the list below).")
    var name: String

    @Argument(help: "New value.")
    var value: String

    func run() throws {
        let method = try connection.build { () throws(ControlError) in try RequestBuilder.set(name: name, value: value) }
        if let old = RequestBuilder.deprecatedName(name) {
            FileHandle.standardError.write(Data("bssctl: warning: \(old.warning(value, in: .control))\n".utf8))
        }
        try connection.run(method, human: parametersText)
    }
}

struct Route: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a separated source on some playback channels.",
        discussion: """
            Changes only the channels named; the others keep their source. Sources and channels
            count from 0. Examples:
              bssctl route 2 --to 0,1      (source 2 on channels 0 and 1)
              bssctl route off --to 1      (silence on channel 1)
            """)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "Source index, or 'off' for silence.")
    var source: String

    @Option(name: .long, help: ArgumentHelp("Playback channels, comma-separated.", valueName: "channels"))
    var to: String

    func run() throws {
        let method = try connection.build { () throws(ControlError) in try RequestBuilder.route(source: source, to: to) }
        try connection.run(method, human: parametersText)
    }
}

struct Target: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Choose the talker the listener hears on every playback channel, and keep following it.",
        discussion: """
            Routes one separated source to every playback channel, and has the daemon follow that \
            talker by its direction when the engine's order of sources changes (after a reset, a \
            loaded state or a change in the room). Status shows the target and its direction. \
            Examples:
              bssctl target 1       (source 1)
              bssctl target next    (the next source, wrapping around: a one-button hearing aid)
              bssctl target off     (no target; the routing stays as it is)
            """)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "Source index, 'next' or 'off'.")
    var source: String

    func run() throws {
        let method = try connection.build { () throws(ControlError) in try RequestBuilder.target(source) }
        try connection.run(method) { result throws(ControlError) in
            HumanText.target(result == .null ? nil : try TargetReport(json: result))
        }
    }
}

struct Gain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set the output gain in dB (-96 to 24).",
        discussion: "Applies to every playback channel. Example: bssctl gain -6 (use `bssctl gain -- -6` if your shell needs it).")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "Gain in dB.", transform: { text in
        guard let value = Double(plainDecimal: text) else { throw ValidationError("gain must be a number of dB, got '\(text)'") }
        return value
    })
    var decibels: Double

    func run() throws {
        try connection.run(.set([.gainDB(decibels)]), human: parametersText)
    }
}

struct Mute: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Silence every playback channel (separation keeps adapting, so unmute is instant).")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try connection.run(.set([.mute(true)]), human: parametersText)
    }
}

struct Unmute: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Undo `mute`.")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try connection.run(.set([.mute(false)]), human: parametersText)
    }
}

struct Bypass: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play the reference microphone instead of the separated sources (on), or go back (off).",
        discussion: "For comparing with and without separation; the engine keeps adapting meanwhile.")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "on or off.")
    var state: String

    func run() throws {
        let method = try connection.build { () throws(ControlError) in try RequestBuilder.bypass(state) }
        try connection.run(method, human: parametersText)
    }
}

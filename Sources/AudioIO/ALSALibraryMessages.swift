import CALSA
import Synchronization

/// One error message from alsa-lib (what it would print as `ALSA lib file:line:(function) text`).
public struct ALSALibraryMessage: Sendable, Hashable, CustomStringConvertible {
    /// alsa-lib's source file and line, e.g. `pcm.c`, 2666.
    public var file: String
    public var line: Int
    /// alsa-lib's function, e.g. `snd_pcm_open_noupdate`.
    public var function: String
    /// The errno value attached to the message (positive), or 0.
    public var errorCode: Int32
    /// The message itself, e.g. `Unknown PCM bss_capture`; at most 511 bytes.
    public var text: String

    public var description: String { "ALSA lib \(file):\(line):(\(function)) \(text)" }
}

/// Where alsa-lib's error messages go. alsa-lib prints them to stderr by default, from whatever
/// thread hits the error, audio threads included, and some are expected (every failed open of
/// an unknown PCM prints one). A daemon silences them or forwards them to its log at start-up.
///
/// The setting is process-wide (`snd_lib_error_set_handler`): change it at start-up, before
/// audio threads run. Messages printed by libraries that plugins load (JACK's client library
/// prints "Cannot connect to server socket" itself) do not go through it.
public enum ALSALibraryMessages {
    /// Drops every message.
    public static func silence() {
        _ = bssd_alsa_silence_errors()
        forwardingTarget.withLock { $0 = nil }
    }

    /// alsa-lib's own behaviour: print to stderr.
    public static func printToStandardError() {
        _ = bssd_alsa_default_errors()
        forwardingTarget.withLock { $0 = nil }
    }

    /// Calls `handler` for every message, on the thread that caused it. The handler may run on an
    /// audio thread, so it should hand the message on (a queue, a log buffer) rather than block.
    /// The text is formatted into a stack buffer; building the `ALSALibraryMessage` allocates.
    public static func forward(to handler: @escaping @Sendable (ALSALibraryMessage) -> Void) {
        forwardingTarget.withLock { $0 = handler }
        _ = bssd_alsa_forward_errors(forwardingSink)
    }
}

private let forwardingTarget = Mutex<(@Sendable (ALSALibraryMessage) -> Void)?>(nil)

/// Called by the shim's variadic handler with the formatted text.
private let forwardingSink: bssd_alsa_message_sink = { file, line, function, code, text in
    guard let handler = forwardingTarget.withLock({ $0 }) else { return }
    handler(
        ALSALibraryMessage(
            file: file.map { String(cString: $0) } ?? "",
            line: Int(line),
            function: function.map { String(cString: $0) } ?? "",
            errorCode: code,
            text: text.map { String(cString: $0) } ?? ""
        )
    )
}

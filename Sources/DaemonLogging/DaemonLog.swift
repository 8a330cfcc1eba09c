import DaemonConfig
import Glibc
import Synchronization
import SystemCalls

/// The daemon's log: one line per message on standard error, where systemd's journal (or the
/// terminal) picks it up. Under journald each line starts with its syslog priority (`<4>`), so
/// `journalctl -p warning` filters; on a terminal it starts with the time and the level.
///
/// For threads that may block (main, control, logger). Audio threads never call it: they push
/// `AudioEvent`s that `EventLogger` writes from its own thread.
public final class DaemonLog: Sendable {
    private let level: Atomic<Int>
    private let journal: Bool
    private let sink: @Sendable (String) -> Void
    private let serial = Mutex<Void>(())

    /// `sink` receives each formatted line (with its newline); the default writes to standard error.
    public init(
        level: LogSettings.Level, environment: [String: String] = [:],
        sink: @escaping @Sendable (String) -> Void = DaemonLog.standardError
    ) {
        self.level = Atomic(level.rawValue)
        journal = environment["JOURNAL_STREAM"] != nil
        self.sink = sink
    }

    /// SIGHUP may change the level.
    public func setLevel(_ newLevel: LogSettings.Level) {
        level.store(newLevel.rawValue, ordering: .relaxed)
    }

    public func isEnabled(_ messageLevel: LogSettings.Level) -> Bool {
        messageLevel.rawValue <= level.load(ordering: .relaxed)
    }

    public func error(_ message: @autoclosure () -> String) { write(.error, message()) }
    public func warning(_ message: @autoclosure () -> String) { write(.warning, message()) }
    public func notice(_ message: @autoclosure () -> String) { write(.notice, message()) }
    public func info(_ message: @autoclosure () -> String) { write(.info, message()) }
    public func debug(_ message: @autoclosure () -> String) { write(.debug, message()) }

    public func write(_ messageLevel: LogSettings.Level, _ message: @autoclosure () -> String) {
        guard isEnabled(messageLevel) else { return }
        let text = message()
        let line = journal ? "<\(messageLevel.rawValue)>\(text)\n" : "\(Self.timestamp()) \(messageLevel): \(text)\n"
        serial.withLock { _ in sink(line) }
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        let bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = try? Errno.retryingOnInterrupt {
                bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            }
            guard let written, written > 0 else { return }
            offset += written
        }
    }

    /// Local wall-clock time, HH:MM:SS.mmm.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(now.tv_nsec / 1_000_000)
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)"
    }
}

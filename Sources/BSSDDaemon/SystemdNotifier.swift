import Glibc
import RealtimeSupport

/// systemd's readiness and watchdog protocol (sd_notify(3)), spoken directly: one datagram of
/// newline-separated `KEY=VALUE` fields to the Unix socket named by NOTIFY_SOCKET. Written here
/// rather than linked from libsystemd so bssd builds and runs on systems without it, and so a
/// missing or broken socket is a typed, logged error instead of a silently ignored return code.
///
/// Outside systemd (NOTIFY_SOCKET unset) every call does nothing, so the daemon calls it
/// unconditionally. Each send opens, uses and closes its own socket, as libsystemd does: sends are
/// rare (a few per second at most), and the value stays trivially `Sendable`.
///
/// A send never waits. A datagram socket's receiver queues only `net.unix.max_dgram_qlen`
/// messages (10 by default); a blocking send to a systemd (or test listener) that has stopped
/// reading would stall the daemon's main loop, and with it stopping and reloading. A full queue
/// is `SystemdNotifyError.notReading` instead: the caller drops the message and counts it.
public struct SystemdNotifier: Sendable {
    /// The NOTIFY_SOCKET value as given, for error messages; nil when not run by systemd.
    public let socketAddress: String?
    /// How often systemd expects `WATCHDOG=1` at the latest (WatchdogSec=), when it watches this
    /// process; nil when it does not (no WATCHDOG_USEC, or WATCHDOG_PID names another process:
    /// bssd was started by a wrapper that is the service's main process).
    public let watchdogTimeout: Duration?
    /// `sun_path` bytes and the length to pass to `sendto`, precomputed so sends cannot fail on
    /// the address.
    private let pathBytes: [UInt8]
    private let addressLength: socklen_t

    /// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. Throws on malformed values rather than
    /// guessing: a mistyped unit should be reported, not run without its watchdog.
    /// The parameters exist for tests; the daemon uses the defaults.
    public init(
        environment: [String: String] = Self.variablesFromProcess(), processID: pid_t = getpid()
    ) throws(SystemdNotifyError) {
        watchdogTimeout = try Self.watchdogTimeout(environment: environment, processID: processID)
        guard let address = environment["NOTIFY_SOCKET"], !address.isEmpty else {
            socketAddress = nil
            pathBytes = []
            addressLength = 0
            return
        }
        var bytes = Array(address.utf8)
        switch bytes.first {
        case UInt8(ascii: "/"): bytes.append(0)     // a path: NUL-terminated
        case UInt8(ascii: "@"): bytes[0] = 0        // abstract: leading NUL, no terminator
        default: throw .unsupportedSocketAddress(address)
        }
        let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        guard bytes.count <= capacity else { throw .socketAddressTooLong(address) }
        socketAddress = address
        pathBytes = bytes
        addressLength = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
    }

    /// Whether systemd is listening: false outside systemd, where every call is a no-op.
    public var isEnabled: Bool { socketAddress != nil }

    /// When to send `WATCHDOG=1`: half the timeout, as sd_watchdog_enabled(3) advises, so one late
    /// wake-up of the main loop does not get the daemon killed.
    public var watchdogInterval: Duration? { watchdogTimeout.map { $0 / 2 } }

    /// Start-up (or a reload) finished: systemd marks the unit active and `systemctl start` returns.
    public func ready(status: String? = nil) throws(SystemdNotifyError) {
        try send(Self.readyFields(status: status))
    }

    static func readyFields(status: String?) -> [String] {
        ["READY=1"] + (status.map { ["STATUS=\($0.replacingNewlines())"] } ?? [])
    }

    /// A one-line state shown by `systemctl status`.
    public func status(_ text: String) throws(SystemdNotifyError) {
        try send(["STATUS=\(text.replacingNewlines())"])
    }

    /// A reload began; call `ready()` when it is done. MONOTONIC_USEC lets systemd ≥ 253 match the
    /// READY=1 to this reload (Type=notify-reload requires it; older versions ignore it).
    public func reloading() throws(SystemdNotifyError) {
        try send(Self.reloadingFields())
    }

    /// RELOADING=1 stamped with the time of the call.
    static func reloadingFields() -> [String] {
        ["RELOADING=1", "MONOTONIC_USEC=\(MonotonicClock.nanoseconds / 1000)"]
    }

    /// Shutdown began: systemd shows "deactivating" instead of assuming a crash while we drain.
    public func stopping() throws(SystemdNotifyError) {
        try send(["STOPPING=1"])
    }

    /// The keep-alive ping. Send it only when the daemon is really making progress
    /// (`WatchdogPolicy`), so that systemd restarts a stalled engine.
    public func watchdog() throws(SystemdNotifyError) {
        try send(["WATCHDOG=1"])
    }

    /// Sends `fields` as one datagram, so systemd applies them together.
    public func send(_ fields: [String]) throws(SystemdNotifyError) {
        guard let socketAddress else { return }
        let message = fields.joined(separator: "\n")
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .cannotCreateSocket(code: errno) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let sent = message.utf8CString.withUnsafeBufferPointer { text in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    // MSG_NOSIGNAL: a vanished peer must be an error, never SIGPIPE.
                    // MSG_DONTWAIT: a full receive queue must be an error, never a wait.
                    sendto(fd, text.baseAddress, text.count - 1, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), $0, addressLength)
                }
            }
        }
        guard sent >= 0 else {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { throw .notReading(socket: socketAddress, message: message) }
            throw .cannotSend(socket: socketAddress, message: message, code: code)
        }
    }

    /// The three variables this type reads, from the process environment (BSSDDaemon avoids
    /// Foundation, and with it `ProcessInfo`).
    @usableFromInline
    static func variablesFromProcess() -> [String: String] {
        var variables: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(name) { variables[name] = String(cString: value) }
        }
        return variables
    }

    private static func watchdogTimeout(
        environment: [String: String], processID: pid_t
    ) throws(SystemdNotifyError) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"] else { return nil }
        guard let microseconds = Int64(text), microseconds > 0 else {
            throw .invalidWatchdogSetting(name: "WATCHDOG_USEC", value: text)
        }
        if let pidText = environment["WATCHDOG_PID"] {
            guard let pid = pid_t(pidText), pid > 0 else {
                throw .invalidWatchdogSetting(name: "WATCHDOG_PID", value: pidText)
            }
            if pid != processID { return nil }
        }
        return .microseconds(microseconds)
    }
}

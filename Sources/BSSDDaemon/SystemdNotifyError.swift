import Glibc
import SystemCalls

/// Why talking to systemd's notification socket failed. The daemon logs these and carries on:
/// a lost notification is systemd's problem to time out on, never a reason to stop the audio.
public enum SystemdNotifyError: Error, Equatable, CustomStringConvertible {
    /// NOTIFY_SOCKET is neither a filesystem path (`/…`) nor an abstract name (`@…`), e.g. the
    /// `vsock:` form systemd uses for virtual machines.
    case unsupportedSocketAddress(String)
    /// The address does not fit `sockaddr_un.sun_path` (107 bytes for a path).
    case socketAddressTooLong(String)
    /// WATCHDOG_USEC or WATCHDOG_PID is not a positive integer.
    case invalidWatchdogSetting(name: String, value: String)
    /// `socket(AF_UNIX, SOCK_DGRAM)` failed (`code` is its errno), e.g. on the descriptor limit.
    case cannotCreateSocket(code: Int32)
    /// `sendto` failed: the socket is gone (systemd restarted, stale environment) or refuses us.
    case cannotSend(socket: String, message: String, code: Int32)
    /// The receiver's queue is full: systemd is not reading (hung, or busy for long). The message
    /// was not sent; nothing waited for it.
    case notReading(socket: String, message: String)

    public var description: String {
        switch self {
        case let .unsupportedSocketAddress(address):
            "NOTIFY_SOCKET='\(address)' is not a Unix socket path or abstract name; systemd notifications are off."
        case let .socketAddressTooLong(address):
            "NOTIFY_SOCKET='\(address)' is longer than a Unix socket address can be; systemd notifications are off."
        case let .invalidWatchdogSetting(name, value):
            "\(name)='\(value)' is not a positive integer; the systemd watchdog is off."
        case let .cannotCreateSocket(code):
            "Cannot create a socket to notify systemd: \(Errno(code)) (errno \(code))."
        case let .cannotSend(socket, message, code):
            "Cannot send '\(message.replacingNewlines())' to systemd at \(socket): "
                + "\(Errno(code)) (errno \(code))."
        case let .notReading(socket, message):
            "systemd is not reading its notification socket \(socket) (its queue is full), so "
                + "'\(message.replacingNewlines())' was dropped instead of waiting for it."
        }
    }
}

extension String {
    /// One line for the log and for the notification protocol, where a newline separates fields.
    func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}

import ControlProtocol
import DaemonConfig

extension ServerLoop {
    /// Why a connection was turned away at accept, or closed by the server for misbehaving: each
    /// kind is logged rate-limited on its own (`LogRateLimit`), so a flood of connections cannot
    /// flood the log.
    enum Refusal: Hashable {
        /// The kernel gave no SO_PEERCRED: the peer cannot be checked.
        case noCredentials
        /// The peer's uid/gid is not admitted by the `PeerPolicy`.
        case forbidden
        /// Every client slot is taken.
        case busy
        /// The client sent a line over the protocol's limit; it was told so and closed.
        case lineTooLong
        /// The client let its replies pile up unread; it was dropped.
        case notReading

        var level: LogSettings.Level { self == .noCredentials || self == .forbidden ? .warning : .notice }

        /// Ends the line that explains the first refusal of a window: what to do about it.
        var advice: String {
            switch self {
            case .noCredentials:
                "Nothing to do unless it repeats; then report it (Unix sockets normally carry credentials)."
            case .forbidden:
                "If this user should have access, add it to control.allowed_uids or control.allowed_gids, "
                    + "or make control.group its primary group."
            case .busy:
                "If operators are turned away, find the client holding connections open (`ss -xp`) "
                    + "or raise control.max_clients."
            case .lineTooLong, .notReading:
                "The client is broken or hostile; the daemon is unaffected."
            }
        }

        /// The summary's words for the refusals a window counted.
        var summary: String {
            switch self {
            case .noCredentials: "connections without peer credentials refused"
            case .forbidden: "connections from peers not allowed refused"
            case .busy: "connections refused as busy"
            case .lineTooLong: "connections closed for a line over the limit"
            case .notReading: "clients dropped for not reading their replies"
            }
        }
    }
}

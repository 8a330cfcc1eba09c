import ControlProtocol

/// Why a `bssctl` command did not get its result, in the three classes its exit code tells apart.
public enum ClientError: Error, Equatable, CustomStringConvertible {
    /// No connection: nothing listens, no permission, bad path (exit code 2).
    case cannotConnect(ConnectFailure)
    /// Connected, but the exchange broke: timeout, the daemon closed, an unreadable reply (exit 1).
    case transport(String)
    /// The daemon answered with an error reply (exit 1).
    case reply(ControlError)
    /// The wait was cut short by a signal the command handles (Ctrl-C in `monitor`).
    case interrupted

    public var exitCode: Int32 {
        if case .cannotConnect = self { return 2 }
        return 1
    }

    public var description: String {
        switch self {
        case .cannotConnect(let failure): failure.description
        case .transport(let message): message
        case .reply(let error): "\(error.message) [\(error.code)]"
        case .interrupted: "interrupted"
        }
    }
}

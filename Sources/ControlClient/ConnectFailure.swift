import ControlProtocol
import Glibc
import SystemCalls

/// A failed connect, explained for the operator: which path was tried, what is (or is not) there,
/// and what to try next. The hint depends on `errno` and on what `stat` finds at the path.
public struct ConnectFailure: Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let errorNumber: Int32
    public let hint: String

    public init(path: String, errorNumber: Int32, hint: String) {
        self.path = path
        self.errorNumber = errorNumber
        self.hint = hint
    }

    /// Inspects `path` to explain `errorNumber` from `connect`.
    public static func explain(path: String, errorNumber: Int32) -> ConnectFailure {
        let start = "is bssd running? Start it with `bssd run --config FILE` or `systemctl start bssd`, "
            + "or point bssctl at its socket with --socket PATH or BSSD_SOCKET"
        var info = stat()
        let exists = stat(path, &info) == 0
        let isSocket = exists && (info.st_mode & S_IFMT) == S_IFSOCK
        let hint: String
        switch errorNumber {
        case _ where UnixSocketAddress(path: path) == nil:
            hint = "the path is longer than the \(UnixSocketAddress.maxPathBytes) bytes a Unix socket address holds"
        case EACCES, EPERM:
            hint = "permission denied: the socket (and its directory) must be accessible to you; "
                + "ask for membership of the socket's group (`ls -l \(path)`) or run as the daemon's user"
        case ENOENT:
            hint = "no socket at this path; \(start)"
        case ECONNREFUSED where isSocket:
            hint = "a socket file exists but nobody listens on it (left over from a daemon that died?); \(start)"
        case ECONNREFUSED, ENOTSOCK:
            hint = exists && !isSocket ? "the path exists but is not a socket" : "nobody listens there; \(start)"
        case EAGAIN, ETIMEDOUT:
            hint = "the daemon did not accept the connection in time (overloaded or stopped?)"
        default:
            hint = start
        }
        return ConnectFailure(path: path, errorNumber: errorNumber, hint: hint)
    }

    public var description: String {
        "cannot connect to bssd at \(path): \(Errno(errorNumber)); \(hint)"
    }
}

import Glibc
import SystemCalls

/// Why the control socket could not be set up. Each names the path and the way out.
public enum ControlServerError: Error, Equatable, CustomStringConvertible {
    /// A daemon already answers on the path: two daemons must not share one socket.
    case alreadyRunning(path: String)
    /// Something that is not a socket sits at the path; it is left alone.
    case notASocket(path: String)
    /// The parent directory belongs to another user (a pre-created /tmp directory would let them
    /// replace the socket).
    case untrustedDirectory(path: String, owner: UInt32)
    /// The parent directory is writable by everybody and lacks the sticky bit (which /tmp has):
    /// any local user could replace the socket there.
    case worldWritableDirectory(path: String, mode: UInt32)
    case pathTooLong(path: String, limit: Int)
    case unknownGroup(String)
    /// A system call failed.
    case system(operation: String, path: String, code: Int32)
    case thread(code: Int32)

    public var description: String {
        switch self {
        case .alreadyRunning(let path):
            "control socket \(path): another bssd is running and answering on it; stop it first or configure another socket path"
        case .notASocket(let path):
            "control socket \(path): the path exists and is not a socket; remove it or configure another socket path"
        case .untrustedDirectory(let path, let owner):
            "control socket directory \(path) belongs to uid \(owner), not to this user or root; refusing to use it"
        case .worldWritableDirectory(let path, let mode):
            "control socket directory \(path) has mode \(String(mode, radix: 8)): anybody may write to it and, "
                + "without the sticky bit, replace the socket; refusing to use it. Run `chmod +t \(path)` "
                + "(or `chmod o-w`), or set control.socket to a path in a directory only bssd's user can write"
        case .pathTooLong(let path, let limit):
            "control socket \(path): the path is longer than the \(limit) bytes a Unix socket address holds"
        case .unknownGroup(let group):
            "control socket group '\(group)' does not exist"
        case .system(let operation, let path, let code):
            "control socket \(path): \(operation) failed: \(Errno(code))"
        case .thread(let code):
            "control socket: cannot start the control thread: \(Errno(code))"
        }
    }
}

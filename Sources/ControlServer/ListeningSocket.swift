import ControlProtocol
import Glibc

/// The bound, listening control socket file. Binding happens under a temporary name in the same
/// directory, which gets its mode and group before it is renamed over the final path: clients
/// never see a socket with the umask's permissions, and a stale socket is replaced atomically.
struct ListeningSocket {
    let descriptor: Int32
    let path: String
    /// Identity of the file we created, so that `close()` removes it only if it is still ours
    /// (a second daemon started later may have replaced it).
    private let device: UInt
    private let inode: UInt

    /// Binds `path` with `mode` and group `gid` (nil keeps the daemon's group).
    static func bind(path: String, mode: UInt32, gid: UInt32?) throws(ControlServerError) -> ListeningSocket {
        guard UnixSocketAddress(path: path) != nil else {
            throw .pathTooLong(path: path, limit: UnixSocketAddress.maxPathBytes)
        }
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        try prepareDirectory(directory, gid: gid)
        try checkNotLive(path)
        let temporary = (directory == "/" ? "" : directory) + "/.bssd-\(String(getpid(), radix: 36))"
        guard let address = UnixSocketAddress(path: temporary) else {
            throw .pathTooLong(path: temporary, limit: UnixSocketAddress.maxPathBytes)
        }
        unlink(temporary)
        let descriptor = UnixSocketAddress.streamSocket()
        guard descriptor >= 0 else { throw .system(operation: "socket", path: path, code: errno) }
        func fail(_ operation: String) -> ControlServerError {
            let code = errno
            Glibc.close(descriptor)
            unlink(temporary)
            return .system(operation: operation, path: path, code: code)
        }
        guard address.withSockaddr({ Glibc.bind(descriptor, $0, $1) }) == 0 else { throw fail("bind") }
        guard chmod(temporary, mode_t(mode)) == 0 else { throw fail("chmod") }
        if let gid, chown(temporary, uid_t.max, gid) != 0 { throw fail("chown to group \(gid)") }
        guard listen(descriptor, 64) == 0 else { throw fail("listen") }
        guard makeNonBlocking(descriptor) else { throw fail("fcntl") }
        guard rename(temporary, path) == 0 else { throw fail("rename into place") }
        var info = stat()
        guard stat(path, &info) == 0 else { throw fail("stat") }
        return ListeningSocket(descriptor: descriptor, path: path, device: UInt(info.st_dev), inode: UInt(info.st_ino))
    }

    /// Creates a missing parent directory (0750 with the socket's group, else 0755: the socket's
    /// own mode is the gate) and refuses one owned by another user, or one anybody may write to
    /// without the sticky bit: there any local user could rename another socket over ours.
    private static func prepareDirectory(_ directory: String, gid: UInt32?) throws(ControlServerError) {
        var info = stat()
        if stat(directory, &info) != 0 {
            guard errno == ENOENT else { throw .system(operation: "stat", path: directory, code: errno) }
            guard mkdir(directory, gid == nil ? 0o755 : 0o750) == 0 || errno == EEXIST else {
                throw .system(operation: "mkdir", path: directory, code: errno)
            }
            if let gid, chown(directory, uid_t.max, gid) != 0 {
                throw .system(operation: "chown to group \(gid)", path: directory, code: errno)
            }
            return
        }
        guard info.st_uid == 0 || info.st_uid == geteuid() else {
            throw .untrustedDirectory(path: directory, owner: info.st_uid)
        }
        guard info.st_mode & S_IWOTH == 0 || info.st_mode & S_ISVTX != 0 else {
            throw .worldWritableDirectory(path: directory, mode: UInt32(info.st_mode & 0o7777))
        }
    }

    /// Throws when a daemon answers on `path` or a non-socket sits there; a socket nobody
    /// answers on is stale and may be replaced.
    private static func checkNotLive(_ path: String) throws(ControlServerError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path: path) }
        guard let address = UnixSocketAddress(path: path) else { return }
        let probe = UnixSocketAddress.streamSocket()
        guard probe >= 0 else { throw .system(operation: "socket", path: path, code: errno) }
        defer { Glibc.close(probe) }
        if address.withSockaddr({ connect(probe, $0, $1) }) == 0 { throw .alreadyRunning(path: path) }
        guard errno == ECONNREFUSED else { throw .system(operation: "probing the existing socket", path: path, code: errno) }
    }

    /// Stops listening and removes the socket file if it is still the one we created.
    func close() {
        Glibc.close(descriptor)
        var info = stat()
        if stat(path, &info) == 0, UInt(info.st_dev) == device, UInt(info.st_ino) == inode { unlink(path) }
    }

    /// The gid of group `name` (or a numeric id).
    static func groupID(_ name: String) throws(ControlServerError) -> UInt32 {
        if let numeric = UInt32(name) { return numeric }
        guard let entry = getgrnam(name) else { throw .unknownGroup(name) }
        return entry.pointee.gr_gid
    }
}

import Glibc

/// Who is at the other end of a Unix socket, as the kernel recorded it at connect time
/// (SO_PEERCRED): it cannot be forged by the peer, unlike anything it sends.
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// `struct ucred`'s layout (pid_t, uid_t, gid_t); Glibc's module does not export the type
    /// (it needs _GNU_SOURCE).
    private struct UCred {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// The credentials of the peer connected on `descriptor`, or nil if the kernel gives none.
    static func of(descriptor: Int32) -> PeerCredentials? {
        var credentials = UCred()
        var length = socklen_t(MemoryLayout<UCred>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
            length == socklen_t(MemoryLayout<UCred>.size)
        else { return nil }
        return PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
    }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }
}

/// Which peers may use the control socket: root, the daemon's own user, the configured uids, and
/// peers whose primary group is configured or is the socket's group. Only the primary gid is
/// known from SO_PEERCRED; supplementary groups are not consulted (the socket's file mode admits
/// them at connect time, this check is the second gate).
public struct PeerPolicy: Sendable, Equatable {
    public var daemonUID: UInt32
    public var allowedUIDs: Set<UInt32>
    public var allowedGIDs: Set<UInt32>

    public init(daemonUID: UInt32, allowedUIDs: [UInt32], allowedGIDs: [UInt32], socketGID: UInt32?) {
        self.daemonUID = daemonUID
        self.allowedUIDs = Set(allowedUIDs)
        self.allowedGIDs = Set(allowedGIDs + (socketGID.map { [$0] } ?? []))
    }

    public func admits(_ peer: PeerCredentials) -> Bool {
        peer.uid == 0 || peer.uid == daemonUID || allowedUIDs.contains(peer.uid) || allowedGIDs.contains(peer.gid)
    }
}

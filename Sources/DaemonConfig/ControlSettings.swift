import ControlProtocol

/// Who may talk to the daemon over its control socket, and where that socket lives.
public struct ControlSettings: Sendable, Equatable {
    /// The socket's path; nil resolves at start-up (see `resolvedSocketPath(environment:uid:)`).
    public var socketPath: String?
    /// Permission bits of the socket file: 0o660 lets the owner and `group` in, nobody else.
    public var mode: UInt32
    /// Group that owns the socket file (name or numeric id); nil keeps the daemon's group.
    public var group: String?
    /// Peers admitted besides root and the daemon's own user, checked with SO_PEERCRED on
    /// every connection (file permissions alone are not enough once the socket is shared).
    public var allowedUIDs: [UInt32]
    public var allowedGIDs: [UInt32]
    /// Clients served at once; more are refused with an error reply, so a flood cannot starve
    /// the operators already connected.
    public var maxClients: Int

    public init(
        socketPath: String? = nil, mode: UInt32 = 0o660, group: String? = nil,
        allowedUIDs: [UInt32] = [], allowedGIDs: [UInt32] = [], maxClients: Int = 16
    ) {
        self.socketPath = socketPath
        self.mode = mode
        self.group = group
        self.allowedUIDs = allowedUIDs
        self.allowedGIDs = allowedGIDs
        self.maxClients = maxClients
    }

    /// `socketPath`, else `$RUNTIME_DIRECTORY/control.sock` (systemd's RuntimeDirectory=), else
    /// `$XDG_RUNTIME_DIR/bssd/control.sock`, else `/tmp/bssd-UID/control.sock`. `bssctl` resolves
    /// the same way, so both find each other without flags.
    public func resolvedSocketPath(environment: [String: String], uid: UInt32) -> String {
        socketPath ?? SocketPath.defaultPath(environment: environment, uid: uid)
    }
}

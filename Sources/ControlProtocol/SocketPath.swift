/// Where the daemon's control socket is when the configuration names none. Shared by `bssd` and
/// `bssctl` so that both find each other without flags.
public enum SocketPath {
    /// `$RUNTIME_DIRECTORY/control.sock` (systemd's RuntimeDirectory=), else
    /// `$XDG_RUNTIME_DIR/bssd/control.sock`, else `/tmp/bssd-UID/control.sock`.
    public static func defaultPath(environment: [String: String], uid: UInt32) -> String {
        if let runtime = environment["RUNTIME_DIRECTORY"], !runtime.isEmpty {
            // systemd may list several directories separated by colons; the first is ours.
            return "\(runtime.split(separator: ":").first.map(String.init) ?? runtime)/control.sock"
        }
        if let xdg = environment["XDG_RUNTIME_DIR"], !xdg.isEmpty { return "\(xdg)/bssd/control.sock" }
        return "/tmp/bssd-\(uid)/control.sock"
    }
}

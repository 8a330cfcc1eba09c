import ControlProtocol
import DaemonConfig
import Glibc
import LivePipeline
import Synchronization

/// The control socket's server: one thread polling the listening socket and every client, all
/// non-blocking, so that a slow, silent or hostile client costs a slot and some memory but never
/// stalls another client, the daemon or (through the handler's contract) the audio threads.
///
/// Limits, each answered as `docs/control-protocol.md` describes: `ControlSettings.maxClients`
/// connections (more get `busy`), `Limits.maxLineBytes` per request (`line_too_long`),
/// `Limits.idleTimeout` without a complete request (`timeout`, subscribers exempt),
/// `Limits.maxPendingBytes` of unread replies (dropped without a reply: it is not reading).
/// Refused connections are logged at most twice per kind and `Limits.refusalLogWindow`.
public final class ControlServer: Sendable {
    public struct Limits: Sendable, Equatable {
        public var idleTimeout: Double
        public var maxLineBytes: Int
        public var maxPendingBytes: Int
        /// Seconds over which refusals of one kind give one explained line and one summary.
        public var refusalLogWindow: Double

        public init(
            idleTimeout: Double = 60, maxLineBytes: Int = ControlProtocol.maxLineBytes, maxPendingBytes: Int = 1 << 20,
            refusalLogWindow: Double = 1
        ) {
            self.idleTimeout = idleTimeout
            self.maxLineBytes = maxLineBytes
            self.maxPendingBytes = maxPendingBytes
            self.refusalLogWindow = refusalLogWindow
        }
    }

    public typealias Log = @Sendable (LogSettings.Level, String) -> Void

    public let path: String
    private let settings: ControlSettings
    private let limits: Limits
    private let handler: any ControlHandler
    private let log: Log
    private let running = Mutex<Running?>(nil)

    /// What exists while the server runs.
    private struct Running: Sendable {
        let thread: ThreadHandle
        let stopFlag: StopFlag
    }

    /// `settings.resolvedSocketPath` is the caller's to resolve (it depends on the environment).
    public init(path: String, settings: ControlSettings, handler: any ControlHandler, limits: Limits = Limits(), log: @escaping Log) {
        self.path = path
        self.settings = settings
        self.limits = limits
        self.handler = handler
        self.log = log
    }

    /// Binds the socket and starts the control thread.
    public func start() throws(ControlServerError) {
        let gid = try settings.group.map { (name) throws(ControlServerError) in try ListeningSocket.groupID(name) }
        let listener = try ListeningSocket.bind(path: path, mode: settings.mode, gid: gid)
        let policy = PeerPolicy(daemonUID: geteuid(), allowedUIDs: settings.allowedUIDs, allowedGIDs: settings.allowedGIDs, socketGID: gid)
        let stopFlag: StopFlag
        do {
            stopFlag = try StopFlag()
        } catch {
            listener.close()
            throw error
        }
        let loop = ServerLoop(
            listener: listener, stopFlag: stopFlag, policy: policy, maxClients: settings.maxClients, limits: limits,
            dispatcher: ControlDispatcher(handler: handler), log: log)
        switch AudioThread.spawn(name: "control", { loop.run() }) {
        case .success(let thread):
            running.withLock { $0 = Running(thread: ThreadHandle(thread: thread), stopFlag: stopFlag) }
            log(.info, "control socket listening on \(path)")
        case .failure(let error):
            listener.close()
            if case .thread(_, let code) = error { throw .thread(code: code) }
            throw .thread(code: EAGAIN)
        }
    }

    /// Closes every connection, removes the socket file and joins the thread. Idempotent. Safe to
    /// call from the handler's `shutdown()` only if that does not wait for it (it would join itself).
    public func stop() {
        guard let current = running.withLock({ state -> Running? in defer { state = nil }; return state }) else { return }
        current.stopFlag.raise()
        current.thread.thread.join()
        current.stopFlag.close()
    }
}

/// The control thread's handle; `pthread_t` is a plain integer on Linux, shared only to join.
private struct ThreadHandle: @unchecked Sendable {
    let thread: AudioThread
}

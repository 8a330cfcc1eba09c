import ControlProtocol
import Glibc
import RealtimeSupport
import SystemCalls

/// A client's connection to the control socket: sends request lines, reads reply lines, with a
/// deadline on each. Used by `bssctl` and by the server's tests (which also send raw bytes).
public final class ControlConnection {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var nextID = 1
    /// Asked when a wait is interrupted by a signal: true ends the wait with `.interrupted`.
    public var isInterrupted: () -> Bool = { false }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Connects, waiting at most `timeout` seconds for the daemon to accept.
    public static func connect(path: String, timeout: Double) throws(ClientError) -> ControlConnection {
        guard let address = UnixSocketAddress(path: path) else {
            throw .cannotConnect(.explain(path: path, errorNumber: ENAMETOOLONG))
        }
        let descriptor = UnixSocketAddress.streamSocket()
        guard descriptor >= 0 else { throw .cannotConnect(.explain(path: path, errorNumber: errno)) }
        // Linux honours SO_SNDTIMEO in connect() on a Unix socket (waiting on a full backlog)
        // and in send(); reads have their own poll deadline.
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let result = address.withSockaddr { Glibc.connect(descriptor, $0, $1) }
        guard result == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw .cannotConnect(.explain(path: path, errorNumber: code == EINPROGRESS ? ETIMEDOUT : code))
        }
        return ControlConnection(descriptor: descriptor)
    }

    /// How long a failed send waits for the line the daemon wrote before it closed. The daemon
    /// has closed by then, so the line (or end of file) is already there; this only bounds the
    /// wait on a connection in some other state.
    private static let refusalWait = 1.0

    /// Sends `bytes` as they are (tests send garbage through here). MSG_NOSIGNAL: a daemon that
    /// closed must not kill the client with SIGPIPE.
    ///
    /// A daemon that refuses a connection (`forbidden`, `busy`) writes one error line and closes
    /// without reading, so a request still being sent fails with EPIPE or ECONNRESET. The refusal
    /// is the news, not the broken pipe: it is read and thrown as the daemon's reply.
    public func send(_ bytes: [UInt8]) throws(ClientError) {
        var offset = 0
        while offset < bytes.count {
            do throws(Errno) {
                offset += try Errno.retryingOnInterrupt {
                    bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
            } catch {
                if error.code == EPIPE || error.code == ECONNRESET, let refusal = closingReply() { throw .reply(refusal) }
                throw .transport("sending to bssd failed: \(error)")
            }
        }
    }

    /// The error line a daemon wrote before closing, if it wrote one.
    private func closingReply() -> ControlError? {
        guard let reply = try? readReply(timeout: Self.refusalWait), case .failure(let error) = reply.outcome else { return nil }
        return error
    }

    /// Sends `method` with a fresh id; returns the id.
    @discardableResult
    public func send(_ method: ControlMethod) throws(ClientError) -> JSONValue {
        let id = JSONValue.integer(nextID)
        nextID += 1
        try send(Array(ControlRequest(id: id, method: method).line.utf8))
        return id
    }

    /// The next line without its newline, or nil when the daemon closed the connection.
    public func readLine(timeout: Double) throws(ClientError) -> [UInt8]? {
        let deadline = MonotonicClock.now + timeout
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            let remaining = deadline - MonotonicClock.now
            guard remaining > 0 else { throw .transport("no reply from bssd within \(timeout) s") }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(min(remaining * 1000 + 1, 3_600_000)))
            // Not retried in place: an interrupted wait is when Ctrl-C is looked at.
            if ready < 0 {
                let error = Errno.current
                guard error.code == EINTR else { throw .transport("waiting for bssd failed: \(error)") }
                if isInterrupted() { throw .interrupted }
            }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count: Int
            do throws(Errno) {
                count = try Errno.retryingOnInterrupt { chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) } }
            } catch {
                if error.code == ECONNRESET { return nil }
                throw .transport("reading from bssd failed: \(error)")
            }
            if count == 0 { return nil }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// The next reply, or nil when the daemon closed the connection.
    public func readReply(timeout: Double) throws(ClientError) -> ControlReply? {
        guard let line = try readLine(timeout: timeout) else { return nil }
        do {
            return try ControlReply(line: line)
        } catch {
            throw .transport(error.message)
        }
    }

    /// Sends `method` and returns its result, or throws the error reply.
    public func call(_ method: ControlMethod, timeout: Double) throws(ClientError) -> JSONValue {
        let id = try send(method)
        guard let reply = try readReply(timeout: timeout) else {
            throw .transport("bssd closed the connection without replying")
        }
        if case .failure(let error) = reply.outcome { throw .reply(error) }
        guard reply.id == id, case .success(let result) = reply.outcome else {
            throw .transport("bssd answered request \(reply.id.serialized) instead of \(id.serialized)")
        }
        return result
    }
}

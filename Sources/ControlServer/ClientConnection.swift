import ControlProtocol
import Glibc
import SystemCalls

/// One connected client on the server thread: its non-blocking socket, the bytes of a line not
/// yet complete, the replies not yet written, and its subscription. Never touched by another
/// thread.
final class ClientConnection {
    /// What a read produced.
    enum Input {
        /// Complete lines (newline and a trailing CR removed, empty lines skipped).
        case lines([[UInt8]])
        /// More than the line limit arrived without a newline.
        case lineTooLong
        /// The client closed its end or the connection failed.
        case closed
    }

    struct Subscription {
        let id: JSONValue
        let interval: Double
        var due: Double
    }

    let descriptor: Int32
    let peer: PeerCredentials
    private var partial: [UInt8] = []
    private var pending: [UInt8] = []
    private var pendingStart = 0
    /// When the last complete request arrived (or the client connected): a client that trickles
    /// bytes without ever finishing a line still times out.
    var lastRequest: Double
    var subscription: Subscription?
    /// Set once the connection is to end: nothing more is read, and it closes when `pending` is
    /// written, the write fails, or this time has passed (a peer that never reads its last reply).
    private(set) var closeBy: Double?

    var closing: Bool { closeBy != nil }

    /// Stops reading; the pending replies get `grace` seconds to go out.
    func beginClosing(now: Double, grace: Double = 1) {
        closeBy = min(closeBy ?? .infinity, now + grace)
        subscription = nil
    }

    init(descriptor: Int32, peer: PeerCredentials, now: Double) {
        self.descriptor = descriptor
        self.peer = peer
        lastRequest = now
    }

    var pendingBytes: Int { pending.count - pendingStart }

    /// Reads what is there (at most one chunk, so one busy client cannot hold the thread).
    func read(maxLineBytes: Int) -> Input {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let count: Int
        do throws(Errno) {
            count = try Errno.retryingOnInterrupt { chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) } }
        } catch {
            return error.code == EAGAIN ? .lines([]) : .closed
        }
        if count == 0 { return .closed }
        var lines: [[UInt8]] = []
        var start = 0
        for index in 0..<count where chunk[index] == 0x0A {
            partial.append(contentsOf: chunk[start..<index])
            start = index + 1
            if partial.count > maxLineBytes { return .lineTooLong }
            if partial.last == 0x0D { partial.removeLast() }
            if !partial.isEmpty { lines.append(partial) }
            partial.removeAll(keepingCapacity: true)
        }
        partial.append(contentsOf: chunk[start..<count])
        return partial.count > maxLineBytes ? .lineTooLong : .lines(lines)
    }

    func queue(_ reply: ControlReply) {
        pending.append(contentsOf: reply.line.utf8)
    }

    /// Ends the connection at the next sweep, unwritten replies discarded.
    func drop(now: Double) {
        beginClosing(now: now, grace: 0)
        pending.removeAll()
        pendingStart = 0
    }

    /// Writes as much of `pending` as the socket takes; false when the connection failed.
    /// MSG_NOSIGNAL: a client gone mid-reply must not raise SIGPIPE in the daemon.
    func flush() -> Bool {
        while pendingStart < pending.count {
            do throws(Errno) {
                pendingStart += try Errno.retryingOnInterrupt {
                    pending[pendingStart...].withUnsafeBytes {
                        send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                    }
                }
            } catch {
                return error.code == EAGAIN
            }
        }
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
        return true
    }
}

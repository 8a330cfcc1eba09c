import Foundation
import Glibc
import Synchronization

/// A bound AF_UNIX datagram socket playing systemd's side of NOTIFY_SOCKET in the tests.
///
/// Like systemd, it reads all the time (a thread drains the socket into a queue that `receive`
/// takes from): the kernel queues only `net.unix.max_dgram_qlen` datagrams (10 by default), so a
/// listener that read only when the test asks would fill up while the test does something else.
/// `.stalled` never reads, for the tests of a systemd that hangs.
final class NotifyListener: Sendable {
    enum Namespace { case path, abstract }
    enum Reading { case draining, stalled }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ call: String) { description = "\(call): \(String(cString: strerror(errno)))" }
        init(text: String) { description = text }
    }

    /// The NOTIFY_SOCKET value that reaches this socket.
    let address: String
    private let fd: Int32
    private let directory: String?
    private let inbox = Inbox()

    /// What the draining thread shares with the listener; the thread holds this, not the
    /// listener, so the listener's deinit can stop it.
    private final class Inbox: Sendable {
        let received = Mutex<[String]>([])
        let closing = Atomic<Bool>(false)
        let drained = Atomic<Bool>(true)
    }

    init(_ namespace: Namespace, reading: Reading = .draining) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket") }
        // The draining thread wakes up this often to see whether the listener is closing.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var pathBytes: [UInt8]
        switch namespace {
        case .path:
            var template = Array("/tmp/bssd-notify-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { close(fd); throw Failure("mkdtemp") }
            directory = String(cString: made)
            address = directory! + "/notify.sock"
            pathBytes = Array(address.utf8) + [0]
        case .abstract:
            directory = nil
            address = "@bssd-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            pathBytes = Array(address.utf8)
            pathBytes[0] = 0
        }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { close(fd); throw Failure("bind \(address)") }
        if reading == .draining {
            inbox.drained.store(false, ordering: .relaxed)
            Thread.detachNewThread { [fd, inbox] in Self.drain(fd, into: inbox) }
        }
    }

    private static func drain(_ fd: Int32, into inbox: Inbox) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !inbox.closing.load(ordering: .acquiring) {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count >= 0 else { continue }  // the timeout: look at `closing` again
            let message = String(decoding: buffer[..<count], as: UTF8.self)
            inbox.received.withLock { $0.append(message) }
        }
        inbox.drained.store(true, ordering: .releasing)
    }

    /// The next datagram, as text; fails after 5 s without one.
    func receive() throws -> String {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if let message = inbox.received.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return message }
            usleep(1000)
        }
        throw Failure(text: "no notification on \(address) within 5 s")
    }

    /// Stops reading, so the socket's queue fills (draining listeners only).
    func stopReading() {
        inbox.closing.store(true, ordering: .releasing)
        while !inbox.drained.load(ordering: .acquiring) { usleep(1000) }
    }

    deinit {
        stopReading()
        close(fd)
        if let directory {
            unlink(address)
            rmdir(directory)
        }
    }
}

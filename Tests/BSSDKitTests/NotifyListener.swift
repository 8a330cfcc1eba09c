import Glibc

/// A bound AF_UNIX datagram socket playing systemd's side of NOTIFY_SOCKET in the tests.
final class NotifyListener {
    enum Namespace { case path, abstract }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ call: String) { description = "\(call): \(String(cString: strerror(errno)))" }
    }

    /// The NOTIFY_SOCKET value that reaches this socket.
    let address: String
    private let fd: Int32
    private let directory: String?

    init(_ namespace: Namespace) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket") }
        // A receive that never comes must fail the test, not hang it.
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
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
    }

    /// The next datagram, as text.
    func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { throw Failure("recv on \(address)") }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    deinit {
        close(fd)
        if let directory {
            unlink(address)
            rmdir(directory)
        }
    }
}

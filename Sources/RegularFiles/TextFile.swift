import Glibc
import SystemCalls

/// Reading a small file the daemon is told to read (a config file, ALSA definitions, a saved
/// engine state) with the system's reason when it fails: "No such file or directory" and
/// "Permission denied" are what an operator acts on.
///
/// These paths come from operators and control clients, so a hostile or mistaken one must cost
/// bounded time and memory: only a regular file is read (a FIFO without a writer would block the
/// reading thread for ever, `/dev/zero` would never end), it is opened without blocking, and no
/// more than `limit` bytes are read, whatever the file system claims its size is (files in /proc
/// say 0 and go on).
public enum TextFile {
    public struct Unreadable: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Config files and ALSA definitions are a few KiB; 1 MiB leaves room for comments.
    public static let defaultLimit = 1 << 20

    public static func read(_ path: String, limit: Int = defaultLimit) throws(Unreadable) -> String {
        guard let text = String(validating: try readBytes(path, limit: limit), as: UTF8.self) else {
            throw Unreadable(reason: "not UTF-8 text")
        }
        return text
    }

    /// The whole file, if it is a regular file (or a link to one) of at most `limit` bytes.
    public static func readBytes(_ path: String, limit: Int) throws(Unreadable) -> [UInt8] {
        // Look before opening: opening some device nodes has effects of its own (a tape
        // rewinds, a serial line hangs up), and a FIFO would wait for a writer.
        var status = stat()
        guard stat(path, &status) == 0 else { throw .system() }
        try requireRegular(status)
        // O_NONBLOCK: if the path was swapped for a FIFO since the look, the open still returns.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { throw .system() }
        defer { close(descriptor) }
        guard fstat(descriptor, &status) == 0 else { throw .system() }
        try requireRegular(status)
        guard Int(status.st_size) <= limit else { throw tooLarge(limit) }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        var count = 0
        while true {
            if count == bytes.count {
                guard count <= limit else { throw tooLarge(limit) }
                bytes += [UInt8](repeating: 0, count: min(max(count, 4096), limit + 1 - count))
            }
            let got: Int
            do throws(Errno) {
                got = try Errno.retryingOnInterrupt {
                    bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + count, $0.count - count) }
                }
            } catch {
                throw .system(error)
            }
            if got == 0 { break }
            count += got
        }
        guard count <= limit else { throw tooLarge(limit) }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    private static func requireRegular(_ status: stat) throws(Unreadable) {
        if let kind = FileKind(status), kind != .regular {
            throw Unreadable(reason: "it is \(kind.description), not a regular file")
        }
    }

    private static func tooLarge(_ limit: Int) -> Unreadable {
        Unreadable(reason: "it is larger than \(limit) bytes, the most such a file can be here")
    }
}

extension TextFile.Unreadable {
    /// The reason the system gives; by default for the call that just failed.
    static func system(_ error: Errno = .current) -> Self { Self(reason: error.description) }
}

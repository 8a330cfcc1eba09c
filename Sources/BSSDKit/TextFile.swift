import Glibc

/// Reading a small file (a config file, ALSA definitions, a saved engine state) with the system's
/// reason when it fails: "No such file or directory" and "Permission denied" are what an
/// operator acts on.
public enum TextFile {
    public struct Unreadable: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public static func read(_ path: String) throws(Unreadable) -> String {
        guard let text = String(validating: try readBytes(path), as: UTF8.self) else {
            throw Unreadable(reason: "not UTF-8 text")
        }
        return text
    }

    public static func readBytes(_ path: String) throws(Unreadable) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Unreadable(reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Unreadable(reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return bytes
    }
}

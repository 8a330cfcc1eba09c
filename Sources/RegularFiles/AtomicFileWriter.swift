import Glibc
import SystemCalls

/// Writes a file so that a reader (or a crash) sees either the old content or the new, never a
/// half-written state: a temporary file in the same directory (rename is atomic only within one
/// file system), written in full, fsync'ed, renamed over the target, and the directory fsync'ed so
/// the rename itself survives a power cut.
///
/// Only a regular file is replaced. The path comes from control clients, and a rename over a
/// device node, a FIFO or a symbolic link would turn it into a plain file: a daemon running as
/// root told to save to `/dev/null` would replace the system's `/dev/null`.
public enum AtomicFileWriter {
    /// Why a write failed, naming the path and the reason.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let path: String
        public let reason: String

        init(path: String, operation: String, error: Errno) {
            self.path = path
            reason = "\(operation) failed: \(error)"
        }

        init(path: String, existing kind: FileKind) {
            self.path = path
            reason = "it is \(kind.description), and only a regular file is replaced; choose another path"
        }

        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Replaces `path` with `bytes`; the new file gets `mode`. Refuses, writing nothing, when
    /// `path` exists and is not a regular file (a symbolic link included).
    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644) throws(Failure) {
        var existing = stat()
        if lstat(path, &existing) == 0, let kind = FileKind(existing), kind != .regular {
            throw Failure(path: path, existing: kind)
        }
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(directory)/.\(name).XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw Failure(path: path, operation: "creating a temporary file in \(directory)", error: .current) }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // `error` defaults to the call that just failed, read before `close` can overwrite it.
        func fail(_ operation: String, _ error: Errno = .current) -> Failure {
            close(descriptor)
            unlink(temporary)
            return Failure(path: path, operation: operation, error: error)
        }
        var offset = 0
        while offset < bytes.count {
            do throws(Errno) {
                offset += try Errno.retryingOnInterrupt {
                    bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                }
            } catch {
                throw fail("write", error)
            }
        }
        guard fchmod(descriptor, mode_t(mode)) == 0 else { throw fail("chmod") }
        guard fsync(descriptor) == 0 else { throw fail("fsync") }
        guard rename(temporary, path) == 0 else { throw fail("rename") }
        close(descriptor)
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}

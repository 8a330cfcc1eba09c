@testable import BSSDDaemon
import ControlClient
import ControlProtocol
@testable import DaemonConfig
@testable import DaemonLogging
import Foundation
@testable import LivePipeline
import Testing

extension LiveAudio {
    /// Paths a control client (or an operator's config) may name that are not what a file
    /// request expects: device nodes, FIFOs with and without a writer, directories, huge and
    /// endless files, symbolic links. Each is answered within the request's timeout, costs no
    /// lasting memory, replaces nothing, and the daemon keeps separating.
    @Suite("Daemon hostile paths", .serialized)
    struct DaemonHostilePathTests {
        /// A running daemon with a client, over a long input so it is still separating at the end.
        final class Running {
            let bench: DaemonTests.Bench
            let daemon: Daemon
            let client: ControlConnection
            private let finish: () -> DaemonTotals?

            init(loader: Daemon.ConfigurationLoader? = nil) throws {
                let bench = try DaemonTests.Bench(seconds: 120)
                self.bench = bench
                bench.next.withLock { $0 = bench.configuration }
                let log = DaemonLog(level: .error) { _ in }
                let daemon = try Daemon(configuration: bench.configuration, log: log, loader: loader)
                self.daemon = daemon
                finish = DaemonTests.launch(daemon)
                #expect(DaemonTests.waitUntil { DaemonTests.processed(daemon) >= 2048 })
                client = try ControlConnection.connect(path: daemon.socketPath, timeout: 5)
            }

            func path(_ name: String) -> String { bench.directory.appendingPathComponent(name).path }

            /// A new FIFO in the scratch directory.
            func fifo(_ name: String) -> String {
                let fifo = path(name)
                #expect(mkfifo(fifo, 0o600) == 0)
                return fifo
            }

            /// The daemon's refusal of `method`, within 5 s (a request that blocks the control
            /// thread times out here and fails the test).
            func refusal(_ method: ControlMethod) -> ControlError? {
                do {
                    _ = try client.call(method, timeout: 5)
                    Issue.record("\(method) was accepted")
                    return nil
                } catch {
                    if case let .reply(refusal) = error { return refusal }
                    Issue.record("\(method): no reply: \(error)")
                    return nil
                }
            }

            /// Frames keep advancing, and the daemon stops cleanly.
            func stop() throws {
                let before = DaemonTests.processed(daemon)
                #expect(DaemonTests.waitUntil { DaemonTests.processed(daemon) > before + 1024 }, "separation stopped")
                _ = try client.call(.shutdown, timeout: 5)
                #expect(finish() != nil)
            }
        }

        /// Resident memory of this process (the daemon runs in it), in bytes.
        static func residentBytes() throws -> Int {
            let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
            return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
        }

        @Test("load-state of device nodes, FIFOs, directories and huge files is refused at once, in bounded memory")
        func loadStateSpecialFiles() throws {
            let run = try Running()
            let fifo = run.fifo("state.fifo")
            let heldFIFO = run.fifo("held.fifo")
            // A writer that never writes: a reader that waited for data would wait for ever.
            let writer = open(heldFIFO, O_RDWR | O_NONBLOCK)
            defer { close(writer) }
            let huge = run.path("huge.bin")
            #expect(FileManager.default.createFile(atPath: huge, contents: nil))
            #expect(truncate(huge, 200 << 20) == 0)  // sparse: 200 MB that take no disk
            let zeroLink = run.path("zero.link")
            #expect(symlink("/dev/zero", zeroLink) == 0)

            let cases: [(String, String)] = [
                ("/dev/zero", "character device"), ("/dev/urandom", "character device"),
                (fifo, "FIFO"), (heldFIFO, "FIFO"), (run.bench.directory.path, "directory"),
                (huge, "larger than"), (zeroLink, "character device"),
            ]
            let before = try Self.residentBytes()
            for _ in 0..<5 {
                for (path, reason) in cases {
                    let refusal = run.refusal(.loadState(path: path))
                    #expect(refusal?.code == .failed)
                    #expect(refusal?.message.contains(reason) == true, "\(path): \(String(describing: refusal))")
                }
            }
            let growth = try Self.residentBytes() - before
            #expect(growth < 5 << 20, "resident memory grew by \(growth) bytes")

            // A link to a real state is a regular file to read, and loads.
            let state = run.path("state.bin")
            _ = try run.client.call(.saveState(path: state), timeout: 10)
            let stateLink = run.path("state.link")
            #expect(symlink(state, stateLink) == 0)
            _ = try run.client.call(.loadState(path: stateLink), timeout: 10)
            try run.stop()
        }

        @Test("save-state never replaces what is not a regular file: FIFOs, device nodes, symbolic links")
        func saveStateSpecialFiles() throws {
            let run = try Running()
            let fifo = run.fifo("out.fifo")
            let target = run.path("target.bin")
            try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
            let link = run.path("out.link")
            #expect(symlink(target, link) == 0)
            var cases: [(String, String, mode_t)] = [
                (fifo, "FIFO", S_IFIFO), (link, "symbolic link", S_IFLNK), (run.bench.directory.path, "directory", S_IFDIR),
            ]
            // A node of our own, like /dev/null (creating one needs root; the others run anyway).
            let node = run.path("null.node")
            // dev_t 0x103 is major 1, minor 3 (the null device) in Linux's encoding of small numbers.
            if mknod(node, S_IFCHR | 0o600, 0x103) == 0 { cases.append((node, "character device", S_IFCHR)) }

            for (path, reason, kind) in cases {
                let refusal = run.refusal(.saveState(path: path))
                #expect(refusal?.code == .failed)
                #expect(refusal?.message.contains(reason) == true, "\(path): \(String(describing: refusal))")
                var info = stat()
                #expect(lstat(path, &info) == 0 && info.st_mode & S_IFMT == kind, "\(path) was replaced")
            }
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
            // No temporary file is left behind in the directory.
            let names = try FileManager.default.contentsOfDirectory(atPath: run.bench.directory.path)
            #expect(!names.contains { $0.hasPrefix(".") }, "\(names)")
            // A regular file is still replaced as before.
            _ = try run.client.call(.saveState(path: target), timeout: 10)
            #expect(try Data(contentsOf: URL(fileURLWithPath: target)).count > 1000)
            try run.stop()
        }

        @Test("a config file that is a FIFO is refused at reload, and the control plane goes on answering")
        func reloadFromFIFO() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bssd-fifo-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let fifo = directory.appendingPathComponent("bssd.toml").path
            #expect(mkfifo(fifo, 0o600) == 0)
            let run = try Running(loader: { try DaemonConfigurationFile.load(path: fifo) })
            let refusal = run.refusal(.reload)
            #expect(refusal?.message.contains("FIFO") == true, "\(String(describing: refusal))")
            // What waited behind a wedged reload before: other requests, and a save (the lock).
            _ = try run.client.call(.status, timeout: 5)
            _ = try run.client.call(.saveState(path: run.path("after.bin")), timeout: 5)
            try run.stop()
        }
    }
}

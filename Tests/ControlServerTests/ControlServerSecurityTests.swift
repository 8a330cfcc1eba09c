import ControlClient
import ControlProtocol
import ControlServer
import DaemonConfig
import Glibc
import RegularFiles
import Testing

@Suite("Control server security and socket lifecycle", .serialized)
struct ControlServerSecurityTests {
    @Test func peerPolicyAdmitsRootOwnUserAndConfiguredIDsOnly() {
        let policy = PeerPolicy(daemonUID: 990, allowedUIDs: [1000], allowedGIDs: [50], socketGID: 60)
        #expect(policy.admits(PeerCredentials(pid: 1, uid: 0, gid: 0)))
        #expect(policy.admits(PeerCredentials(pid: 1, uid: 990, gid: 990)))
        #expect(policy.admits(PeerCredentials(pid: 1, uid: 1000, gid: 1000)))
        #expect(policy.admits(PeerCredentials(pid: 1, uid: 1001, gid: 50)))
        #expect(policy.admits(PeerCredentials(pid: 1, uid: 1002, gid: 60)))
        #expect(!policy.admits(PeerCredentials(pid: 1, uid: 1003, gid: 1003)))
    }

    @Test func theSocketGetsTheConfiguredModeAndIsRemovedOnStop() throws {
        let harness = try ServerHarness(settings: ControlSettings(mode: 0o600))
        var info = stat()
        #expect(stat(harness.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        harness.server.stop()
        #expect(access(harness.path, F_OK) != 0)
        harness.stop()
    }

    @Test func aMissingDirectoryIsCreated() throws {
        let harness = try ServerHarness(socketName: "run/control.sock")
        defer { harness.stop(); rmdir(harness.directory + "/run") }
        #expect(try harness.call(.ping).error == nil)
    }

    @Test func aWorldWritableDirectoryWithoutTheStickyBitIsRefused() throws {
        let directory = ServerHarness.temporaryDirectory()
        let path = directory + "/control.sock"
        defer { unlink(path); rmdir(directory) }
        let server = ControlServer(path: path, settings: ControlSettings(), handler: MockHandler()) { _, _ in }
        #expect(chmod(directory, 0o777) == 0)
        #expect(throws: ControlServerError.worldWritableDirectory(path: directory, mode: 0o777)) { try server.start() }
        #expect(access(path, F_OK) != 0)
        let refusal = ControlServerError.worldWritableDirectory(path: directory, mode: 0o777).description
        #expect(refusal.contains(directory) && refusal.contains("777") && refusal.contains("chmod +t"))

        // Sticky, like /tmp: only a file's owner may rename or remove it.
        #expect(chmod(directory, 0o1777) == 0)
        try server.start()
        defer { server.stop() }
        #expect(try ControlConnection.connect(path: path, timeout: 2).call(.ping, timeout: 2) != .null)
    }

    @Test func aStaleSocketIsReplacedButALiveOneIsNot() throws {
        let first = try ServerHarness()
        defer { first.stop() }
        // A second server on the same path must refuse while the first answers.
        let second = ControlServer(path: first.path, settings: ControlSettings(), handler: MockHandler()) { _, _ in }
        #expect(throws: ControlServerError.alreadyRunning(path: first.path)) { try second.start() }
        #expect(try first.call(.ping).error == nil)

        // A stale socket: bound, never listening (as after a crash).
        let stalePath = first.directory + "/stale.sock"
        let descriptor = UnixSocketAddress.streamSocket()
        _ = UnixSocketAddress(path: stalePath)!.withSockaddr { bind(descriptor, $0, $1) }
        close(descriptor)
        let replacement = ControlServer(path: stalePath, settings: ControlSettings(), handler: MockHandler()) { _, _ in }
        try replacement.start()
        defer { replacement.stop() }
        #expect(try ControlConnection.connect(path: stalePath, timeout: 2).call(.ping, timeout: 2) != .null)
    }

    @Test func aFileThatIsNotASocketIsLeftAlone() throws {
        let directory = ServerHarness.temporaryDirectory()
        let path = directory + "/control.sock"
        let file = open(path, O_CREAT | O_WRONLY, 0o600)
        close(file)
        defer { unlink(path); rmdir(directory) }
        let server = ControlServer(path: path, settings: ControlSettings(), handler: MockHandler()) { _, _ in }
        #expect(throws: ControlServerError.notASocket(path: path)) { try server.start() }
    }

    @Test func connectFailuresExplainThemselves() throws {
        let directory = ServerHarness.temporaryDirectory()
        defer { rmdir(directory) }
        #expect {
            try ControlConnection.connect(path: directory + "/none.sock", timeout: 1)
        } throws: { error in
            guard let error = error as? ClientError, case .cannotConnect(let failure) = error else { return false }
            return error.exitCode == 2 && failure.errorNumber == ENOENT && failure.description.contains(directory + "/none.sock")
                && failure.hint.contains("is bssd running?")
        }
    }

    @Test func atomicWriterReplacesTheFileWhole() throws {
        let directory = ServerHarness.temporaryDirectory()
        let path = directory + "/state.bin"
        defer { unlink(path); rmdir(directory) }
        try AtomicFileWriter.write([1, 2, 3], to: path)
        try AtomicFileWriter.write(Array(repeating: 7, count: 100_000), to: path, mode: 0o600)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_size == 100_000 && info.st_mode & 0o777 == 0o600)
        // No temporary file is left behind.
        let listing = try #require(opendir(directory))
        defer { closedir(listing) }
        var names: [String] = []
        while let entry = readdir(listing) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        #expect(names == ["state.bin"])
        #expect(throws: AtomicFileWriter.Failure.self) { try AtomicFileWriter.write([1], to: directory + "/missing/state.bin") }
    }
}

import ControlClient
import ControlProtocol
import ControlServer
import DaemonConfig
import Glibc
import Synchronization
import Testing

/// A `ControlServer` on a socket in a fresh temporary directory, with a mock handler and a log
/// that the test can read. `stop()` removes the directory.
final class ServerHarness {
    let directory: String
    let path: String
    let handler = MockHandler()
    let server: ControlServer
    let log = LineLog()

    init(settings: ControlSettings = ControlSettings(), limits: ControlServer.Limits = .init(), socketName: String = "control.sock") throws {
        directory = Self.temporaryDirectory()
        path = directory + "/" + socketName
        server = ControlServer(path: path, settings: settings, handler: handler, limits: limits, log: log.append)
        try server.start()
    }

    static func temporaryDirectory() -> String {
        var template = Array("/tmp/bssd-ctl-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func connect() throws -> ControlConnection {
        try ControlConnection.connect(path: path, timeout: 2)
    }

    /// One request on a fresh connection; the reply.
    func call(_ method: ControlMethod) throws -> ControlReply {
        let client = try connect()
        try client.send(method)
        return try #require(try client.readReply(timeout: 2))
    }

    /// The reply to one raw line on a fresh connection.
    func reply(toRaw bytes: [UInt8]) throws -> ControlReply? {
        let client = try connect()
        try client.send(bytes)
        return try client.readReply(timeout: 2)
    }

    func stop() {
        server.stop()
        unlink(path)
        rmdir(directory)
    }
}

/// The lines the server logged, for tests that check a refusal was logged.
final class LineLog: Sendable {
    private let lines = Mutex<[String]>([])

    @Sendable func append(_ level: LogSettings.Level, _ line: String) {
        lines.withLock { $0.append(line) }
    }

    var all: [String] { lines.withLock { $0 } }

    func contains(_ text: String) -> Bool {
        lines.withLock { $0.contains { $0.contains(text) } }
    }
}

extension ControlReply {
    var error: ControlError? {
        if case .failure(let error) = outcome { return error }
        return nil
    }

    var result: JSONValue? {
        if case .success(let result) = outcome { return result }
        return nil
    }
}

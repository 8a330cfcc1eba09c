import ControlClient
import ControlProtocol
import ControlServer
import DaemonConfig
import Glibc
import RealtimeSupport
import Testing

/// The issue's list of bad input: each is answered with the documented error (or the client is
/// dropped as documented), and the server keeps serving others afterwards.
@Suite("Control server bad input", .serialized)
struct ControlServerBadInputTests {
    private func expectStillServing(_ harness: ServerHarness) throws {
        #expect(try harness.call(.ping).result == .object(["pong": true, "version": 1]))
    }

    @Test func malformedLinesGetErrorRepliesOnAConnectionThatStaysOpen() throws {
        let harness = try ServerHarness()
        defer { harness.stop() }
        let client = try harness.connect()
        let cases: [(String, ControlError.Code, JSONValue)] = [
            ("{\"id\":1,", .parseError, .null),
            ("[1,2]", .invalidRequest, .null),
            ("{\"version\":1,\"method\":\"ping\"}", .invalidRequest, .null),
            ("{\"id\":2,\"version\":1,\"method\":\"fly\"}", .unknownMethod, 2),
            ("{\"id\":3,\"version\":2,\"method\":\"ping\"}", .unsupportedVersion, 3),
            ("{\"id\":4,\"version\":1,\"method\":\"set\",\"params\":{\"alpha\":\"high\"}}", .invalidParams, 4),
            ("{\"id\":5,\"version\":1,\"method\":\"set\",\"params\":{\"iterations\":2.5}}", .invalidParams, 5),
            ("{\"id\":6,\"version\":1,\"method\":\"set\",\"params\":{\"alpha\":1.5}}", .outOfRange, 6),
            ("{\"id\":\"s\",\"version\":1,\"method\":\"subscribe\",\"params\":{\"interval_s\":0}}", .outOfRange, "s"),
        ]
        for (line, code, id) in cases {
            try client.send(Array((line + "\n").utf8))
            let reply = try #require(try client.readReply(timeout: 2))
            #expect(reply.error?.code == code, "\(line)")
            #expect(reply.id == id, "\(line)")
        }
        #expect(try client.call(.ping, timeout: 2) == .object(["pong": true, "version": 1]))
    }

    @Test func binaryGarbageIsAParseError() throws {
        let harness = try ServerHarness()
        defer { harness.stop() }
        for garbage: [UInt8] in [[0, 0, 0], [0xFF, 0xFE, 0x7B], Array("{\"id\":1,\"version\":1,\"method\":\"p\u{0}ing\"}".utf8), [0x22, 0xC3, 0x28, 0x22]] {
            let reply = try #require(try harness.reply(toRaw: garbage + [0x0A]))
            #expect(reply.error?.code == .parseError, "\(garbage)")
        }
        try expectStillServing(harness)
    }

    @Test func anOversizedLineIsRefusedAndTheConnectionClosed() throws {
        let harness = try ServerHarness()
        defer { harness.stop() }
        let client = try harness.connect()
        // Sent without a newline: the limit must hold for a line that never ends.
        let huge = [UInt8](repeating: UInt8(ascii: "a"), count: ControlProtocol.maxLineBytes + 2)
        try? client.send(huge)
        let reply = try #require(try client.readReply(timeout: 2))
        #expect(reply.error?.code == .lineTooLong)
        #expect(try client.readLine(timeout: 2) == nil)
        try expectStillServing(harness)
    }

    @Test func aSilentClientTimesOutWithoutBlockingOthers() throws {
        let harness = try ServerHarness(limits: .init(idleTimeout: 0.3))
        defer { harness.stop() }
        let silent = try harness.connect()
        // Half a line, then nothing: trickling bytes does not keep a slot.
        try silent.send(Array("{\"id\":1,".utf8))
        let start = MonotonicClock.now
        try expectStillServing(harness)
        #expect(MonotonicClock.now - start < 0.2)
        let reply = try #require(try silent.readReply(timeout: 2))
        #expect(reply.error?.code == .timeout)
        #expect(try silent.readLine(timeout: 2) == nil)
    }

    @Test func twoHundredClientsAtOnceAreServedOrToldBusy() throws {
        let harness = try ServerHarness()
        defer { harness.stop() }
        // All 200 connect before any sends: the first 16 are served, the rest are told busy.
        let clients = try (0..<200).map { _ in try harness.connect() }
        var served = 0
        var busy = 0
        for client in clients {
            // A refused client may still be sending: then the send itself throws the refusal.
            do {
                _ = try client.call(.ping, timeout: 2)
                served += 1
            } catch .reply(let refusal) where refusal.code == .busy {
                busy += 1
            } catch {
                Issue.record("unexpected outcome \(error)")
            }
        }
        #expect(served == ControlSettings().maxClients)
        #expect(busy == 200 - served)
        #expect(harness.log.contains("clients already connected"))
        _ = consume clients
        try expectStillServing(harness)
    }

    @Test func aRefusedClientStillSendingGetsTheRefusalNotABrokenPipe() throws {
        let harness = try ServerHarness(settings: ControlSettings(maxClients: 1))
        defer { harness.stop() }
        let holder = try harness.connect()
        #expect(try holder.call(.ping, timeout: 2) != .null)
        // More than a socket buffer takes: the send is still under way when the daemon refuses
        // and closes, so it always ends in EPIPE or ECONNRESET.
        let request = Array(repeating: UInt8(ascii: " "), count: 1 << 20)
        for _ in 0..<50 {
            let client = try harness.connect()
            #expect {
                try client.send(request)
            } throws: { error in
                guard case .reply(let refusal) = error as? ClientError else { return false }
                return refusal.code == .busy && refusal.message.contains("already serves 1 control clients")
            }
        }
        #expect(try holder.call(.ping, timeout: 2) != .null)
    }

    @Test func refusalsAreExplainedOnceThenSummedUpNotLoggedEach() throws {
        // A window longer than the test: the summary comes when the server stops, whatever the pace.
        let harness = try ServerHarness(settings: ControlSettings(maxClients: 1), limits: .init(refusalLogWindow: 3600))
        defer { harness.stop() }
        let holder = try harness.connect()
        #expect(try holder.call(.ping, timeout: 2) != .null)
        for _ in 0..<300 {
            #expect(try harness.connect().readReply(timeout: 2)?.error?.code == .busy)
        }
        harness.server.stop()
        let refusals = harness.log.all.filter { $0.contains("refused") }
        #expect(refusals.count == 2)
        #expect(refusals.first?.contains("refused a connection: 1 clients already connected") == true)
        #expect(refusals.first?.contains("control.max_clients") == true)
        #expect(refusals.last?.contains("299 more connections refused as busy") == true)
        #expect(refusals.last?.hasSuffix("300 in total since start.") == true)
    }

    @Test func connectionsClosedForOverlongLinesAreExplainedOnceThenSummedUp() throws {
        let harness = try ServerHarness(limits: .init(refusalLogWindow: 3600))
        defer { harness.stop() }
        let huge = [UInt8](repeating: UInt8(ascii: "a"), count: ControlProtocol.maxLineBytes + 2)
        for _ in 0..<300 {
            let client = try harness.connect()
            try? client.send(huge)
            #expect(try client.readReply(timeout: 2)?.error?.code == .lineTooLong)
        }
        try expectStillServing(harness)
        harness.server.stop()
        let closes = harness.log.all.filter { $0.contains("line over") }
        #expect(closes.count == 2, "\(closes.count) log lines")
        #expect(closes.last?.contains("299 more connections closed for a line over the limit") == true)
        #expect(closes.last?.hasSuffix("300 in total since start.") == true)
    }

    @Test func aClientThatDoesNotReadItsRepliesIsDropped() throws {
        let harness = try ServerHarness(limits: .init(maxPendingBytes: 64 * 1024))
        defer { harness.stop() }
        let client = try harness.connect()
        let request = Array(ControlRequest(id: 1, method: .status).line.utf8)
        // Pipelined requests whose replies (about 1 KiB each) far exceed the socket buffer and the limit.
        var sendFailed = false
        for _ in 0..<4000 where !sendFailed {
            do { try client.send(request) } catch { sendFailed = true }
        }
        try expectStillServing(harness)
        #expect(harness.log.contains("does not read its replies"))
    }

    @Test func aClientLeavingMidReplyDoesNotHurtTheServer() throws {
        let harness = try ServerHarness()
        defer { harness.stop() }
        for _ in 0..<20 {
            let client = try harness.connect()
            try client.send(Array(String(repeating: ControlRequest(id: 1, method: .status).line, count: 50).utf8))
            _ = try client.readLine(timeout: 2)
        }
        try expectStillServing(harness)
    }
}

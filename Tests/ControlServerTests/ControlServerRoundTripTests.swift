import ControlClient
import ControlProtocol
import ControlServer
import Glibc
import RealtimeSupport
import Testing

/// Every request over a real socket against the mock handler: the reply carries the request's id
/// and the handler's answer, and the handler saw the call.
@Suite("Control server round trips", .serialized)
struct ControlServerRoundTripTests {
    @Test func pingStatusAndGet() throws {
        let harness = try ServerHarness()
        defer { harness.stop() }
        let client = try harness.connect()
        #expect(try client.call(.ping, timeout: 2) == .object(["pong": true, "version": 1]))
        let status = try StatusReport(json: try client.call(.status, timeout: 2))
        #expect(status.state == .running && status.levelsDBFS[0] == -20.5 && status.levelsDBFS[1] == -.infinity)
        #expect(try LiveParameters(json: try client.call(.get(nil), timeout: 2)) == harness.handler.parameters())
        #expect(try client.call(.get(.routing), timeout: 2) == .object(["routing": [0, 1]]))
    }

    @Test func observeIsUnavailableBeforeTheFirstSnapshotThenReports() throws {
        let harness = try ServerHarness()
        defer { harness.stop() }
        let client = try harness.connect()
        #expect(throws: ClientError.reply(ControlError(.unavailable, "the engine has not taken a snapshot yet"))) {
            try client.call(.observe, timeout: 2)
        }
        let report = try ObservationReport(json: try client.call(.observe, timeout: 2))
        #expect(report.version == 1 && report.spectraDB.count == 2 && report.spectraDB[1][0] == -.infinity && report.delaysSamples == [[0, 2.5], [0, nil]])
    }

    @Test func setRouteAndFlagsChangeTheHandlersParameters() throws {
        let harness = try ServerHarness()
        defer { harness.stop() }
        let client = try harness.connect()
        let afterSet = try LiveParameters(json: try client.call(.set([.alpha(0.98), .iterations(4), .density("laplace")]), timeout: 2))
        #expect(afterSet.alpha == 0.98 && afterSet.iterations == 4 && afterSet.density == "laplace")
        let afterRoute = try LiveParameters(json: try client.call(.route(source: 1, channels: [0, 1]), timeout: 2))
        #expect(afterRoute.routing == [1, 1])
        _ = try client.call(.set([.gainDB(-6), .mute(true), .bypass(true), .structure(.lowRank), .update(.iss), .routing([nil, 0])]), timeout: 2)
        let final = harness.handler.parameters()
        #expect(final.gainDB == -6 && final.mute && final.bypass && final.structure == .lowRank && final.update == .iss && final.routing == [nil, 0])
    }

    @Test func outOfRangeChangesAreRefusedAndNothingChanges() throws {
        let harness = try ServerHarness()
        defer { harness.stop() }
        let before = harness.handler.parameters()
        for change: ParameterChange in [.alpha(1.5), .iterations(0), .gainDB(30), .routing([0, 7])] {
            // All or none: the valid mute in the same request must not take effect either.
            let reply = try harness.call(.set([.mute(true), change]))
            #expect(reply.error?.code == .outOfRange, "\(change)")
            #expect(reply.error?.message.contains(change.name.rawValue) == true)
        }
        #expect(try harness.call(.route(source: 5, channels: [0])).error?.code == .outOfRange)
        #expect(harness.handler.parameters() == before)
    }

    @Test func stateResetReloadAndShutdownReachTheHandler() throws {
        let harness = try ServerHarness()
        defer { harness.stop() }
        let client = try harness.connect()
        #expect(try client.call(.reset, timeout: 2) == .object([:]))
        #expect(try client.call(.saveState(path: "/var/lib/bssd/a.state"), timeout: 2) == .object(["path": "/var/lib/bssd/a.state"]))
        #expect(try client.call(.loadState(path: "/var/lib/bssd/a.state"), timeout: 2) == .object(["path": "/var/lib/bssd/a.state"]))
        #expect(try client.call(.reload, timeout: 2) == .object(["summary": "alpha 0.97 → 0.98"]))
        let refused = try harness.call(.loadState(path: "/x.wrong-shape"))
        #expect(refused.error?.code == .failed && refused.error?.message.contains("4 channels") == true)
        #expect(try harness.call(.saveState(path: "/nonexistent/a")).error?.code == .failed)
        #expect(try client.call(.shutdown, timeout: 2) == .object([:]))
        // The reply is handed to the socket before the handler is called.
        let deadline = MonotonicClock.now + 2
        while harness.handler.calls.withLock({ $0.shutdowns }) == 0 && MonotonicClock.now < deadline { usleep(1000) }
        #expect(harness.handler.calls.withLock { $0 } == MockHandler.Calls(
            resets: 1, saved: ["/var/lib/bssd/a.state"], loaded: ["/var/lib/bssd/a.state"], reloads: 1, shutdowns: 1))
        // The server keeps serving after a shutdown request: stopping it is the daemon's call.
        #expect(try harness.call(.ping).error == nil)
    }

    @Test func subscribeStreamsStatusUntilTheClientLeaves() throws {
        let harness = try ServerHarness()
        defer { harness.stop() }
        let client = try harness.connect()
        let id = try client.send(.subscribe(interval: 0.05))
        var uptimes: [Double] = []
        for _ in 0..<4 {
            let reply = try #require(try client.readReply(timeout: 2))
            #expect(reply.id == id)
            uptimes.append(try StatusReport(json: try #require(reply.result)).uptimeSeconds)
        }
        #expect(uptimes == uptimes.sorted() && Set(uptimes).count == 4)
        // Other requests are still answered on a subscribed connection.
        try client.send(.ping)
        var sawPing = false
        for _ in 0..<10 where !sawPing {
            sawPing = try #require(try client.readReply(timeout: 2)).id != id
        }
        #expect(sawPing)
        // Leaving mid-subscription: the server drops the client and keeps serving others.
        _ = consume client
        #expect(try harness.call(.ping).error == nil)
    }
}

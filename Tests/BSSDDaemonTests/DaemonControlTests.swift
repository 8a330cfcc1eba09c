@testable import BSSDDaemon
import ControlClient
import ControlProtocol
import EngineParameters
import Foundation
import LivePipeline
import RealtimeEngine
import Testing

extension LiveAudio {
    /// Every control request against a real daemon on ALSA file-plugin devices, and proof that a
    /// live `route` changes what the daemon plays while it keeps separating.
    @Suite("Daemon control", .serialized)
    struct DaemonControlTests {
        /// Three outputs and a fourth cluster from the two-channel test mixture: `status` and
        /// `observe` list all four clusters, outputs first, with finite directions and weights
        /// that add up to 1 with the diffuse cluster's.
        @Test("a clustering daemon reports its clusters in status and observe")
        func clusteringReport() throws {
            var engine = SeparationPipelineTests.engine()
            engine.family = .clustering
            engine.sources = 3
            engine.clusters = 4
            engine.mixture = .studentT
            let bench = try DaemonTests.Bench(seconds: 10, engine: engine)
            bench.next.withLock { $0 = bench.configuration }
            let daemon = try bench.daemon()
            let finish = DaemonTests.launch(daemon)
            #expect(DaemonTests.waitUntil { DaemonTests.processed(daemon) >= 2048 })
            let client = try ControlConnection.connect(path: daemon.socketPath, timeout: 5)
            var observation: ObservationReport?
            #expect(DaemonTests.waitUntil {
                observation = try? ObservationReport(json: client.call(.observe, timeout: 10))
                return observation.map { $0.frame > 40 } ?? false
            })
            let report = try #require(observation)
            #expect(report.masks && report.clusters.map(\.output) == [0, 1, 2, nil])
            #expect(report.clusters.allSatisfy {
                $0.delaysSamples.count == 2 && $0.delaysSamples.allSatisfy(\.isFinite) && $0.levelsDB.allSatisfy(\.isFinite) && ($0.shape ?? 0) > 0
            })
            let total = report.clusters.map(\.weight).reduce(0, +) + (report.diffuseWeight ?? 0)
            #expect(abs(total - 1) < 0.01, "weights add up to \(total)")
            let status = try StatusReport(json: client.call(.status, timeout: 10))
            #expect(status.clusters.count == 4 && status.sourceModels == Array(repeating: "clustering/t", count: 3))
            _ = try client.call(.shutdown, timeout: 10)
            #expect(finish() != nil)
        }

        /// A daemon on the test mixture that has separated its first 4096 frames, how to wait for its
        /// end, and a client connected to it.
        static func runningDaemon() throws -> (Daemon, () -> DaemonTotals?, ControlConnection) {
            let bench = try DaemonTests.Bench(seconds: 10)
            bench.next.withLock { $0 = bench.configuration }
            let daemon = try bench.daemon()
            let finish = DaemonTests.launch(daemon)
            #expect(DaemonTests.waitUntil { DaemonTests.processed(daemon) >= 4096 })
            return (daemon, finish, try ControlConnection.connect(path: daemon.socketPath, timeout: 5))
        }

        @Test("target: one talker on every channel, next wraps, a missing source is refused, off leaves the routing")
        func target() throws {
            let (daemon, finish, client) = try Self.runningDaemon()
            #expect(try StatusReport(json: client.call(.status, timeout: 10)).target == nil)
            let chosen = try TargetReport(json: client.call(.target(.source(1)), timeout: 10))
            #expect(chosen.source == 1 && chosen.switches == 0 && chosen.delaysSamples.count == 2)
            #expect(daemon.output.settings().routes == [1, 1])
            let status = try StatusReport(json: client.call(.status, timeout: 10))
            #expect(status.target?.source == 1 && status.parameters.routing == [1, 1])
            #expect(try TargetReport(json: client.call(.target(.next), timeout: 10)).source == 0)
            #expect(daemon.output.settings().routes == [0, 0])
            do {
                _ = try client.call(.target(.source(2)), timeout: 10)
                Issue.record("a third source was accepted")
            } catch {
                guard case let .reply(refusal) = error else { throw error }
                #expect(refusal.code == .outOfRange && refusal.message.contains("0 to 1"))
            }
            #expect(try client.call(.target(.off), timeout: 10) == .null)
            #expect(try StatusReport(json: client.call(.status, timeout: 10)).target == nil)
            #expect(daemon.output.settings().routes == [0, 0])
            _ = try client.call(.shutdown, timeout: 10)
            #expect(finish() != nil)
        }

        @Test("set source.N.structure and source.N.density change one source live; status names an automatic source's choice")
        func perSourceModels() throws {
            let (daemon, finish, client) = try Self.runningDaemon()
            _ = try client.call(.set([.sourceStructure(source: 1, .automatic), .sourceDensity(source: 0, "gauss")]), timeout: 10)
            #expect(daemon.configuration.engine.sourceModel(0).density == .gaussian)
            #expect(daemon.configuration.engine.sourceModel(1).structure == .automatic)
            // Once a snapshot has been taken since the change, the automatic source shows its choice.
            let processed = DaemonTests.processed(daemon)
            #expect(DaemonTests.waitUntil { DaemonTests.processed(daemon) >= processed + 4096 })
            var models: [String] = []
            #expect(DaemonTests.waitUntil {
                models = (try? StatusReport(json: client.call(.status, timeout: 10)).sourceModels) ?? []
                return models.count == 2 && models[1].hasPrefix("auto:")
            })
            #expect(models.first?.hasSuffix("/gauss") == true && models.first?.hasPrefix("auto") == false, "\(models)")
            let choice = models.last.flatMap { $0.split(separator: ":").dropFirst().first }.map { String($0.split(separator: "/")[0]) }
            #expect(choice.flatMap(SourceStructure.init(rawValue:)) != nil, "\(models)")
            for (method, words) in [
                (ControlMethod.set([.sourceStructure(source: 2, .harmonic)]), "0 to 1"),
                (ControlMethod.set([.sourceDensity(source: 0, "cauchy")]), "source.0.density"),
            ] {
                do {
                    _ = try client.call(method, timeout: 10)
                    Issue.record("\(method) was accepted")
                } catch {
                    guard case let .reply(refusal) = error else { throw error }
                    #expect(refusal.code == .outOfRange && refusal.message.contains(words), "\(refusal.message)")
                }
            }
            #expect(daemon.configuration.engine.sourceModel(1).structure == .automatic)
            _ = try client.call(.shutdown, timeout: 10)
            #expect(finish() != nil)
        }

        @Test("every request round-trips against a running daemon; bad input is answered and separation goes on")
        func roundTrip() throws {
            let bench = try DaemonTests.Bench(seconds: 10)
            bench.next.withLock { $0 = bench.configuration }
            let daemon = try bench.daemon()
            // Before any audio the engine has no snapshot, and says so.
            #expect(throws: ControlError.self) { try daemon.observe() }
            do { _ = try daemon.observe() } catch { #expect(error.code == .unavailable && error.message.contains("has not taken a snapshot yet")) }
            let finish = DaemonTests.launch(daemon)
            #expect(DaemonTests.waitUntil { DaemonTests.processed(daemon) >= 2048 })
            let client = try ControlConnection.connect(path: daemon.socketPath, timeout: 5)
            func call(_ method: ControlMethod) throws -> JSONValue { try client.call(method, timeout: 10) }
            func refusal(_ method: ControlMethod) -> ControlError? {
                do {
                    _ = try client.call(method, timeout: 10)
                    return nil
                } catch {
                    if case let .reply(refusal) = error { return refusal }
                    return nil
                }
            }

            _ = try call(.ping)
            let status = try StatusReport(json: call(.status))
            #expect(status.state == .running && status.sampleRate == 16000 && status.captureChannels == 2)
            #expect(status.levelsDBFS.count == 2 && status.framesProcessed > 0 && status.budgetMilliseconds == 16)
            #expect(status.blockMillisecondsP99 >= status.blockMillisecondsP50 && status.blockMillisecondsP50 > 0)
            // Freewheeling file devices have no clock: the latency is the output stream's lag
            // (frame 1024 − hop 256 + prefill 256), not how far capture ran ahead.
            #expect(status.latencyMilliseconds == 64)
            #expect(try LiveParameters(json: call(.get(nil))).alpha == 0.98)

            // The engine's tap, about ten snapshots a second (every 6 hops of 256 at 16 kHz): K
            // outputs × 32 finite bands, a delay per source and microphone, and a newer snapshot later.
            #expect(daemon.engine.observationInterval == 6)
            var observation: ObservationReport?
            #expect(DaemonTests.waitUntil { observation = try? ObservationReport(json: call(.observe)); return observation != nil })
            let first = try #require(observation)
            #expect(first.spectraDB.count == 2 && first.spectraDB.allSatisfy { $0.count == ObservationReport.bands && $0.allSatisfy(\.isFinite) })
            #expect(first.bandWidthHz == 250 && !first.masks && first.version > 0 && first.frame > 0)
            #expect(first.delaysSamples.count == 2 && first.delaysSamples.allSatisfy { $0.count == 2 && $0[0] == 0 && $0[1].map(\.isFinite) != false })
            let seen = DaemonTests.processed(daemon)
            #expect(DaemonTests.waitUntil { DaemonTests.processed(daemon) >= seen + 3 * 6 * 256 })
            let second = try ObservationReport(json: call(.observe))
            #expect(second.version > first.version && second.frame > first.frame, "\(first.version) → \(second.version)")

            var parameters = try LiveParameters(json: call(.set([.alpha(0.97), .iterations(1), .update(.iss), .density("laplace")])))
            #expect(parameters.alpha == 0.97 && parameters.iterations == 1 && parameters.update == .iss && parameters.density == "laplace")
            #expect(daemon.configuration.engine.forgetting == 0.97)
            #expect(refusal(.set([.alpha(1.5)]))?.code == .outOfRange)
            // The NUL travels as \u0000 in the request; neither it nor a hex float is a model.
            #expect(refusal(.set([.density("t:5\u{0}")]))?.code == .outOfRange)
            #expect(refusal(.set([.density("t:0x1p3")]))?.code == .outOfRange)
            #expect(refusal(.set([.iterations(2), .routing([0, 5])]))?.code == .outOfRange)
            #expect(daemon.configuration.engine.iterations == 1, "a refused set must change nothing")
            parameters = try LiveParameters(json: call(.set([.structure(.lowRank)])))
            #expect(parameters.structure == .lowRank)
            #expect(try StatusReport(json: call(.status)).sourceModels == ["lowrank/laplace", "lowrank/laplace"])
            // An old client's name is taken as its replacement, and the reply says what to write instead.
            try client.send(Array(#"{"id":"old","version":1,"method":"set","params":{"algorithm":"iva"}}"#.utf8) + [0x0A])
            let old = try #require(try client.readReply(timeout: 10))
            #expect(old.id == "old" && old.warnings == [EngineParameter.Deprecated.algorithm.warning("iva", in: .control)])
            #expect(daemon.configuration.engine.structure == .spherical)
            parameters = try LiveParameters(json: call(.set([.gainDB(-6), .bypass(true), .mute(false)])))
            #expect(parameters.gainDB == -6 && parameters.bypass && !parameters.mute)
            #expect(try !LiveParameters(json: call(.set([.bypass(false)]))).bypass)

            _ = try call(.reset)
            let statePath = bench.directory.appendingPathComponent("state.bin").path
            _ = try call(.saveState(path: statePath))
            #expect(FileManager.default.fileExists(atPath: statePath))
            _ = try call(.loadState(path: statePath))
            try Data("not a state".utf8).write(to: URL(fileURLWithPath: statePath + ".bad"))
            #expect(refusal(.loadState(path: statePath + ".bad"))?.code == .failed)
            #expect(refusal(.loadState(path: statePath + ".missing"))?.message.contains("No such file") == true)

            // The file still says what the daemon started with; the sets above changed the engine.
        guard case let .string(summary)? = try call(.reload)["summary"] else { Issue.record("reload gave no summary"); return }
        #expect(summary.contains("engine settings applied live"), "\(summary)")

            // Garbage is answered and the daemon keeps separating.
            try client.send(Array("{\"id\":1,\"method\":".utf8) + [0xFF, 0x00, 0x0A])
            let garbage = try #require(try client.readReply(timeout: 5))
            guard case let .failure(error) = garbage.outcome else { Issue.record("garbage was accepted"); return }
            #expect(error.code == .parseError)
            let before = DaemonTests.processed(daemon)

            // Route source 1 to both playback channels: from then on the two channels are equal.
            parameters = try LiveParameters(json: call(.route(source: 1, channels: [0, 1])))
            #expect(parameters.routing == [1, 1])
            let routedAt = DaemonTests.processed(daemon)
            #expect(DaemonTests.waitUntil { DaemonTests.processed(daemon) > before })

            do {
                let subscriber = try ControlConnection.connect(path: daemon.socketPath, timeout: 5)
                _ = try subscriber.send(.subscribe(interval: 0.05))
                for _ in 0..<3 { #expect(try subscriber.readReply(timeout: 5) != nil) }
            }  // the subscriber leaves by closing its connection

            #expect(DaemonTests.waitUntil { DaemonTests.processed(daemon) >= routedAt + 32000 })
            _ = try call(.shutdown)
            let totals = try #require(finish())
            #expect(totals.processedFrames <= 10 * 16000)
            let recorded = try bench.recorded()
            let from = routedAt + 16384
            guard from < recorded.count / 2 else {
                Issue.record("the daemon stopped before the route could be seen")
                return
            }
            var differ = 0, energy: Float = 0
            for t in from..<(recorded.count / 2) {
                if recorded[2 * t] != recorded[2 * t + 1] { differ += 1 }
                energy += recorded[2 * t] * recorded[2 * t]
            }
            #expect(differ == 0 && energy > 0)
        }
    }
}

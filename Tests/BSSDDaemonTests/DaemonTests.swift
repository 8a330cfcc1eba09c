import AudioIO
@testable import BSSDDaemon
@testable import DaemonConfig
@testable import DaemonLogging
import Foundation
@testable import LivePipeline
import RealtimeEngine
import Synchronization
import Testing

extension LiveAudio {
    /// The supervisor around the pipeline, on ALSA file-plugin devices (unpaced, freewheel): reloads
    /// that change things live, reloads that reopen the devices, and reloads that must change nothing.
    @Suite("Daemon", .serialized)
    struct DaemonTests {
        init() {
            ALSALibraryMessages.silence()
        }

        /// A scratch directory with an input mixture of `seconds` and the device definitions.
        final class Bench: Sendable {
            let directory: URL
            let inPath: String
            let outPath: String
            let configuration: DaemonConfiguration
            /// What the next reload returns (nil: a load failure).
            let next = Mutex<DaemonConfiguration?>(nil)

            init(seconds: Double, engine: SeparatorConfiguration = SeparationPipelineTests.engine()) throws {
                directory = FileManager.default.temporaryDirectory.appendingPathComponent("bssd-daemon-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                inPath = directory.appendingPathComponent("in.raw").path
                outPath = directory.appendingPathComponent("out.raw").path
                let frames = Int(seconds * 16000)
                try SeparationPipelineTests.mixture(frames: frames).withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: inPath))
                configuration = DaemonConfiguration(
                    captureDevice: "bsstest_mics", playbackDevice: "bsstest_out", sampleRate: 16000,
                    engine: engine, periodFrames: 256, periods: 3,
                    alsaDefinitions: """
                        pcm.bsstest_mics { type file slave.pcm null file "/dev/null" infile "\(inPath)" format raw }
                        pcm.bsstest_out { type file slave.pcm null file "\(outPath)" format raw }
                        """,
                    duration: seconds, pacing: .freewheel, realtimePriority: nil, lockMemory: false,
                    control: ControlSettings(socketPath: directory.appendingPathComponent("control.sock").path))
            }

            deinit { try? FileManager.default.removeItem(at: directory) }

            func recorded() throws -> [Float] {
                try Data(contentsOf: URL(fileURLWithPath: outPath)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            }

            func daemon(lines: EventLoggerTests.Lines = .init()) throws -> Daemon {
                let log = DaemonLog(level: .debug) { line in lines.lines.withLock { $0.append(line) } }
                return try Daemon(configuration: configuration, log: log, loader: { [self] () throws in
                    guard let configuration = next.withLock({ $0 }) else {
                        throw DaemonReloadError("test: the file cannot be read")
                    }
                    return configuration
                })
            }
        }

        /// Runs `daemon` on its own thread; returns a function that waits for it and gives its totals.
        static func launch(_ daemon: Daemon) -> () -> DaemonTotals? {
            let result = Mutex<DaemonTotals?>(nil)
            let done = Atomic<Bool>(false)
            Thread.detachNewThread {
                let totals = try? daemon.run()
                result.withLock { $0 = totals }
                done.store(true, ordering: .releasing)
            }
            return {
                let deadline = Date().addingTimeInterval(120)
                while !done.load(ordering: .acquiring), Date() < deadline { usleep(10_000) }
                return result.withLock { $0 }
            }
        }

        static func waitUntil(_ condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(60)
            while !condition(), Date() < deadline { usleep(5_000) }
            return condition()
        }

        static func processed(_ daemon: Daemon) -> Int {
            daemon.current.withLock { $0?.status.processedFrames.load(ordering: .relaxed) ?? 0 }
        }

        @Test("a reload that mutes applies live: the output goes silent without reopening the devices")
        func liveMute() throws {
            let bench = try Bench(seconds: 10)
            let daemon = try bench.daemon()
            var muted = bench.configuration
            muted.output = OutputSettings(routes: [0, 1], muted: true)
            bench.next.withLock { $0 = muted }
            let finish = Self.launch(daemon)
            #expect(Self.waitUntil { Self.processed(daemon) >= 16000 })
            let result = daemon.reloadAndWait()
            let at = Self.processed(daemon)
            #expect((try? result.get())?.contains("output settings applied") == true, "\(result)")
            let totals = try #require(finish())
            #expect(totals.reloads == 1 && totals.deviceReopens == 0)
            #expect(totals.processedFrames == 10 * 16000, "a live change must not restart the stream")
            let recorded = try bench.recorded()
            // Before the reload: separated signal. After it (plus the rings, the device buffer and the
            // one-hop fade): silence to the end.
            let energyBefore = recorded.prefix(2 * 8000).reduce(0) { $0 + $1 * $1 }
            #expect(energyBefore > 1)
            let silentFrom = at + 16384
            #expect(silentFrom < recorded.count / 2 - 16000, "the run ended too soon after the reload to see the change")
            #expect(recorded[(2 * silentFrom)...].allSatisfy { $0 == 0 })
        }

        @Test("a reload that changes the engine's shape reopens the devices with a fresh engine and keeps running")
        func shapeChange() throws {
            let bench = try Bench(seconds: 4)
            let daemon = try bench.daemon()
            var bigger = bench.configuration
            bigger.engine.frameLength = 2048
            bigger.engine.hop = 512
            bench.next.withLock { $0 = bigger }
            let finish = Self.launch(daemon)
            #expect(Self.waitUntil { Self.processed(daemon) >= 4000 })
            let result = daemon.reloadAndWait()
            let summary = try result.get()
            #expect(summary.contains("frame") && summary.contains("devices reopened"), "\(summary)")
            #expect(daemon.current.withLock { $0?.hop } == 512)
            let totals = try #require(finish())
            #expect(totals.reloads == 1)
            // The first pipeline's frames before the reload plus the whole file again after it.
            #expect(totals.processedFrames > 4 * 16000)
        }

        @Test("a reload to the FIR stage reopens the devices with a fresh engine that renders a period at a time")
        func stageChange() throws {
            let bench = try Bench(seconds: 4)
            let daemon = try bench.daemon()
            var fir = bench.configuration
            fir.stage = OutputStageSettings(kind: .fir)
            (fir.stage.firTaps, fir.stage.firDelay) = (512, 48)
            bench.next.withLock { $0 = fir }
            let finish = Self.launch(daemon)
            #expect(Self.waitUntil { Self.processed(daemon) >= 4000 })
            let summary = try daemon.reloadAndWait().get()
            #expect(summary.contains("output stage fir") && summary.contains("devices reopened"), "\(summary)")
            #expect(daemon.current.withLock { $0?.hop } == fir.periodFrames)
            #expect(daemon.current.withLock { $0?.engineLatency } == 48)
            #expect(daemon.engine.outputTrust != nil)
            let totals = try #require(finish())
            #expect(totals.reloads == 1 && totals.audioThreadAllocations == 0)
        }

        @Test("a reload that fails to load, or is invalid, changes nothing and the daemon keeps separating")
        func refusedReloads() throws {
            let bench = try Bench(seconds: 4)
            let lines = EventLoggerTests.Lines()
            let daemon = try bench.daemon(lines: lines)
            let finish = Self.launch(daemon)
            #expect(Self.waitUntil { Self.processed(daemon) >= 4000 })
            bench.next.withLock { $0 = nil }
            guard case let .failure(unreadable) = daemon.reloadAndWait() else { Issue.record("a failed load was applied"); return }
            #expect(unreadable.description.contains("cannot be read"))
            var invalid = bench.configuration
            invalid.engine.forgetting = 1.5
            bench.next.withLock { $0 = invalid }
            guard case let .failure(refused) = daemon.reloadAndWait() else { Issue.record("an invalid file was applied"); return }
            #expect(refused.description.contains("alpha"))
            let before = Self.processed(daemon)
            #expect(Self.waitUntil { Self.processed(daemon) > before } || Self.processed(daemon) == 4 * 16000)
            let totals = try #require(finish())
            #expect(totals.reloads == 0 && totals.processedFrames == 4 * 16000)
            #expect(lines.all.contains { $0.contains("Reload refused, still running the previous configuration") })
        }

        @Test("systemd hears READY after the first block, WATCHDOG while separating, RELOADING/READY around a reload, STOPPING at the end")
        func systemdNotifications() throws {
            let listener = try NotifyListener(.path)
            let notifier = try SystemdNotifier(
                environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "200000"], processID: getpid())
            let bench = try Bench(seconds: 6)
            bench.next.withLock { $0 = bench.configuration }
            let daemon = try Daemon(
                configuration: bench.configuration, log: DaemonLog(level: .error) { _ in },
                loader: { [bench] () throws in try #require(bench.next.withLock { $0 }) }, notifier: notifier)
            let finish = Self.launch(daemon)
            var messages: [String] = []
            func collect(until predicate: (String) -> Bool) throws {
                while true {
                    let message = try listener.receive()
                    messages.append(message)
                    if predicate(message) { return }
                }
            }
            try collect { $0.hasPrefix("READY=1") }
            #expect(Self.processed(daemon) > 0, "READY=1 must follow the first processed block")
            try collect { $0 == "WATCHDOG=1" }
            #expect(try daemon.reloadAndWait().get() == "nothing changed")
            try collect { $0.hasPrefix("READY=1") }
            daemon.requestStop()
            try collect { $0 == "STOPPING=1" }
            #expect(finish() != nil)
            let reloading = try #require(messages.firstIndex { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") })
            #expect(messages[reloading...].dropFirst().contains { $0.hasPrefix("READY=1") })
            #expect(messages.contains { $0.hasPrefix("STATUS=") || $0.contains("\nSTATUS=running: 2 mics → 2 sources") })
        }

        @Test("a systemd that stops reading never stalls the daemon: reload and stop finish, and the drops are counted")
        func systemdNotReading() throws {
            let listener = try NotifyListener(.path, reading: .stalled)
            let notifier = try SystemdNotifier(
                environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "20000"], processID: getpid())
            let bench = try Bench(seconds: 6)
            bench.next.withLock { $0 = bench.configuration }
            let lines = EventLoggerTests.Lines()
            let daemon = try Daemon(
                configuration: bench.configuration, log: DaemonLog(level: .warning) { line in lines.lines.withLock { $0.append(line) } },
                loader: { [bench] () throws in try #require(bench.next.withLock { $0 }) }, notifier: notifier, tick: 0.01)
            let finish = Self.launch(daemon)
            // A ping every tick once the engine runs: the queue (10 datagrams by default) is full
            // long before the second reload.
            #expect(Self.waitUntil { Self.processed(daemon) >= 16000 })
            for _ in 0..<2 {
                #expect((try? daemon.reloadAndWait(timeout: 5).get()) == "nothing changed")
            }
            daemon.requestStop()
            #expect(finish() != nil)
            #expect(lines.all.contains { $0.contains("not reading its notification socket") })
            #expect(lines.all.contains { $0.contains("systemd notifications were dropped because systemd did not read them") })
        }

        @Test("while the daemon reopens, status counts the pipeline that ended once: no counter doubles or goes back")
        func reopeningCountsOnce() throws {
            let bench = try Bench(seconds: 10)
            let daemon = try Daemon(
                configuration: bench.configuration, log: DaemonLog(level: .error) { _ in }, reopenBackoff: (0.05, 0.1))
            let finish = Self.launch(daemon)
            #expect(Self.waitUntil { Self.processed(daemon) >= 4000 })
            let pipeline = try #require(daemon.current.withLock { $0 })
            let running = daemon.statusReport()
            // The capture file goes away, so every reopen attempt fails and the daemon stays in
            // `reopening`; then the capture device is lost as an audio thread would record it.
            try FileManager.default.removeItem(atPath: bench.inPath)
            pipeline.status.captureState.store(AudioThreadState.deviceLost.rawValue, ordering: .relaxed)
            pipeline.abort()
            #expect(Self.waitUntil { daemon.state == .reopening })
            let final = pipeline.status.snapshot()
            #expect(pipeline.isFinished && final.capturedFrames >= running.framesCaptured)
            for _ in 0..<3 {
                let status = daemon.statusReport()
                #expect(status.state == .reopening)
                #expect(status.framesCaptured == final.capturedFrames && status.framesProcessed == final.processedFrames)
                #expect(status.framesPlayed == final.playedFrames && status.lateBlocks == final.lateBlocks)
                usleep(60_000)
            }
            daemon.requestStop()
            let totals = try #require(finish())
            #expect(totals.capturedFrames == final.capturedFrames && totals.deviceReopens == 0)
        }

        @Test("retiring a pipeline counts it once and numbers the next pipeline's events on from it")
        func retireNumbersOn() throws {
            let bench = try Bench(seconds: 1)
            let daemon = try bench.daemon()
            let pipeline = try SeparationPipeline(configuration: bench.configuration, engine: daemon.engine, events: daemon.events)
            try daemon.start(pipeline)
            #expect(SeparationPipelineTests.finish(pipeline, within: 60))
            pipeline.status.lateBlocks.store(3, ordering: .relaxed)  // as if playback had been late three times
            let final = pipeline.status.snapshot()
            daemon.retire(pipeline)
            #expect(daemon.current.withLock { $0 } == nil)
            #expect(daemon.statusReport().framesCaptured == final.capturedFrames && daemon.statusReport().lateBlocks == 3)
            // The next pipeline's playback thread counts its first late block as 1.
            daemon.events.post(.lateBlock, count: 256, total: 1, from: .playback)
            var totals: [Int] = []
            daemon.events.drain { if $0.kind == .lateBlock { totals.append($0.total) } }
            #expect(totals == [4])
        }

        @Test("a pipeline that takes over the engine after a reopen reports only the NaN/Inf samples it sees itself")
        func nonFiniteAcrossPipelines() throws {
            let bench = try Bench(seconds: 1)
            let engine = try OnlineSeparator<Float>(configuration: bench.configuration.engine)
            let events = AudioEventQueues()
            func run(_ samples: [Float]) throws -> [AudioEvent] {
                try samples.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: bench.inPath))
                let pipeline = try SeparationPipeline(configuration: bench.configuration, engine: engine, events: events)
                _ = try pipeline.start()
                #expect(SeparationPipelineTests.finish(pipeline, within: 60))
                var reported: [AudioEvent] = []
                events.drain { if $0.kind == .nonFiniteInput { reported.append($0) } }
                return reported
            }
            var dirty = SeparationPipelineTests.mixture(frames: 16000)
            for i in 1000..<1010 { dirty[i] = .nan }
            let first = try run(dirty)
            #expect(first.reduce(0) { $0 + $1.count } == 10)
            let second = try run(SeparationPipelineTests.mixture(frames: 16000))
            #expect(second.isEmpty, "the engine's earlier NaN/Inf samples were reported again: \(second)")
        }

        @Test("without a config file there is nothing to reload, and the daemon says so")
        func noFile() throws {
            let bench = try Bench(seconds: 1)
            let daemon = try Daemon(configuration: bench.configuration, log: DaemonLog(level: .error) { _ in })
            let finish = Self.launch(daemon)
            guard case let .failure(error) = daemon.reloadAndWait() else { Issue.record("reload without a file succeeded"); return }
            #expect(error.description.contains("without --config"))
            #expect(finish() != nil)
        }
    }
}

import AudioIO
import DaemonConfig
import Foundation
import LivePipeline
import RealtimeEngine
import RealtimeSupport
import Synchronization
import Testing

extension LiveAudio {
    /// The live pipeline without a sound card: alsa-lib's `file` plugin over `null` on both sides,
    /// defined per run through `DaemonConfiguration.alsaDefinitions`. `null` has no clock, so these
    /// runs are unpaced (as fast as the threads go). Serialized: the thread-count checks look at the
    /// whole process, and the runs compete for the two cores.
    @Suite("Separation pipeline", .serialized)
    struct SeparationPipelineTests {
        init() {
            ALSALibraryMessages.silence()
        }

        static let rate = 16000

        /// A small engine: these suites test the live path, not the separation, and every pipeline
        /// warms a scratch engine over a full history first (`SeparationPipeline.warmUp`).
        static func engine() -> SeparatorConfiguration {
            var engine = SeparatorConfiguration(channels: 2)
            engine.frameLength = 1024
            engine.hop = 256
            engine.history = 16
            return engine
        }

        /// Two bursty Laplacian sources mixed instantaneously into 2 channels (or 3: more
        /// microphones than sources), interleaved.
        static func mixture(frames: Int, channels: Int = 2) -> [Float] {
            var random = SplitMix64(seed: 7)
            // Open at 0 too: the Laplacian draw takes a logarithm of it.
            func uniform() -> Double { random.uniform() + 0x1p-54 }
            var samples = [Float](repeating: 0, count: frames * channels)
            for t in 0..<frames {
                let s = (0..<2).map { k -> Double in
                    let u = uniform() - 0.5
                    let on = ((t / 4000) + k) % 3 != 0
                    return on ? 0.1 * (u < 0 ? log(1 + 2 * u) : -log(1 - 2 * u)) : 0
                }
                samples[channels * t] = Float(s[0] + 0.6 * s[1])
                samples[channels * t + 1] = Float(0.5 * s[0] + s[1])
                if channels == 3 { samples[channels * t + 2] = Float(0.8 * s[0] - 0.3 * s[1]) }
            }
            return samples
        }

        /// Waits for the pipeline to finish by itself (a frame limit), at most `seconds`, then joins.
        static func finish(_ pipeline: SeparationPipeline, within seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while !pipeline.isFinished, Date() < deadline { usleep(10_000) }
            let finished = pipeline.isFinished
            if !finished { pipeline.stop() }
            pipeline.wait()
            return finished
        }

        /// A freewheeling run through ALSA file-plugin devices that read `input` (interleaved,
        /// `engine.channels` channels) and write what playback plays to `outPath` in `directory`.
        /// The file plugin leaves the read buffer untouched at the end of `infile` rather than
        /// failing, so the run must stop at a known frame count: `duration` = exactly the input.
        static func fileRun(_ input: [Float], engine: SeparatorConfiguration, period: Int, in directory: URL) throws -> (DaemonConfiguration, outPath: String) {
            let inPath = directory.appendingPathComponent("in.raw").path
            let outPath = directory.appendingPathComponent("out.raw").path
            try input.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: inPath))
            var configuration = DaemonConfiguration(
                captureDevice: "bsstest_mics", playbackDevice: "bsstest_out", sampleRate: Self.rate, engine: engine,
                periodFrames: period, periods: 3, playbackPrefillPeriods: 1,
                alsaDefinitions: """
                    pcm.bsstest_mics { type file slave.pcm null file "/dev/null" infile "\(inPath)" format raw }
                    pcm.bsstest_out { type file slave.pcm null file "\(outPath)" format raw }
                    """,
                duration: Double(input.count / engine.channels) / Double(Self.rate),
                pacing: .freewheel, realtimePriority: nil, lockMemory: false)
            configuration.lateFallback = .silence
            return (configuration, outPath)
        }

        /// A scratch directory, removed by the caller.
        static func scratchDirectory() throws -> URL {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bssd-pipeline-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return directory
        }

        /// With 3 microphones the engine separates 2 sources (K < M): 2 channels played.
        @Test("an unpaced run through file PCMs plays exactly the offline engine's output, after the prefill",
              arguments: [2, 3])
        func endToEnd(microphones: Int) throws {
            #expect(AllocationCounter.isInterposerLinked)
            let directory = try Self.scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }

            var engine = Self.engine()
            engine.channels = microphones
            let M = microphones, K = engine.sources
            let frames = 125 * engine.hop  // 2 s; a whole number of hops and periods
            let input = Self.mixture(frames: frames, channels: M)
            let (configuration, outPath) = try Self.fileRun(input, engine: engine, period: 256, in: directory)
            #expect(configuration.frameLimit == frames)

            let pipeline = try SeparationPipeline(configuration: configuration)
            #expect(pipeline.captureParameters.format == .float32 && pipeline.playbackParameters.format == .float32)
            let prefill = pipeline.playbackParameters.prefillFrames
            #expect(prefill == 256)
            let warnings = try pipeline.start()
            #expect(warnings.isEmpty)
            #expect(Self.finish(pipeline, within: 60), "the run did not end by itself")
            #expect(SeparationPipeline.runningAudioThreads.load(ordering: .relaxed) == 0)

            let status = pipeline.status.snapshot()
            #expect(status.capturedFrames == frames)
            #expect(status.processedFrames == frames)
            #expect(status.playedFrames == frames)
            #expect(status.lateBlocks == 0 && status.captureOverrunFrames == 0 && status.outputOverrunFrames == 0)
            #expect(status.captureXruns == 0 && status.playbackXruns == 0)
            #expect(status.captureState == .finished && status.processingState == .finished && status.playbackState == .finished)
            #expect(status.errors.isEmpty)
            // (2) the processing thread allocates nothing after its first block; the file plugin's
            // threads neither.
            #expect(status.processingAllocations == 0)
            #expect(status.audioThreadAllocations == 0, "\(status)")
            #expect(status.maxBlockNanoseconds > 0)

            // The same engine, fresh, offline, hop by hop.
            let offline = try OnlineSeparator<Float>(configuration: engine)
            var expected = [Float](repeating: 0, count: frames * K)
            input.withUnsafeBufferPointer { x in
                expected.withUnsafeMutableBufferPointer { y in
                    for h in 0..<(frames / engine.hop) {
                        offline.process(input: x.baseAddress! + h * engine.hop * M, output: y.baseAddress! + h * engine.hop * K)
                    }
                }
            }

            let recordedData = try Data(contentsOf: URL(fileURLWithPath: outPath))
            let recorded = recordedData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            #expect(recorded.count == (prefill + frames) * K, "recorded \(recorded.count / K) frames")

            // Find the delay rather than assume it: the shift at which the recording matches.
            func mismatch(at delay: Int) -> Float {
                var worst: Float = 0
                for i in 0..<min(expected.count, recorded.count - delay * K) {
                    worst = max(worst, abs(recorded[delay * K + i] - expected[i]))
                }
                return worst
            }
            let delay = (0...2048).first { mismatch(at: $0) <= 1e-6 }
            #expect(delay == prefill, "delay \(String(describing: delay))")
            #expect(recorded.prefix(prefill * K).allSatisfy { $0 == 0 })
            // Relative to the input, the separated signal is delayed by the prefill plus the STFT latency.
            #expect(pipeline.engineLatency == engine.frameLength - engine.hop)
            let expectedPeak = expected.map(abs).max() ?? 0
            #expect(expectedPeak > 0.01, "the engine produced silence")
            print("pipeline end-to-end M=\(M) K=\(K): \(frames) frames captured/processed/played, recording \(recorded.count / K) frames, "
                + "stream delay \(delay ?? -1) samples (prefill \(prefill)) + STFT latency \(pipeline.engineLatency) = "
                + "\(prefill + pipeline.engineLatency) samples input → separated output; max block "
                + "\(status.maxBlockNanoseconds / 1000) µs vs hop budget \(engine.hop * 1_000_000 / Self.rate) µs; "
                + "allocations capture/processing/playback \(status.captureAllocations)/\(status.processingAllocations)/"
                + "\(status.playbackAllocations); max |diff| \(mismatch(at: prefill))")
        }

        @Test("the FIR stage: a fourth thread learns, the period renders, the delay is the filters' and nothing allocates")
        func firStage() throws {
            let directory = try Self.scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let engine = Self.engine()
            let frames = 125 * engine.hop
            var input = Self.mixture(frames: frames)
            // An impulse on microphone 0 alone before the sources start: it comes out D + prefill later.
            for t in 0..<400 { input[2 * t] = 0; input[2 * t + 1] = 0 }
            input[2 * 100] = 0.5
            var (configuration, outPath) = try Self.fileRun(input, engine: engine, period: 32, in: directory)
            configuration.stage = OutputStageSettings(kind: .fir)
            (configuration.stage.firTaps, configuration.stage.firDelay) = (512, 48)
            let pipeline = try SeparationPipeline(configuration: configuration)
            #expect(pipeline.hop == 32 && pipeline.engineLatency == 48)
            _ = try pipeline.start()
            #expect(Self.finish(pipeline, within: 60), "the run did not end by itself")
            let status = pipeline.status.snapshot()
            #expect(status.capturedFrames == frames && status.processedFrames == frames && status.playedFrames == frames)
            #expect(status.learnerState == .finished && status.processingState == .finished)
            #expect(status.maxLearnNanoseconds > 0 && status.learnerSkippedFrames == 0)
            #expect(status.audioThreadAllocations == 0, "capture \(status.captureAllocations) processing \(status.processingAllocations) playback \(status.playbackAllocations) learning \(status.learnerAllocations)")
            let recorded = try Data(contentsOf: URL(fileURLWithPath: outPath)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            #expect(recorded.count == (32 + frames) * 2)
            #expect(recorded.allSatisfy { $0.isFinite })
            // Before the estimator has learnt anything the stage plays the reference microphone on
            // every output (its start-up blend): the impulse, D + prefill later, on both.
            let sum = (0..<(recorded.count / 2)).map { recorded[2 * $0] + recorded[2 * $0 + 1] }
            let peak = sum.prefix(400).indices.max { abs(sum[$0]) < abs(sum[$1]) }
            #expect(peak == 100 + 48 + 32, "impulse at \(String(describing: peak))")
            #expect(abs(recorded[2 * 180] - 0.5) < 0.01 && abs(recorded[2 * 180 + 1] - 0.5) < 0.01)
        }

        @Test("realtime pacing on clockless devices: stop() ends an unbounded run; late blocks fall back; no allocations", arguments: DaemonConfiguration.LateFallback.allCases)
        func realtimeStop(fallback: DaemonConfiguration.LateFallback) throws {
            let configuration = DaemonConfiguration(
                captureDevice: "null", playbackDevice: "null", sampleRate: Self.rate, engine: Self.engine(),
                periodFrames: 256, periods: 3, lateFallback: fallback, pacing: .realtime, realtimePriority: nil, lockMemory: false)
            let pipeline = try SeparationPipeline(configuration: configuration)
            _ = try pipeline.start()
            usleep(400_000)
            #expect(!pipeline.isFinished)
            pipeline.stop()
            let start = Date()
            pipeline.wait()
            #expect(Date().timeIntervalSince(start) < 10)
            #expect(pipeline.isFinished)
            #expect(SeparationPipeline.runningAudioThreads.load(ordering: .relaxed) == 0)
            let status = pipeline.status.snapshot()
            // `null` capture runs far faster than the engine: the capture ring overflows and is counted.
            #expect(status.capturedFrames > 0 && status.processedFrames > 0)
            #expect(status.processedFrames + status.captureOverrunFrames <= status.capturedFrames)
            #expect(status.capturedFrames - status.processedFrames - status.captureOverrunFrames < 256 + 256)
            // `null` playback never waits, so it finds the ring short most of the time.
            #expect(status.lateBlocks > 0)
            #expect(status.captureState == .finished && status.processingState == .finished && status.playbackState == .finished)
            #expect(status.processingAllocations == 0, "\(status)")
        }

        /// Where NaN/Inf input could reach the speaker: separated, bypassed, and the reference
        /// microphone played when processing is late (realtime pacing on clockless devices is late
        /// most of the time).
        enum NonFinitePath: CaseIterable { case separated, bypass, lateFallback }

        @Test("NaN/Inf bursts in the captured audio never reach the output, whatever path it takes", arguments: NonFinitePath.allCases)
        func nonFiniteInput(path: NonFinitePath) throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bssd-nonfinite-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let inPath = directory.appendingPathComponent("in.raw").path
            let outPath = directory.appendingPathComponent("out.raw").path
            let frames = 64 * Self.engine().hop
            var input = Self.mixture(frames: frames)
            let bursts: [Float] = [.nan, .infinity, -.infinity]
            var injected = 0
            for t in stride(from: 1000, to: frames, by: 3000) {
                for i in 0..<200 {
                    input[2 * (t + i)] = bursts[(t / 3000) % 3]  // microphone 0, the reference
                    injected += 1
                }
            }
            try input.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: inPath))
            var configuration = DaemonConfiguration(
                captureDevice: "bsstest_mics", playbackDevice: "bsstest_out", sampleRate: Self.rate, engine: Self.engine(),
                periodFrames: 256, periods: 3,
                alsaDefinitions: """
                    pcm.bsstest_mics { type file slave.pcm null file "/dev/null" infile "\(inPath)" format raw }
                    pcm.bsstest_out { type file slave.pcm null file "\(outPath)" format raw }
                    """,
                duration: Double(frames) / Double(Self.rate),
                pacing: path == .lateFallback ? .realtime : .freewheel, realtimePriority: nil, lockMemory: false)
            configuration.lateFallback = .bypass
            configuration.output = OutputSettings(routes: [0, 1], bypass: path == .bypass)
            let pipeline = try SeparationPipeline(configuration: configuration)
            _ = try pipeline.start()
            #expect(Self.finish(pipeline, within: 60), "the run did not end by itself")

            let recorded = try Data(contentsOf: URL(fileURLWithPath: outPath)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let status = pipeline.status.snapshot()
            #expect(status.nonFiniteInputSamples == injected)
            if path == .lateFallback {
                // Unpaced devices: how much is separated and how much is fallback varies run to run.
                #expect(status.lateBlocks > 0, "no period took the fallback: \(status)")
                #expect(recorded.count >= 2 * status.playedFrames)
            } else {
                #expect(status.playedFrames == frames, "\(status)")
            }
            let invalid = recorded.filter { !$0.isFinite }.count
            #expect(invalid == 0, "\(invalid) non-finite output samples (\(injected) injected)")
            // The signal around the bursts still comes through.
            #expect(recorded.contains { $0 != 0 })
        }

        @Test("an unknown device fails the build with an ALSAError naming it, and no thread starts", arguments: [ALSADirection.capture, .playback])
        func unknownDevice(direction: ALSADirection) {
            let name = "bsstest_missing_\(UInt32.random(in: 0 ... .max))"
            let configuration = DaemonConfiguration(
                captureDevice: direction == .capture ? name : "null", playbackDevice: direction == .playback ? name : "null",
                sampleRate: Self.rate, engine: Self.engine(), realtimePriority: nil, lockMemory: false)
            let error = #expect(throws: PipelineError.self) { _ = try SeparationPipeline(configuration: configuration) }
            #expect(error?.alsaError == .cannotOpen(device: name, direction: direction, code: -ENOENT, reason: "No such file or directory"))
            #expect(error?.description.contains("\(direction) device '\(name)'") == true, "\(String(describing: error))")
            #expect(SeparationPipeline.runningAudioThreads.load(ordering: .relaxed) == 0)
        }

        @Test("settings the engine or the daemon refuse fail before any device is opened")
        func invalidSettings() {
            var engine = Self.engine()
            engine.hop = 300
            let bad = DaemonConfiguration(captureDevice: "bsstest_never_opened", playbackDevice: "null", engine: engine)
            let error = #expect(throws: PipelineError.self) { _ = try SeparationPipeline(configuration: bad) }
            guard case .engine = error else { Issue.record("expected .engine, got \(String(describing: error))"); return }

            var configuration = DaemonConfiguration(captureDevice: "null", playbackDevice: "null", engine: Self.engine())
            configuration.duration = 0
            #expect(configuration.problem() != nil)
            configuration.duration = nil
            configuration.realtimePriority = 120
            #expect(configuration.problem()?.contains("1…99") == true)
        }
    }
}

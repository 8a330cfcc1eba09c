import AudioIO
import DaemonConfig
import Foundation
import LivePipeline
import RealtimeEngine
import TestSupport

/// One live run of `SeparationPipeline` on the paced rig, as `PacedRigTests` scripts it: the
/// daemon's default settings in real-time pacing, the scene fed from the start, counters read
/// after the warm-up and just before the stall, a 200 ms capture stall (`injectStall`), and the
/// whole tap recorded (2 input channels, then 2 output channels).
struct LiveRun {
    let afterWarmUp: PipelineSnapshot
    let atStall: PipelineSnapshot
    let atEnd: PipelineSnapshot
    /// Tap frame at which the stall was asked for.
    let stallFrame: Int
    /// The end-to-end latency the pipeline reports (the daemon logs it and `status` gives it).
    let reportedLatency: Int
    let jackXrunsInWindow: Int
    let testXrunsInWindow: Int
    /// Interleaved: mixture channels 0, 1 as the pipeline got them; outputs 0, 1 as it played them.
    let tap: [Float]
    static let tapChannels = 4

    /// The clean window (warm-up to stall) counts only if neither the rig nor the test's own PCMs
    /// dropped out in it.
    var cleanWindowIsValid: Bool { jackXrunsInWindow == 0 && testXrunsInWindow == 0 }

    init(scene: ConvolutiveMixture, rig: PacedRig) throws {
        let rate = PacedRigTests.rate
        let configuration = DaemonConfiguration(
            captureDevice: "bss_capture", playbackDevice: "bss_playback", sampleRate: rate,
            engine: SeparatorConfiguration(channels: scene.channels), periodFrames: PacedRigTests.period, periods: 3,
            playbackPrefillPeriods: 1, alsaDefinitions: rig.definitions, pacing: .realtime, lockMemory: false)
        let pipeline = try SeparationPipeline(configuration: configuration)
        _ = try pipeline.start()
        // Every PCM on the rig closes before the rig stops (a jack PCM without its server blocks).
        defer {
            pipeline.stop()
            pipeline.wait()
        }
        let io = try FeedAndTap(
            signal: scene.mixture.map { Float($0) }, feedChannels: scene.channels, tapChannels: Self.tapChannels,
            tailFrames: rate / 2, rate: rate, period: PacedRigTests.period, definitions: rig.definitions)
        io.start()
        let timeout = PacedRigTests.seconds + 15

        guard io.waitUntil(tapped: Int(PacedRigTests.warmUpSeconds * Double(rate)), timeoutSeconds: timeout) else { throw Stopped(io: io) }
        afterWarmUp = pipeline.status.snapshot()
        reportedLatency = pipeline.latencyFrames
        let jackBefore = rig.jackXruns, testBefore = io.ownXruns.load(ordering: .relaxed)

        guard io.waitUntil(tapped: Int(PacedRigTests.stallAtSeconds * Double(rate)), timeoutSeconds: timeout) else { throw Stopped(io: io) }
        atStall = pipeline.status.snapshot()
        jackXrunsInWindow = rig.jackXruns - jackBefore
        testXrunsInWindow = io.ownXruns.load(ordering: .relaxed) - testBefore
        stallFrame = io.tappedFrames.load(ordering: .relaxed)
        pipeline.injectStall(milliseconds: PacedRigTests.stallMilliseconds)

        guard io.waitUntil(tapped: io.totalFrames, timeoutSeconds: timeout) else { throw Stopped(io: io) }
        while !io.finished.load(ordering: .acquiring) { usleep(1000) }
        pipeline.stop()
        pipeline.wait()
        atEnd = pipeline.status.snapshot()
        tap = try io.result().get()
    }

    struct Stopped: Error, CustomStringConvertible {
        let description: String
        init(io: FeedAndTap) {
            let reason = io.finished.load(ordering: .acquiring) ? "\(io.result())" : "timed out"
            description = "the feed/tap thread stopped at frame \(io.tappedFrames.load(ordering: .relaxed)): \(reason)"
        }
    }
}

/// What the pipeline's counters did between two snapshots.
struct CounterChange: CustomStringConvertible {
    let captureXruns, playbackXruns, lateBlocks, resyncFrames, captureOverrunFrames, outputOverrunFrames: Int
    let processedFrames, playedFrames: Int

    var description: String {
        "xruns capture \(captureXruns) playback \(playbackXruns), late blocks \(lateBlocks), resync \(resyncFrames) frames, "
            + "overruns capture \(captureOverrunFrames) output \(outputOverrunFrames) frames, processed \(processedFrames), played \(playedFrames)"
    }
}

extension PipelineSnapshot {
    func difference(from earlier: PipelineSnapshot) -> CounterChange {
        CounterChange(
            captureXruns: captureXruns - earlier.captureXruns, playbackXruns: playbackXruns - earlier.playbackXruns,
            lateBlocks: lateBlocks - earlier.lateBlocks, resyncFrames: resyncFrames - earlier.resyncFrames,
            captureOverrunFrames: captureOverrunFrames - earlier.captureOverrunFrames,
            outputOverrunFrames: outputOverrunFrames - earlier.outputOverrunFrames,
            processedFrames: processedFrames - earlier.processedFrames, playedFrames: playedFrames - earlier.playedFrames)
    }
}

import AudioIO
import Foundation
import Synchronization

/// The test's side of the paced rig: plays an interleaved signal into `bss_feed` and records
/// `bss_tap` (what the pipeline was given, then what it played, on one clock) on a thread of its
/// own, a period of each at a time, until the signal and `tailFrames` of silence after it have
/// gone through.
///
/// In-process through `ALSAPCM` rather than aplay/arecord: the samples stay float end to end
/// (the rig is bit-exact for float), and the progress is known to the frame, so the test can
/// act at a given point of the signal. Both PCMs get 8-period buffers, so a late wake-up of this
/// thread does not turn into a gap in the feed.
///
/// `@unchecked Sendable`: `recording` is written by the thread only and read after `finished`.
final class FeedAndTap: @unchecked Sendable {
    let tapChannels: Int
    let totalFrames: Int
    /// Frames recorded from the tap so far (the rig's clock, as the pipeline sees it).
    let tappedFrames = Atomic<Int>(0)
    /// Xruns of the test's own PCMs: a gap in what the test fed or recorded makes the run invalid.
    let ownXruns = Atomic<Int>(0)
    let finished = Atomic<Bool>(false)
    private let failure = Mutex<ALSAError?>(nil)
    private let feed: ALSAPCM
    private let tap: ALSAPCM
    private let signal: [Float]
    private let feedChannels: Int
    private var recording: [Float]

    init(signal: [Float], feedChannels: Int, tapChannels: Int, tailFrames: Int, rate: Int, period: Int, definitions: String) throws(ALSAError) {
        self.signal = signal
        self.feedChannels = feedChannels
        self.tapChannels = tapChannels
        totalFrames = signal.count / feedChannels + tailFrames
        recording = [Float](repeating: 0, count: (totalFrames + period) * tapChannels)
        tap = try ALSAPCM(configuration: ALSAPCMConfiguration(
            device: "bss_tap", direction: .capture, sampleRate: rate, channels: tapChannels,
            periodFrames: period, periods: 8, asoundrc: definitions))
        feed = try ALSAPCM(configuration: ALSAPCMConfiguration(
            device: "bss_feed", direction: .playback, sampleRate: rate, channels: feedChannels,
            periodFrames: period, periods: 8, playbackPrefillPeriods: 0, asoundrc: definitions))
    }

    func start() {
        Thread.detachNewThread { [self] in run() }
    }

    /// Waits until the tap has recorded `frames` frames (or the run ended); false on a timeout.
    func waitUntil(tapped frames: Int, timeoutSeconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while tappedFrames.load(ordering: .relaxed) < frames, !finished.load(ordering: .acquiring) {
            if Date() > deadline { return false }
            usleep(2000)
        }
        return tappedFrames.load(ordering: .relaxed) >= frames
    }

    /// The whole recording, interleaved `tapChannels`, once `finished`; or the error that ended it.
    func result() -> Result<[Float], ALSAError> {
        precondition(finished.load(ordering: .acquiring))
        if let error = failure.withLock({ $0 }) { return .failure(error) }
        return .success(Array(recording.prefix(totalFrames * tapChannels)))
    }

    private func run() {
        let period = tap.negotiated.periodFrames
        let signalFrames = signal.count / feedChannels
        var silence = [Float](repeating: 0, count: period * feedChannels)
        var done = 0
        do {
            while done < totalFrames {
                let feedFrom = min(done, signalFrames), feedCount = min(period, signalFrames - feedFrom)
                if feedCount > 0 {
                    _ = try signal.withUnsafeBufferPointer { x throws(ALSAError) in
                        try feed.writeFrames(x.baseAddress! + feedFrom * feedChannels, frames: feedCount)
                    }
                }
                if feedCount < period {
                    _ = try feed.writeFrames(&silence, frames: period - feedCount)
                }
                _ = try recording.withUnsafeMutableBufferPointer { y throws(ALSAError) in
                    try tap.readFrames(into: y.baseAddress! + done * tapChannels, frames: period)
                }
                done += period
                tappedFrames.store(done, ordering: .relaxed)
                ownXruns.store(feed.xruns + tap.xruns, ordering: .relaxed)
            }
        } catch {
            failure.withLock { $0 = error }
        }
        finished.store(true, ordering: .releasing)
    }
}

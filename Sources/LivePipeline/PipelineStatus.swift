import AudioIO
import Glibc
import Synchronization

/// Where an audio thread is, published for the daemon's main loop, the summary and the control
/// socket's `status`.
public enum AudioThreadState: UInt8, Sendable, CustomStringConvertible {
    case notStarted, running, finished
    /// The PCM went away (`ALSAError.deviceLost`): unplugged, driver reset, server gone. The
    /// pipeline stops; the daemon then reopens the devices with back-off (`Daemon.reopen()`).
    case deviceLost
    /// The PCM stopped moving (`ALSAError.stalled`); handled like `deviceLost`.
    case stalled
    /// Any other ALSA error on the open device (`ioFailed`).
    case failed

    public var description: String {
        switch self {
        case .notStarted: "not started"
        case .running: "running"
        case .finished: "finished"
        case .deviceLost: "device lost"
        case .stalled: "device stalled"
        case .failed: "failed"
        }
    }
}

/// The pipeline's live counters. The audio threads store into them with relaxed atomics (each
/// counter has one writer), any thread may read them; `snapshot()` copies them into a value.
/// Counters are totals since `start()`, never reset.
public final class PipelineStatus: Sendable {
    /// Frames read from the capture PCM.
    public let capturedFrames = Atomic<Int>(0)
    /// Captured NaN/Inf samples replaced by silence.
    public let nonFiniteInputSamples = Atomic<Int>(0)
    /// Captured frames dropped because the capture ring was full (realtime pacing).
    public let captureOverrunFrames = Atomic<Int>(0)
    /// Frames run through the engine.
    public let processedFrames = Atomic<Int>(0)
    /// Separated frames dropped because the output ring was full (realtime pacing).
    public let outputOverrunFrames = Atomic<Int>(0)
    /// Separated frames written to the playback PCM (neither prefill nor fallback counted).
    public let playedFrames = Atomic<Int>(0)
    /// Periods in which playback found the output ring short and played the fallback (whole or
    /// in part).
    public let lateBlocks = Atomic<Int>(0)
    /// Separated frames playback discarded after late blocks to bring the latency back.
    public let resyncFrames = Atomic<Int>(0)
    /// Frames capture had taken when playback started its device (−1 until then): with the
    /// stream's own lag, the end-to-end latency (`SeparationPipeline.latencyFrames`).
    public let capturedAtPlaybackStart = Atomic<Int>(-1)
    /// Xruns (overruns / underruns) the PCMs recovered, from `ALSAPCM.xruns`.
    public let captureXruns = Atomic<Int>(0)
    public let playbackXruns = Atomic<Int>(0)
    /// Processing-thread CPU time (`ThreadCPUClock`) of the last `OnlineSeparator.process` call,
    /// and the largest so far.
    public let lastBlockNanoseconds = Atomic<Int>(0)
    public let maxBlockNanoseconds = Atomic<Int>(0)
    /// Heap allocations each audio thread made after its warm-up (its first period or block).
    public let captureAllocations = Atomic<Int>(0)
    public let processingAllocations = Atomic<Int>(0)
    public let playbackAllocations = Atomic<Int>(0)
    /// The learning thread's (FIR stage only): its allocations after its first hop, the CPU time of
    /// its longest hop (`OnlineSeparator.learn(hop:)`), and the frames it had to skip because it
    /// fell more than its ring behind (the filters then learn from fewer hops; nothing is lost for
    /// the listener).
    public let learnerAllocations = Atomic<Int>(0)
    public let maxLearnNanoseconds = Atomic<Int>(0)
    public let learnerSkippedFrames = Atomic<Int>(0)
    /// `AudioThreadState` raw values.
    public let captureState = Atomic<UInt8>(AudioThreadState.notStarted.rawValue)
    public let processingState = Atomic<UInt8>(AudioThreadState.notStarted.rawValue)
    public let playbackState = Atomic<UInt8>(AudioThreadState.notStarted.rawValue)
    public let learnerState = Atomic<UInt8>(AudioThreadState.notStarted.rawValue)
    /// The errors that ended an audio thread, for the log. Written once per failing thread, as it
    /// leaves its loop (the error text was allocated by the throw already).
    public let errors = Mutex<[ALSAError]>([])
    /// Processing-thread CPU time per block, for p50/p99 against the hop budget.
    public let blockTimes = BlockTimeHistogram()
    /// RMS level of each separated source (before routing and gain) and of each microphone over
    /// the last block, in hundredths of a dB relative to full scale (`Int.min`: digital silence).
    public let sourceLevels: AtomicRow
    public let inputLevels: AtomicRow

    public init(channels: Int, sources: Int) {
        sourceLevels = AtomicRow(count: sources, initialValue: Int.min)
        inputLevels = AtomicRow(count: channels, initialValue: Int.min)
    }

    public func snapshot() -> PipelineSnapshot {
        func state(_ atomic: borrowing Atomic<UInt8>) -> AudioThreadState {
            AudioThreadState(rawValue: atomic.load(ordering: .relaxed)) ?? .failed
        }
        return PipelineSnapshot(
            capturedFrames: capturedFrames.load(ordering: .relaxed),
            nonFiniteInputSamples: nonFiniteInputSamples.load(ordering: .relaxed),
            captureOverrunFrames: captureOverrunFrames.load(ordering: .relaxed),
            processedFrames: processedFrames.load(ordering: .relaxed),
            outputOverrunFrames: outputOverrunFrames.load(ordering: .relaxed),
            playedFrames: playedFrames.load(ordering: .relaxed),
            lateBlocks: lateBlocks.load(ordering: .relaxed),
            resyncFrames: resyncFrames.load(ordering: .relaxed),
            captureXruns: captureXruns.load(ordering: .relaxed),
            playbackXruns: playbackXruns.load(ordering: .relaxed),
            lastBlockNanoseconds: lastBlockNanoseconds.load(ordering: .relaxed),
            maxBlockNanoseconds: maxBlockNanoseconds.load(ordering: .relaxed),
            captureAllocations: captureAllocations.load(ordering: .relaxed),
            processingAllocations: processingAllocations.load(ordering: .relaxed),
            playbackAllocations: playbackAllocations.load(ordering: .relaxed),
            learnerAllocations: learnerAllocations.load(ordering: .relaxed),
            maxLearnNanoseconds: maxLearnNanoseconds.load(ordering: .relaxed),
            learnerSkippedFrames: learnerSkippedFrames.load(ordering: .relaxed),
            captureState: state(captureState),
            processingState: state(processingState),
            playbackState: state(playbackState),
            learnerState: state(learnerState),
            errors: errors.withLock { $0 },
            sourceLevels: sourceLevels.values().map(Self.decibels),
            inputLevels: inputLevels.values().map(Self.decibels)
        )
    }
}

extension PipelineStatus {
    /// Publishes the RMS of each of `channels` interleaved channels of `frames` frames into `row`,
    /// in centibels. Allocation-free.
    static func publishLevels(_ samples: UnsafePointer<Float>, frames: Int, channels: Int, into row: AtomicRow) {
        for channel in 0..<channels {
            var energy: Float = 0
            for t in 0..<frames {
                let x = samples[t * channels + channel]
                energy += x * x
            }
            let meanSquare = energy / Float(max(frames, 1))
            row.store(channel, meanSquare > 0 && meanSquare.isFinite ? Int((1000 * log10(meanSquare)).rounded()) : Int.min)
        }
    }

    static func decibels(_ centibels: Int) -> Double {
        centibels == Int.min ? -Double.infinity : Double(centibels) / 100
    }
}

/// A copy of `PipelineStatus` at one moment (each field read separately, so fields may be a
/// period apart while the pipeline runs; exact once it has stopped).
public struct PipelineSnapshot: Sendable, Equatable {
    public var capturedFrames: Int
    public var nonFiniteInputSamples: Int
    public var captureOverrunFrames: Int
    public var processedFrames: Int
    public var outputOverrunFrames: Int
    public var playedFrames: Int
    public var lateBlocks: Int
    public var resyncFrames: Int
    public var captureXruns: Int
    public var playbackXruns: Int
    public var lastBlockNanoseconds: Int
    public var maxBlockNanoseconds: Int
    public var captureAllocations: Int
    public var processingAllocations: Int
    public var playbackAllocations: Int
    public var learnerAllocations: Int
    public var maxLearnNanoseconds: Int
    public var learnerSkippedFrames: Int
    public var captureState: AudioThreadState
    public var processingState: AudioThreadState
    public var playbackState: AudioThreadState
    /// `.notStarted` for an engine without a learning thread (the STFT stage).
    public var learnerState: AudioThreadState
    public var errors: [ALSAError]
    /// dBFS of each source and microphone over the last block (−∞ for digital silence).
    public var sourceLevels: [Double]
    public var inputLevels: [Double]

    public var audioThreadAllocations: Int { captureAllocations + processingAllocations + playbackAllocations + learnerAllocations }

    /// True when a device failed (lost, stalled or I/O error) rather than the run ending normally.
    public var deviceFailed: Bool {
        [captureState, playbackState].contains { $0 == .deviceLost || $0 == .stalled || $0 == .failed }
    }
}

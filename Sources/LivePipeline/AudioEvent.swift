/// Something an audio thread has to tell the operator, as a plain value it can push into a
/// lock-free queue without allocating: the logger thread turns it into text (`EventLogger`).
public struct AudioEvent: BitwiseCopyable, Sendable, Equatable {
    public enum Kind: UInt8, BitwiseCopyable, Sendable, CaseIterable {
        /// The capture device overran and was recovered; `total` counts them.
        case captureXrun
        /// The playback device underran and was recovered.
        case playbackXrun
        /// The capture ring was full: `count` frames dropped (processing fell behind).
        case captureOverrun
        /// The output ring was full: `count` separated frames dropped (playback fell behind).
        case outputOverrun
        /// Playback played the fallback for a period because processing was late.
        case lateBlock
        /// `count` NaN/Inf samples replaced by zero in one captured period.
        case nonFiniteInput
        /// A test stalled the capture thread for `count` milliseconds.
        case stallInjected
    }

    public var kind: Kind
    /// What the event is about in its own unit (frames, samples, milliseconds); 1 when it is a
    /// plain occurrence.
    public var count: Int
    /// Running total of this kind of event since the daemon started, so a reader sees what was
    /// lost when the queue overflowed.
    public var total: Int
    /// CLOCK_MONOTONIC in nanoseconds.
    public var time: Int

    public init(kind: Kind, count: Int, total: Int, time: Int) {
        self.kind = kind
        self.count = count
        self.total = total
        self.time = time
    }
}

extension AudioEvent.Kind {
    /// What the daemon's totals count of this kind, where the next pipeline's totals go on from.
    /// NaN/Inf samples are counted by the engine, which a reopen keeps (and a fresh engine
    /// restarts); an injected stall's total is its length, not a count.
    func total(in totals: DaemonTotals) -> Int {
        switch self {
        case .captureXrun: totals.captureXruns
        case .playbackXrun: totals.playbackXruns
        case .captureOverrun: totals.captureOverrunFrames
        case .outputOverrun: totals.outputOverrunFrames
        case .lateBlock: totals.lateBlocks
        case .nonFiniteInput: totals.nonFiniteInputSamples
        case .stallInjected: 0
        }
    }
}

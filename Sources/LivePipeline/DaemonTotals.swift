/// Counters summed over every pipeline the daemon ran: a device reopen or a device-changing
/// reload starts a new pipeline whose own counters start at zero, but an operator asks how many
/// xruns the daemon has had, not the current pipeline.
public struct DaemonTotals: Sendable, Equatable {
    public var capturedFrames = 0
    public var nonFiniteInputSamples = 0
    public var processedFrames = 0
    public var playedFrames = 0
    public var captureXruns = 0
    public var playbackXruns = 0
    public var lateBlocks = 0
    public var captureOverrunFrames = 0
    public var outputOverrunFrames = 0
    public var audioThreadAllocations = 0
    public var maxBlockNanoseconds = 0
    /// FIR stage: the learning thread's longest hop, and the frames it skipped.
    public var maxLearnNanoseconds = 0
    public var learnerSkippedFrames = 0
    /// Pipelines started again after a device failed.
    public var deviceReopens = 0
    /// Reloads (SIGHUP or the control socket) that were applied.
    public var reloads = 0

    public init() {}

    /// Adds a pipeline's final (or current) counters.
    public mutating func add(_ snapshot: PipelineSnapshot) {
        capturedFrames += snapshot.capturedFrames
        nonFiniteInputSamples += snapshot.nonFiniteInputSamples
        processedFrames += snapshot.processedFrames
        playedFrames += snapshot.playedFrames
        captureXruns += snapshot.captureXruns
        playbackXruns += snapshot.playbackXruns
        lateBlocks += snapshot.lateBlocks
        captureOverrunFrames += snapshot.captureOverrunFrames
        outputOverrunFrames += snapshot.outputOverrunFrames
        audioThreadAllocations += snapshot.audioThreadAllocations
        maxBlockNanoseconds = max(maxBlockNanoseconds, snapshot.maxBlockNanoseconds)
        maxLearnNanoseconds = max(maxLearnNanoseconds, snapshot.maxLearnNanoseconds)
        learnerSkippedFrames += snapshot.learnerSkippedFrames
    }

    /// These totals plus a running pipeline's counters so far.
    public func adding(_ snapshot: PipelineSnapshot?) -> DaemonTotals {
        var sum = self
        if let snapshot { sum.add(snapshot) }
        return sum
    }
}

/// An output stage: turns the microphone signals into the K outputs through the filters a family
/// publishes (`SeparationFilters`). STFT resynthesis (`STFTResynthesis`) renders each analysed
/// frame, a hop at a time; the FIR stage (`FIRStage`) renders the filters as FIR filters applied
/// block by block in the time domain, for hearing-aid latency. How each renders differs (a frame
/// against a block of samples), so `OnlineSeparator` calls their `render` directly.
///
/// The stage owns what the listener hears of the engine: its latency (input sample to the output
/// sample it becomes) and its block size (the frames it takes per call), which the live pipeline
/// reads instead of computing them. It renders each block with the latest bank, never waiting for
/// the family. Everything is allocated in `init`; rendering, `reset` and `transferState` neither
/// allocate nor lock.
protocol OutputStage<Scalar>: AnyObject {
    associatedtype Scalar: EngineScalar

    /// Frames per `render` call.
    var blockSize: Int { get }

    /// Samples from an input sample to the output sample it becomes.
    var latency: Int { get }

    /// Forgets the signal it holds (overlap tails, delay lines).
    func reset()

    /// The signal it holds, in a fixed order (`StateTransfer`).
    func transferState(_ transfer: inout StateTransfer<Scalar>)
}

/// An output stage: turns the microphone signals into the K outputs through the filters a family
/// publishes (`SeparationFilters`). STFT resynthesis (`STFTResynthesis`) is the first; a bank of
/// time-domain FIR filters, for hearing-aid latency, will be the second.
///
/// The stage owns what the listener hears of the engine: its latency (input sample to the output
/// sample it becomes) and its block size (the frames it takes per call), which the live pipeline
/// reads instead of computing them. It renders each block with the latest bank
/// (`FilterExchange.latest`), never waiting for the family. Everything is allocated in `init`;
/// `render`, `reset` and `transferState` neither allocate nor lock.
protocol OutputStage<Scalar>: AnyObject {
    associatedtype Scalar: EngineScalar

    /// Frames per `render` call.
    var blockSize: Int { get }

    /// Samples from an input sample to the output sample it becomes.
    var latency: Int { get }

    /// One block: `frame` is the analysed STFT frame (planar M×F) of the input that ends with this
    /// block (the estimator's, so a stage working in the STFT domain does not analyse twice);
    /// writes `blockSize` interleaved K-channel frames to `output`.
    func render(re: UnsafePointer<Scalar>, im: UnsafePointer<Scalar>, filters: SeparationFilters<Scalar>,
                output: UnsafeMutablePointer<Scalar>)

    /// Forgets the signal it holds (overlap tails, delay lines).
    func reset()

    /// The signal it holds, in a fixed order (`StateTransfer`).
    func transferState(_ transfer: inout StateTransfer<Scalar>)
}

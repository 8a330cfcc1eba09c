/// The output stage of STFT resynthesis: each frame through the filters, then weighted overlap-add.
/// Its latency is the STFT's, frame − hop samples; its block is one hop.
final class STFTResynthesis<T: EngineScalar>: OutputStage {
    typealias Scalar = T
    private let synthesizer: STFTSynthesizer<T>
    /// The filtered frame, planar K×F.
    private let outRe: EngineBuffer<T>, outIm: EngineBuffer<T>

    init(frameLength: Int, hop: Int, sources: Int) throws(STFTError) {
        synthesizer = try STFTSynthesizer(frameLength: frameLength, hop: hop, channels: sources)
        outRe = EngineBuffer(sources * synthesizer.bins)
        outIm = EngineBuffer(sources * synthesizer.bins)
    }

    var blockSize: Int { synthesizer.hop }

    var latency: Int { Self.latency(frameLength: synthesizer.frameLength, hop: synthesizer.hop) }

    /// The STFT's delay from an input sample to the output sample it becomes (`STFTSynthesizer`).
    static func latency(frameLength: Int, hop: Int) -> Int { frameLength - hop }

    /// One hop: `re`/`im` is the analysed STFT frame (planar M×F) of the input that ends with this
    /// hop (the estimator's, so the stage does not analyse twice); writes `blockSize` interleaved
    /// K-channel frames to `output`.
    func render(re: UnsafePointer<T>, im: UnsafePointer<T>, filters: SeparationFilters<T>, output: UnsafeMutablePointer<T>) {
        filters.apply(re: re, im: im, intoRe: outRe.pointer, intoIm: outIm.pointer)
        synthesizer.synthesize(re: outRe.pointer, im: outIm.pointer, interleaved: output)
    }

    func reset() {
        synthesizer.reset()
    }

    func transferState(_ transfer: inout StateTransfer<T>) {
        synthesizer.transferState(&transfer)
    }
}

/// The output stage for hearing-aid latency: the learnt per-bin filters rendered as FIR filters
/// (`FIRDesigner`) and applied to the microphones block by block (`PartitionedConvolution`), so the
/// latency is the filters' non-causal part (D taps) instead of the STFT's frame − hop.
///
/// Two sides, which may run on two threads:
/// - the learning side (`update`), after each estimator step, designs the bank from the latest
///   filters when they changed and publishes it through a triple buffer;
/// - the rendering side (`render`), once per block (an ALSA period in the daemon), takes the newest
///   bank and fades it in over `crossfade` samples (linear, from the bank it replaces), so a swap
///   never clicks; banks published during a fade wait for its end (filters change once per hop,
///   a fade is a fraction of one).
/// Neither side allocates or locks after `init`.
///
/// State files and a reset carry the learning side (the covariance the design weighs by), never
/// the rendering side, which holds only the microphones' signal: a loaded state brings the
/// filters, which fade in over the running signal.
final class FIRStage<T: EngineScalar>: OutputStage {
    typealias Scalar = T
    let sources: Int
    let channels: Int
    let blockSize: Int
    let latency: Int
    let crossfade: Int
    // Learning side.
    private let designer: FIRDesigner<T>
    private var designed: UInt64 = .max
    private let exchange: TripleBuffer<FIRPartitions<T>>
    // Rendering side.
    private let convolution: PartitionedConvolution<T>
    private var active: FIRPartitions<T>
    private var incoming: FIRPartitions<T>
    /// Samples of the fade done; nil when not fading.
    private var faded: Int?
    private let clean: EngineBuffer<T>
    private let fresh: EngineBuffer<T>

    init(settings: OutputStageSettings, frameLength: Int, sources: Int, channels: Int) throws(STFTError) {
        self.sources = sources
        self.channels = channels
        blockSize = settings.firBlock
        latency = settings.firDelay
        crossfade = settings.crossfade
        designer = try FIRDesigner(frameLength: frameLength, taps: settings.firTaps, delay: settings.firDelay, block: settings.firBlock,
                                   channels: channels, fitIterations: settings.firFit)
        convolution = try PartitionedConvolution(channels: channels, taps: settings.firTaps, block: settings.firBlock)
        let bank = { FIRPartitions<T>(sources: sources, channels: channels, taps: settings.firTaps, block: settings.firBlock) }
        exchange = TripleBuffer(bank)
        active = bank()
        incoming = bank()
        clean = EngineBuffer(settings.firBlock * channels)
        fresh = EngineBuffer(settings.firBlock * sources)
    }

    /// Learning side: takes the analysed frame (planar M×F) into what the design weighs by.
    func observe(re: UnsafePointer<T>, im: UnsafePointer<T>) {
        designer.observe(re: re, im: im)
    }

    /// Learning side: designs and publishes a bank when `filters` is newer than the last designed.
    func update(from filters: SeparationFilters<T>) {
        guard filters.version != designed else { return }
        designed = filters.version
        designer.design(filters, into: exchange.writable)
        exchange.publish()
    }

    /// Rendering side: one block, B interleaved M-channel frames in (non-finite samples are taken
    /// as silence), B interleaved K-channel frames out.
    func render(input: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        let B = blockSize, M = channels, K = sources
        let x = clean.pointer
        for i in 0..<(B &* M) {
            let v = input[i]
            x[i] = v.isFinite ? v : 0
        }
        convolution.push(interleaved: x)
        if faded == nil {
            let latest = exchange.latest
            if latest.version > active.version {
                if active.version == 0 || crossfade == 0 {
                    active.assign(latest)  // the first bank: nothing to fade from
                } else {
                    incoming.assign(latest)
                    faded = 0
                }
            }
        }
        for k in 0..<K { convolution.convolve(active, source: k, into: output + k, stride: K) }
        guard let done = faded else { return }
        let y = fresh.pointer
        for k in 0..<K { convolution.convolve(incoming, source: k, into: y + k, stride: K) }
        let step = 1 / T(crossfade)
        for t in 0..<B {
            let weight = min(T(done &+ t &+ 1) * step, 1)
            for k in 0..<K {
                let i = t &* K &+ k
                output[i] += weight * (y[i] - output[i])
            }
        }
        if done &+ B >= crossfade {
            swap(&active, &incoming)
            faded = nil
        } else {
            faded = done &+ B
        }
    }

    /// An engine reset forgets what was learnt (the design's covariance), not the microphones'
    /// signal: the delay line keeps running and the filters published after the reset fade in. (It
    /// is called on the learning side, which must not touch the rendering side's buffers.)
    func reset() {
        designer.reset()
    }

    /// The learning side's covariance (see the type's documentation).
    func transferState(_ transfer: inout StateTransfer<T>) {
        designer.transferState(&transfer)
    }
}

import Synchronization

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
/// Until the estimator has learnt `warmUpHops` hops since the engine started or was reset, the
/// output blends from the reference microphone (delayed by D, so it lines up) to the filtered
/// signal, linearly in the hops learnt (`trust`): the listener hears the room rather than the first
/// seconds' half-learnt filters. A loaded state is trusted at once.
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
    let warmUpHops: Int
    /// Hops learnt since the start or the last reset (learning side), published for the rendering
    /// side and the status; the reference microphone's index likewise (a live parameter).
    private var learnt = 0
    private let published = Atomic<Int>(0)
    private let reference = Atomic<Int>(0)
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
    /// The reference microphone's last D + B samples, for the blend.
    private let referenceLine: EngineBuffer<T>
    private var referenceWrite = 0

    init(settings: OutputStageSettings, frameLength: Int, sources: Int, channels: Int, referenceMic: Int = 0) throws(STFTError) {
        reference.store(referenceMic, ordering: .relaxed)
        self.sources = sources
        self.channels = channels
        blockSize = settings.firBlock
        latency = settings.firDelay
        crossfade = settings.crossfade
        warmUpHops = settings.firWarmUp
        designer = try FIRDesigner(frameLength: frameLength, taps: settings.firTaps, delay: settings.firDelay, block: settings.firBlock,
                                   channels: channels, fitIterations: settings.firFit)
        convolution = try PartitionedConvolution(channels: channels, taps: settings.firTaps, block: settings.firBlock)
        let bank = { FIRPartitions<T>(sources: sources, channels: channels, taps: settings.firTaps, block: settings.firBlock) }
        exchange = TripleBuffer(bank)
        active = bank()
        incoming = bank()
        clean = EngineBuffer(settings.firBlock * channels)
        referenceLine = EngineBuffer(settings.firDelay + settings.firBlock)
        fresh = EngineBuffer(settings.firBlock * sources)
    }

    /// Learning side: takes the analysed frame (planar M×F) into what the design weighs by.
    func observe(re: UnsafePointer<T>, im: UnsafePointer<T>) {
        designer.observe(re: re, im: im)
    }

    /// Learning side: one more hop learnt, with `referenceMic` the microphone the blend plays.
    func learnedHop(referenceMic: Int) {
        learnt = min(learnt &+ 1, warmUpHops)
        published.store(learnt, ordering: .relaxed)
        reference.store(referenceMic, ordering: .relaxed)
    }

    /// How far the output has blended from the reference microphone to the filters, 0 to 1.
    var trust: Double { warmUpHops == 0 ? 1 : Double(published.load(ordering: .relaxed)) / Double(warmUpHops) }

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
        if let done = faded {
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
        blendWithReference(x, output)
    }

    /// The start-up blend: the reference microphone D samples back, weighted by 1 − trust.
    private func blendWithReference(_ x: UnsafePointer<T>, _ output: UnsafeMutablePointer<T>) {
        let B = blockSize, M = channels, K = sources, L = referenceLine.count, line = referenceLine.pointer
        let ref = min(max(reference.load(ordering: .relaxed), 0), M &- 1)
        for t in 0..<B { line[(referenceWrite &+ t) % L] = x[t &* M &+ ref] }
        defer { referenceWrite = (referenceWrite &+ B) % L }
        guard warmUpHops > 0 else { return }
        let trust = T(published.load(ordering: .relaxed)) / T(warmUpHops)
        guard trust < 1 else { return }
        for t in 0..<B {
            let r = line[(referenceWrite &+ t &- latency &+ L) % L]
            for k in 0..<K {
                let i = t &* K &+ k
                output[i] = trust * output[i] + (1 - trust) * r
            }
        }
    }

    /// An engine reset forgets what was learnt (the design's covariance), not the microphones'
    /// signal: the delay line keeps running and the filters published after the reset fade in. (It
    /// is called on the learning side, which must not touch the rendering side's buffers.)
    func reset() {
        designer.reset()
        learnt = 0
        published.store(0, ordering: .relaxed)
    }

    /// After a loaded state: what it brings is trusted at once.
    func trustLoadedState() {
        learnt = warmUpHops
        published.store(learnt, ordering: .relaxed)
    }

    /// The learning side's covariance (see the type's documentation).
    func transferState(_ transfer: inout StateTransfer<T>) {
        designer.transferState(&transfer)
    }
}

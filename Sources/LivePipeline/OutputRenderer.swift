/// Turns the engine's K separated channels into the P playback channels, on the processing
/// thread, under the `LiveOutput` settings — without a click when they change.
///
/// A change of route, gain, mute or bypass is cross-faded over one hop (linear, ~64 ms at the
/// defaults) from the old mix to the new. Bypass plays the reference microphone delayed by the
/// engine's STFT latency, so it lines up with the separated signal it replaces and the
/// cross-fade blends two aligned signals.
final class OutputRenderer {
    let sources: Int
    let channels: Int
    let playbackChannels: Int
    let hop: Int
    let referenceMic: Int
    private var current: OutputMix
    private var next: OutputMix
    private var seen = -1
    /// The reference microphone, delayed by `delay` samples: a circular buffer of `delay + hop`.
    private let delayLine: UnsafeMutablePointer<Float>
    private let delayLength: Int
    private let delay: Int
    private var delayWrite = 0

    init(sources: Int, channels: Int, playbackChannels: Int, hop: Int, latency: Int, referenceMic: Int) {
        self.sources = sources
        self.channels = channels
        self.playbackChannels = playbackChannels
        self.hop = hop
        self.referenceMic = referenceMic
        current = OutputMix(playbackChannels: playbackChannels)
        next = OutputMix(playbackChannels: playbackChannels)
        delay = latency
        delayLength = latency + hop
        delayLine = .allocate(capacity: delayLength)
        delayLine.initialize(repeating: 0, count: delayLength)
    }

    deinit {
        current.deallocate()
        next.deallocate()
        delayLine.deallocate()
    }

    /// One hop: `input` (hop × M, the engine's input) and `separated` (hop × K) into `output`
    /// (hop × P). Allocation-free.
    func render(
        input: UnsafePointer<Float>, separated: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
        settings: LiveOutput
    ) {
        let M = channels, K = sources, P = playbackChannels
        let first = seen < 0
        let generation = settings.read(into: &next, seen: seen)
        let changed = generation != seen
        seen = generation
        if first { current.assign(next, playbackChannels: P) }
        let fading = changed && !first
        for t in 0..<hop {
            delayLine[(delayWrite + t) % delayLength] = input[t * M + referenceMic]
        }
        let readStart = (delayWrite + delayLength - delay) % delayLength
        let step = 1 / Float(hop)
        for t in 0..<hop {
            let reference = delayLine[(readStart + t) % delayLength]
            for p in 0..<P {
                let old = current.sample(t, channel: p, separated: separated, sources: K, reference: reference)
                if fading {
                    let new = next.sample(t, channel: p, separated: separated, sources: K, reference: reference)
                    let weight = Float(t + 1) * step
                    output[t * P + p] = old + weight * (new - old)
                } else {
                    output[t * P + p] = old
                }
            }
        }
        delayWrite = (delayWrite + hop) % delayLength
        if fading { current.assign(next, playbackChannels: P) }
    }
}

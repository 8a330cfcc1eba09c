import RealtimeEngine
import TestSupport

/// A fixed interleaved stream for tests that compare engines hop by hop: two bursty noise
/// sources mixed into two microphones (or three: more microphones than sources), so the engine
/// has something to separate and every update path runs.
struct TestStream<T: EngineScalar> {
    let channels: Int
    let hop: Int
    let samples: [T]

    init(hop: Int, hops: Int, seed: UInt64 = 21, channels: Int = 2) {
        precondition((2...3).contains(channels))
        self.channels = channels
        self.hop = hop
        var random = SplitMix64(seed: seed)
        var samples: [T] = []
        samples.reserveCapacity(hop * hops * channels)
        for n in 0..<(hop * hops) {
            // Each source is on for about 60 % of every 0.1 s (at 16 kHz), out of phase.
            let first = (n / 1600) % 5 < 3 ? random.signal() : 0
            let second = (n / 1600 + 2) % 5 < 3 ? random.signal() : 0
            samples.append(T(first + 0.6 * second))
            samples.append(T(0.5 * first + second))
            if channels == 3 { samples.append(T(0.8 * first - 0.3 * second)) }
        }
        self.samples = samples
    }

    /// Runs `separator` over `hops` and returns its interleaved output.
    func process(_ separator: OnlineSeparator<T>, hops: Range<Int>) -> [T] {
        var output = [T](repeating: 0, count: hops.count * hop * separator.sources)
        samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                for (i, h) in hops.enumerated() {
                    separator.process(input: input.baseAddress! + h * hop * channels,
                                      output: out.baseAddress! + i * hop * separator.sources)
                }
            }
        }
        return output
    }
}

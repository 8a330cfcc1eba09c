import RealtimeEngine
import TestSupport

/// A fixed interleaved stream for tests that compare engines hop by hop: M bursty noise sources
/// mixed into M microphones, so the engine has something to separate and every update path runs.
struct TestStream<T: EngineScalar> {
    let channels: Int
    let hop: Int
    let samples: [T]

    init(channels: Int = 2, hop: Int, hops: Int, seed: UInt64 = 21) {
        self.channels = channels
        self.hop = hop
        var random = SplitMix64(seed: seed)
        var samples: [T] = []
        samples.reserveCapacity(hop * hops * channels)
        var source = [Double](repeating: 0, count: channels)
        for n in 0..<(hop * hops) {
            // Each source is on for 0.3 s of every 0.5 s (at 16 kHz), each 0.2 s after the one before.
            for k in 0..<channels { source[k] = (n / 1600 + 2 * k) % 5 < 3 ? random.signal() : 0 }
            // Each microphone hears its own source at full level, those after it at 0.6, those
            // before it at 0.5: a well-conditioned mixture for any M.
            for m in 0..<channels {
                var sample = 0.0
                for k in 0..<channels { sample += (k == m ? 1 : k > m ? 0.6 : 0.5) * source[k] }
                samples.append(T(sample))
            }
        }
        self.samples = samples
    }

    /// Runs `separator` over `hops` and returns its interleaved output.
    func process(_ separator: OnlineSeparator<T>, hops: Range<Int>) -> [T] {
        var output = [T](repeating: 0, count: hops.count * hop * separator.sources)
        samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                for (i, h) in hops.enumerated() {
                    separator.processHop(input: input.baseAddress! + h * hop * channels,
                                         output: out.baseAddress! + i * hop * separator.sources)
                }
            }
        }
        return output
    }
}

extension OnlineSeparator {
    /// One hop, as `process` takes it: in one call, or block by block for the FIR stage.
    func processHop(input: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        for start in stride(from: 0, to: hop, by: blockSize) {
            process(input: input + start * channels, output: output + start * sources)
        }
    }
}

import Foundation
import RealtimeEngine
import TestSupport
import Testing

@Suite("STFT")
struct STFTTests {
    // Helpers are nested so that they cannot collide with other files of this test module.

    /// One STFT geometry under test.
    struct Geometry: CustomTestStringConvertible, Sendable {
        let frameLength: Int
        let hop: Int
        var testDescription: String { "N=\(frameLength) H=\(hop)" }
    }

    /// Every geometry the engine offers (N/8 is accepted too, but not offered by the daemon).
    static let offeredGeometries: [Geometry] = [256, 512, 1024, 2048, 4096, 8192].flatMap { n in
        [Geometry(frameLength: n, hop: n / 2), Geometry(frameLength: n, hop: n / 4)]
    }

    /// Feeds `signal` (interleaved) through analyzer → synthesizer with nothing in between, plus
    /// `latency` trailing zeros so every input sample comes out, and returns the largest deviation
    /// from the input delayed by `latency`, and from silence before it.
    static func roundTripError<T: EngineScalar>(
        _: T.Type, geometry: Geometry, channels: Int, signal: [Double]
    ) throws -> Double {
        let analyzer = try STFTAnalyzer<T>(frameLength: geometry.frameLength, hop: geometry.hop, channels: channels)
        let synthesizer = try STFTSynthesizer<T>(frameLength: geometry.frameLength, hop: geometry.hop, channels: channels)
        #expect(analyzer.latency == geometry.frameLength - geometry.hop)
        #expect(synthesizer.latency == analyzer.latency)
        #expect(analyzer.bins == geometry.frameLength / 2 + 1)
        let latency = analyzer.latency
        let hop = geometry.hop
        let inputFrames = signal.count / channels
        let calls = (inputFrames + latency + hop - 1) / hop

        var input = [T](repeating: 0, count: calls * hop * channels)
        for i in signal.indices { input[i] = T(signal[i]) }
        var output = [T](repeating: 0, count: calls * hop * channels)
        var re = [T](repeating: .nan, count: channels * analyzer.bins)
        var im = [T](repeating: .nan, count: channels * analyzer.bins)

        input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                re.withUnsafeMutableBufferPointer { re in
                    im.withUnsafeMutableBufferPointer { im in
                        for call in 0 ..< calls {
                            let offset = call * hop * channels
                            analyzer.analyze(interleaved: input.baseAddress! + offset, re: re.baseAddress!, im: im.baseAddress!)
                            synthesizer.synthesize(re: re.baseAddress!, im: im.baseAddress!, interleaved: output.baseAddress! + offset)
                        }
                    }
                }
            }
        }

        var worst = 0.0
        let shift = latency * channels
        for j in 0 ..< output.count {
            let expected = j < shift ? 0 : Double(input[j - shift])
            worst = max(worst, abs(Double(output[j]) - expected))
        }
        return worst
    }

    static func noise(frames: Int, channels: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0 ..< frames * channels).map { _ in rng.signal() }
    }

    /// Spectrum of `length` real samples by the definition, in `Double`, for checking the FFT.
    static func directDFT(_ x: [Double]) -> (re: [Double], im: [Double]) {
        let n = x.count
        var re = [Double](repeating: 0, count: n / 2 + 1)
        var im = re
        for f in re.indices {
            for t in 0 ..< n {
                // Reduce f·t modulo n first so the angle stays exact for large products.
                let angle = -2 * Double.pi * Double((f * t) % n) / Double(n)
                re[f] += x[t] * cos(angle)
                im[f] += x[t] * sin(angle)
            }
        }
        return (re, im)
    }

    /// Three seconds at 48 kHz.
    static let frames = 3 * 48_000

    @Test("Double round trip is exact after N − H samples", arguments: STFTTests.offeredGeometries, [1, 2, 3])
    func roundTripDouble(geometry: Geometry, channels: Int) throws {
        let signal = Self.noise(frames: Self.frames, channels: channels, seed: UInt64(geometry.frameLength * 10 + channels))
        let error = try Self.roundTripError(Double.self, geometry: geometry, channels: channels, signal: signal)
        #expect(error < 1e-9, "max abs error \(error)")
    }

    @Test("Float round trip is exact after N − H samples", arguments: STFTTests.offeredGeometries, [1, 2, 3])
    func roundTripFloat(geometry: Geometry, channels: Int) throws {
        let signal = Self.noise(frames: Self.frames, channels: channels, seed: UInt64(geometry.frameLength * 10 + channels))
        let error = try Self.roundTripError(Float.self, geometry: geometry, channels: channels, signal: signal)
        #expect(error < 1e-5, "max abs error \(error)")
    }

    @Test("N/8 hops are accepted and reconstruct exactly", arguments: [256, 2048])
    func eighthHop(frameLength: Int) throws {
        let geometry = Geometry(frameLength: frameLength, hop: frameLength / 8)
        let signal = Self.noise(frames: 20_000, channels: 2, seed: 99)
        let error = try Self.roundTripError(Double.self, geometry: geometry, channels: 2, signal: signal)
        #expect(error < 1e-9, "max abs error \(error)")
    }

    @Test("Analysis × synthesis windows overlap-add to 1/N", arguments: STFTTests.offeredGeometries)
    func windowsTile(geometry: Geometry) throws {
        let window = try STFTWindow(frameLength: geometry.frameLength, hop: geometry.hop)
        let n = geometry.frameLength
        for i in 0 ..< geometry.hop {
            var sum = 0.0
            for j in stride(from: i, to: n, by: geometry.hop) {
                sum += window.analysis[j] * window.synthesis[j]
            }
            #expect(abs(sum * Double(n) - 1) < 1e-12)
        }
        #expect(window.analysis[0] == 0)
        #expect(abs(window.analysis[n / 2] - 1) < 1e-15)
    }

    /// A cosine exactly on bin k must put its energy at bin k in the right channel, with the
    /// amplitude the window predicts: the transform is right, not merely invertible.
    @Test("A cosine on an exact bin peaks at that bin", arguments: [256, 1024, 8192])
    func cosinePeaks(frameLength: Int) throws {
        try checkCosinePeaks(Double.self, frameLength: frameLength, tolerance: 1e-9)
        try checkCosinePeaks(Float.self, frameLength: frameLength, tolerance: 1e-4)
    }

    func checkCosinePeaks<T: EngineScalar>(_: T.Type, frameLength n: Int, tolerance: Double) throws {
        let hop = n / 4
        let channels = 3
        let bins = [3, n / 8 + 5, n / 2 - 7]  // one bin per channel, low to near Nyquist
        let analyzer = try STFTAnalyzer<T>(frameLength: n, hop: hop, channels: channels)
        var re = [T](repeating: 0, count: channels * analyzer.bins)
        var im = [T](repeating: 0, count: channels * analyzer.bins)
        var block = [T](repeating: 0, count: hop * channels)
        // After N / H calls the analyzed frame is exactly samples 0 ..< N of the cosine.
        for call in 0 ..< n / hop {
            for i in 0 ..< hop {
                let t = call * hop + i
                for c in 0 ..< channels {
                    block[i * channels + c] = T(cos(2 * Double.pi * Double((bins[c] * t) % n) / Double(n)))
                }
            }
            analyzer.analyze(interleaved: block, re: &re, im: &im)
        }

        let window = try STFTWindow(frameLength: n, hop: hop)
        // sqrt-Hann is sin(π t / N); the positive-frequency half of the cosine gives Σw / 2 at
        // bin k, and the negative half leaks a little (|W(2k)| / 2) into it.
        let expectedPeak = window.analysis.reduce(0, +) / 2
        for c in 0 ..< channels {
            var magnitudes = [Double](repeating: 0, count: analyzer.bins)
            for f in 0 ..< analyzer.bins {
                let r = Double(re[c * analyzer.bins + f])
                let i = Double(im[c * analyzer.bins + f])
                magnitudes[f] = (r * r + i * i).squareRoot()
            }
            let peak = magnitudes.indices.max { magnitudes[$0] < magnitudes[$1] }!
            #expect(peak == bins[c], "channel \(c): peak at \(peak), expected \(bins[c])")
            #expect(abs(magnitudes[bins[c]] / expectedPeak - 1) < 0.01)
            // The sine window's sidelobes fall as 1 / (4d² − 1) at d bins from the cosine and
            // from its mirror image at N − k; beyond 32 bins both together stay below 5e-4.
            for f in 0 ..< analyzer.bins where abs(f - bins[c]) > 32 && abs(f - (n - bins[c])) > 32 {
                #expect(magnitudes[f] < 1e-3 * expectedPeak, "channel \(c) bin \(f)")
            }
            // Exactly: the spectrum of the windowed frame by the definition.
            let frame = (0 ..< n).map { t in
                Double(T(cos(2 * Double.pi * Double((bins[c] * t) % n) / Double(n)))) * Double(T(window.analysis[t]))
            }
            let reference = Self.directDFT(frame)
            for f in 0 ..< analyzer.bins {
                let dr = abs(Double(re[c * analyzer.bins + f]) - reference.re[f])
                let di = abs(Double(im[c * analyzer.bins + f]) - reference.im[f])
                #expect(max(dr, di) < tolerance * Double(n), "channel \(c) bin \(f)")
            }
        }
    }

    @Test("RealFFT matches the DFT definition and inverts to n·x, for aligned and unaligned buffers",
          arguments: [256, 258, 1024])
    func realFFTAgainstDefinition(length: Int) throws {
        try checkRealFFT(Double.self, length: length, tolerance: 1e-12)
        try checkRealFFT(Float.self, length: length, tolerance: 1e-5)
    }

    func checkRealFFT<T: EngineScalar>(_: T.Type, length n: Int, tolerance: Double) throws {
        let fft = try RealFFT<T>(length: n)
        #expect(fft.bins == n / 2 + 1)
        var rng = SplitMix64(seed: UInt64(n))
        let x = (0 ..< n).map { _ in Double(T(rng.signal())) }
        let reference = Self.directDFT(x)
        // Offsets 0 and 1 give one SIMD-aligned and one misaligned time-domain pointer, so both
        // the direct and the staged path are exercised; `re` and `im` are separate allocations.
        for offset in [0, 1] {
            let signal = UnsafeMutablePointer<T>.allocate(capacity: n + 1)
            let back = UnsafeMutablePointer<T>.allocate(capacity: n + 1)
            let re = UnsafeMutablePointer<T>.allocate(capacity: fft.bins)
            let im = UnsafeMutablePointer<T>.allocate(capacity: fft.bins)
            defer { signal.deallocate(); back.deallocate(); re.deallocate(); im.deallocate() }
            for t in 0 ..< n { signal[offset + t] = T(x[t]) }

            fft.forward(signal + offset, re: re, im: im)
            for f in 0 ..< fft.bins {
                #expect(abs(Double(re[f]) - reference.re[f]) < tolerance * Double(n), "offset \(offset) bin \(f) re")
                #expect(abs(Double(im[f]) - reference.im[f]) < tolerance * Double(n), "offset \(offset) bin \(f) im")
            }
            // Input untouched.
            for t in 0 ..< n { #expect(signal[offset + t] == T(x[t])) }

            // DC and Nyquist imaginary parts are ignored by the inverse, whatever they hold.
            im[0] = 123
            im[fft.bins - 1] = -45
            fft.inverse(re: re, im: im, output: back + offset)
            for t in 0 ..< n {
                #expect(abs(Double(back[offset + t]) / Double(n) - x[t]) < tolerance, "offset \(offset) sample \(t)")
            }
            #expect(im[0] == 123)  // spectrum input untouched
        }
    }

    @Test("reset() makes an instance behave like a new one")
    func resetRestarts() throws {
        let channels = 2
        let analyzer = try STFTAnalyzer<Double>(frameLength: 512, hop: 128, channels: channels)
        let synthesizer = try STFTSynthesizer<Double>(frameLength: 512, hop: 128, channels: channels)
        let first = Self.noise(frames: 128 * 10, channels: channels, seed: 1)
        let second = Self.noise(frames: 128 * 10, channels: channels, seed: 2)

        func run(_ signal: [Double], _ a: STFTAnalyzer<Double>, _ s: STFTSynthesizer<Double>) -> [Double] {
            var out = [Double](repeating: 0, count: signal.count)
            var re = [Double](repeating: 0, count: channels * a.bins)
            var im = re
            let block = 128 * channels
            for start in stride(from: 0, to: signal.count, by: block) {
                signal.withUnsafeBufferPointer { x in
                    a.analyze(interleaved: x.baseAddress! + start, re: &re, im: &im)
                }
                out.withUnsafeMutableBufferPointer { y in
                    s.synthesize(re: re, im: im, interleaved: y.baseAddress! + start)
                }
            }
            return out
        }

        _ = run(first, analyzer, synthesizer)
        analyzer.reset()
        synthesizer.reset()
        let reused = run(second, analyzer, synthesizer)
        let fresh = run(
            second,
            try STFTAnalyzer<Double>(frameLength: 512, hop: 128, channels: channels),
            try STFTSynthesizer<Double>(frameLength: 512, hop: 128, channels: channels)
        )
        #expect(reused == fresh)
        #expect(reused.contains { $0 != 0 })
    }

    @Test("Unsupported geometries throw STFTError naming the value")
    func invalidSizes() {
        #expect(throws: STFTError.unsupportedFrameLength(1000)) {
            try STFTAnalyzer<Double>(frameLength: 1000, hop: 500, channels: 1)
        }
        #expect(throws: STFTError.unsupportedFrameLength(128)) {
            try STFTSynthesizer<Float>(frameLength: 128, hop: 64, channels: 1)
        }
        #expect(throws: STFTError.unsupportedFrameLength(16384)) {
            try STFTAnalyzer<Float>(frameLength: 16384, hop: 4096, channels: 1)
        }
        #expect(throws: STFTError.unsupportedHop(341, frameLength: 1024)) {
            try STFTAnalyzer<Double>(frameLength: 1024, hop: 1024 / 3, channels: 2)
        }
        #expect(throws: STFTError.unsupportedHop(1024, frameLength: 1024)) {
            try STFTSynthesizer<Double>(frameLength: 1024, hop: 1024, channels: 2)
        }
        #expect(throws: STFTError.unsupportedHop(0, frameLength: 1024)) {
            try STFTSynthesizer<Double>(frameLength: 1024, hop: 0, channels: 2)
        }
        #expect(throws: STFTError.unsupportedChannelCount(0)) {
            try STFTAnalyzer<Double>(frameLength: 1024, hop: 256, channels: 0)
        }
        #expect(throws: STFTError.unsupportedChannelCount(0)) {
            try STFTSynthesizer<Float>(frameLength: 1024, hop: 256, channels: 0)
        }
        #expect(throws: STFTError.unsupportedTransformLength(1001)) {
            try RealFFT<Double>(length: 1001)
        }
        #expect(throws: STFTError.unsupportedTransformLength(8)) {
            try RealFFT<Float>(length: 8)
        }

        let hop = STFTError.unsupportedHop(341, frameLength: 1024).description
        #expect(hop.contains("341") && hop.contains("1024") && hop.contains("512, 256, 128"))
        let length = STFTError.unsupportedFrameLength(1000).description
        #expect(length.contains("1000") && length.contains("256") && length.contains("8192"))
        #expect(STFTError.unsupportedChannelCount(0).description.contains("0"))
    }
}

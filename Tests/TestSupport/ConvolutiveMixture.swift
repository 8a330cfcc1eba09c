import Foundation

/// A deterministic test scene: K speech-like sources in a small reverberant room, recorded by M
/// microphones, with every source's image at every microphone kept separately (so that what the
/// separator does to each source can be measured exactly).
///
/// Sources are voiced "syllables" — harmonic tones with a gliding pitch under a syllabic envelope,
/// plus fricative noise bursts and pauses — each source with its own pitch range and rhythm, which
/// gives the sparse, non-stationary, cross-frequency-coherent activity that IVA models. Room
/// responses are a direct path with a per-microphone fractional delay (the array geometry) plus
/// exponentially decaying reflections (RT60 set by `reverberation`), each coherent across the array.
public struct ConvolutiveMixture: Sendable {
    public let channels: Int
    public let sources: Int
    public let rate = 16000
    public let frames: Int
    /// images[k][m] = source k as heard at microphone m.
    public let images: [[[Double]]]
    /// Σ_k images[k], interleaved frame by frame.
    public let mixture: [Double]

    public init(channels: Int, sources: Int, seconds: Double, reverberation: Double = 0.15, seed: UInt64 = 1) {
        self.channels = channels
        self.sources = sources
        frames = Int(seconds * Double(rate))
        var random = SplitMix64(seed: seed)
        var images: [[[Double]]] = []
        for k in 0..<sources {
            let dry = Self.speechLike(frames: frames, rate: rate, index: k, random: &random)
            let azimuth = -60.0 + 120.0 * Double(k) / Double(max(sources - 1, 1))
            let reflections = Self.reflections(reverberation: reverberation, rate: rate, random: &random)
            var perMic: [[Double]] = []
            for m in 0..<channels {
                let response = Self.roomResponse(mic: m, azimuthDegrees: azimuth, reflections: reflections, rate: rate)
                perMic.append(Self.convolve(dry, response))
            }
            images.append(perMic)
        }
        self.images = images
        var mixture = [Double](repeating: 0, count: frames * channels)
        for k in 0..<sources {
            for m in 0..<channels {
                for t in 0..<frames { mixture[t * channels + m] += images[k][m][t] }
            }
        }
        self.mixture = mixture
    }

    /// Interleaved M-channel image of source k.
    public func interleavedImage(_ k: Int) -> [Double] {
        var out = [Double](repeating: 0, count: frames * channels)
        for m in 0..<channels {
            for t in 0..<frames { out[t * channels + m] = images[k][m][t] }
        }
        return out
    }

    private static func speechLike(frames: Int, rate: Int, index: Int, random: inout SplitMix64) -> [Double] {
        var signal = [Double](repeating: 0, count: frames)
        let baseF0 = [110.0, 210.0, 150.0, 260.0, 130.0, 180.0, 240.0, 95.0][index % 8]
        var t = Int(random.uniform() * 0.2 * Double(rate))
        var phase = 0.0
        while t < frames {
            let syllable = Int((0.12 + 0.25 * random.uniform()) * Double(rate))
            let pause = Int((0.03 + 0.25 * random.uniform()) * Double(rate))
            let voiced = random.uniform() < 0.8
            let f0Start = baseF0 * (0.85 + 0.3 * random.uniform())
            let f0End = f0Start * (0.8 + 0.4 * random.uniform())
            let level = 0.05 + 0.1 * random.uniform()
            // A formant-like spectral tilt that differs per syllable.
            let tilt = 0.6 + 0.35 * random.uniform()
            for i in 0..<syllable where t + i < frames {
                let x = Double(i) / Double(syllable)
                let envelope = level * sin(Double.pi * x) * sin(Double.pi * x)
                if voiced {
                    let f0 = f0Start + (f0End - f0Start) * x
                    phase += 2 * Double.pi * f0 / Double(rate)
                    var sample = 0.0
                    var amplitude = 1.0
                    var h = 1
                    while Double(h) * f0 < 3800 {
                        sample += amplitude * sin(Double(h) * phase)
                        amplitude *= tilt
                        h += 1
                    }
                    signal[t + i] = envelope * sample
                } else {
                    signal[t + i] = envelope * 0.5 * (random.uniform() * 2 - 1)
                }
            }
            t += syllable + pause
        }
        return signal
    }

    /// A reflection reaches every microphone from its own direction, so it is coherent across the
    /// array (as early reflections in a room are) with a direction-dependent inter-mic delay.
    private struct Reflection {
        var delay: Double
        var gain: Double
        var azimuthDegrees: Double
    }

    private static func reflections(reverberation: Double, rate: Int, random: inout SplitMix64) -> [Reflection] {
        guard reverberation > 0 else { return [] }
        let length = reverberation * Double(rate)
        let decay = 6.9 / length
        return (0..<60).map { _ in
            let delay = 24 + random.uniform() * (length - 24)
            let sign = random.uniform() < 0.5 ? -1.0 : 1.0
            return Reflection(delay: delay, gain: sign * 0.6 * exp(-decay * delay) * random.uniform(),
                              azimuthDegrees: random.uniform() * 360)
        }
    }

    private static func roomResponse(mic: Int, azimuthDegrees: Double, reflections: [Reflection], rate: Int) -> [Double] {
        let spacing = 0.05
        func arrival(_ azimuth: Double) -> Double {
            Double(mic) * spacing * sin(azimuth * Double.pi / 180) / 343.0 * Double(rate)
        }
        let length = Int(reflections.map(\.delay).max() ?? 0) + 32
        var response = [Double](repeating: 0, count: length)
        addTap(&response, delay: 8 + arrival(azimuthDegrees), gain: 1)
        for reflection in reflections {
            addTap(&response, delay: 8 + reflection.delay + arrival(reflection.azimuthDegrees), gain: reflection.gain)
        }
        return response
    }

    /// A fractional delay as a Hann-windowed sinc of ±6 samples.
    private static func addTap(_ response: inout [Double], delay: Double, gain: Double) {
        let first = max(0, Int(delay) - 6), last = min(response.count - 1, Int(delay) + 7)
        guard first <= last else { return }
        for n in first...last {
            let x = Double(n) - delay
            guard abs(x) < 6 else { continue }
            let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
            response[n] += gain * sinc * 0.5 * (1 + cos(Double.pi * x / 6))
        }
    }

    private static func convolve(_ x: [Double], _ h: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: x.count)
        let taps = h.enumerated().filter { $0.element != 0 }
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in
                for (lag, gain) in taps {
                    for t in lag..<xs.count { ys[t] += gain * xs[t - lag] }
                }
            }
        }
        return y
    }
}

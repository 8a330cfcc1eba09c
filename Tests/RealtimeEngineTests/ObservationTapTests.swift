import Foundation
import RealtimeEngine
import TestSupport
import Testing

/// The observation tap (`OnlineSeparator.makeObservation`, `latestObservation(into:)`): what it
/// shows must be what the engine does, at the rate asked for, and a reader on another thread must
/// only ever see whole snapshots.
@Suite("Observation tap")
struct ObservationTapTests {
    static let configuration = SeparatorConfiguration.quick()

    @Test("Each snapshot holds the spectra of the outputs that process writes")
    func outputSpectra() throws {
        try expectOutputSpectra(Float.self)
        try expectOutputSpectra(Double.self)
    }

    /// Two views of the same outputs: the mixture's frame through the filters in force
    /// (`applyCurrentFilters`, exact), and the STFT of the very samples `process` wrote, which
    /// differs only by how the overlap-add blends neighbouring frames' filters (0.1 % of the
    /// energy here; a frame off by one hop is off by more than 100 %).
    private func expectOutputSpectra<T: EngineScalar>(_: T.Type) throws {
        let configuration = Self.configuration
        let hop = configuration.hop, hops = 250
        let stream = TestStream<T>(hop: hop, hops: hops)
        let separator = try OnlineSeparator<T>(configuration: configuration, observationInterval: 1)
        let K = separator.sources, M = stream.channels, F = separator.bins
        let mixture = try STFTAnalyzer<T>(frameLength: configuration.frameLength, hop: hop, channels: M)
        let outputs = try STFTAnalyzer<T>(frameLength: configuration.frameLength, hop: hop, channels: K)
        // Output analysis frame h + lag covers the output samples of the engine's frame h.
        let lag = configuration.frameLength / hop - 1
        let observation = separator.makeObservation()
        var re = [T](repeating: 0, count: M * F), im = re
        var yRe = [T](repeating: 0, count: K * F), yIm = yRe, oRe = yRe, oIm = yRe
        var output = [T](repeating: 0, count: hop * K)
        var snapshots: [[T]] = []
        var filterMismatches = 0, frameMismatches = 0
        var difference = [Double](repeating: 0, count: K), energy = difference
        for h in 0..<hops {
            stream.samples.withUnsafeBufferPointer { input in
                let x = input.baseAddress! + h * hop * M
                separator.process(input: x, output: &output)
                mixture.analyze(interleaved: x, re: &re, im: &im)
            }
            separator.applyCurrentFilters(re: re, im: im, outRe: &yRe, outIm: &yIm)
            #expect(separator.latestObservation(into: observation))
            if observation.frame != h + 1 { frameMismatches += 1 }
            var snapshot = [T](repeating: 0, count: K * F)
            for k in 0..<K {
                for f in 0..<F {
                    snapshot[k * F + f] = observation.magnitude(source: k, bin: f)
                    let expected = (yRe[k * F + f] * yRe[k * F + f] + yIm[k * F + f] * yIm[k * F + f]).squareRoot()
                    if snapshot[k * F + f] != expected { filterMismatches += 1 }
                }
            }
            snapshots.append(snapshot)
            outputs.analyze(interleaved: output, re: &oRe, im: &oIm)
            // After the first second and a half the filters move slowly enough for the
            // overlap-add to keep each frame's spectrum.
            guard h - lag >= 150 else { continue }
            let tap = snapshots[h - lag]
            for k in 0..<K {
                for f in 0..<F {
                    let heard = Double((oRe[k * F + f] * oRe[k * F + f] + oIm[k * F + f] * oIm[k * F + f]).squareRoot())
                    difference[k] += (heard - Double(tap[k * F + f])) * (heard - Double(tap[k * F + f]))
                    energy[k] += Double(tap[k * F + f] * tap[k * F + f])
                }
            }
        }
        #expect(frameMismatches == 0, "\(T.self): a snapshot was not of the frame just processed")
        #expect(filterMismatches == 0, "\(T.self): \(filterMismatches) magnitudes differ from |G x|")
        for k in 0..<K {
            let error = (difference[k] / energy[k]).squareRoot()
            #expect(error < 0.01, "\(T.self): output \(k)'s spectra differ from those of its samples by \(error)")
        }
    }

    /// Two bursty noise sources in free field, two microphones: source 0 reaches microphone 1
    /// 2 samples after microphone 0 at 0.8 of its level, source 1 reaches microphone 0 3 samples
    /// after microphone 1. Relative to microphone 0, source j's steering entry is
    /// g_j e^(−iωτ_j) with τ = (2, −3), g = (0.8, 1) and ω = 2πf/N.
    @Test("Steering vectors carry each source's delay and gain between the microphones")
    func steeringVectors() throws {
        var configuration = Self.configuration
        configuration.density = .laplace
        configuration.hop = 128
        let hop = configuration.hop, hops = 375, frames = hop * hops
        let delays = [2.0, -3.0], gains = [0.8, 1.0]
        var random = SplitMix64(seed: 17)
        let padding = 3
        var dry = [[Double]](repeating: [Double](repeating: 0, count: frames + padding), count: 2)
        for n in padding..<(frames + padding) {
            for k in 0..<2 where ((n - padding) / 1600 + 2 * k) % 5 < 3 { dry[k][n] = random.signal() }
        }
        var mixture = [Double](repeating: 0, count: frames * 2)
        for n in 0..<frames {
            let t = n + padding
            mixture[2 * n] = dry[0][t] + dry[1][t - 3]
            mixture[2 * n + 1] = gains[0] * dry[0][t - 2] + dry[1][t]
        }
        let separator = try OnlineSeparator<Double>(configuration: configuration, observationInterval: 1)
        var output = [Double](repeating: 0, count: hop * 2)
        for h in 0..<hops {
            mixture.withUnsafeBufferPointer { separator.process(input: $0.baseAddress! + h * hop * 2, output: &output) }
        }
        let observation = separator.makeObservation()
        #expect(separator.latestObservation(into: observation))
        #expect(!observation.hasMasks && observation.mask(source: 0, bin: 0) == nil, "IVA estimates no masks")
        let F = separator.bins, N = Double(configuration.frameLength)
        var matched: [Int] = []
        for k in 0..<2 {
            for f in 0..<F { #expect(observation.steering(source: k, channel: 0, bin: f) == (1, 0)) }
            // How well the phase follows each source's delay (1: in every bin), and the median gain.
            let alignment = delays.map { delay in
                (1..<(F - 1)).map { f in
                    let s = observation.steering(source: k, channel: 1, bin: f)
                    return cos(atan2(s.im, s.re) + 2 * Double.pi * Double(f) * delay / N)
                }.reduce(0, +) / Double(F - 2)
            }
            let source = alignment[0] > alignment[1] ? 0 : 1
            let gain = (0..<F).map { f in
                let s = observation.steering(source: k, channel: 1, bin: f)
                return (s.re * s.re + s.im * s.im).squareRoot()
            }.sorted()[F / 2]
            #expect(alignment[source] > 0.98, "output \(k): phase alignment \(alignment)")
            #expect(abs(gain - gains[source]) < 0.05, "output \(k): median gain \(gain), source \(source)'s is \(gains[source])")
            matched.append(source)
        }
        #expect(Set(matched).count == 2, "both outputs point at the same source: \(matched)")
    }

    @Test("A snapshot every interval hops, counted again from a reset")
    func decimation() throws {
        let interval = 5
        let separator = try OnlineSeparator<Float>(configuration: Self.configuration, observationInterval: interval)
        #expect(separator.observationInterval == interval)
        let stream = TestStream<Float>(hop: Self.configuration.hop, hops: 110)
        let observation = separator.makeObservation()
        var taken: [(frame: Int, version: UInt64)] = []
        for h in 0..<103 {
            _ = stream.process(separator, hops: h..<(h + 1))
            if separator.latestObservation(into: observation) { taken.append((observation.frame, observation.version)) }
        }
        #expect(taken.map(\.frame) == Array(stride(from: 5, through: 100, by: 5)))
        #expect(taken.map(\.version) == Array(1...20))
        #expect(!separator.latestObservation(into: observation), "nothing new: the same snapshot again")
        separator.reset()
        _ = stream.process(separator, hops: 103..<110)
        #expect(separator.latestObservation(into: observation))
        #expect(observation.frame == 5 && observation.version == 21, "frame \(observation.frame), version \(observation.version)")

        let untapped = try OnlineSeparator<Float>(configuration: Self.configuration)
        _ = stream.process(untapped, hops: 0..<10)
        #expect(untapped.observationInterval == nil)
        #expect(!untapped.latestObservation(into: untapped.makeObservation()))
    }

    /// Every snapshot a reader thread gets while the engine runs must equal, entry for entry, the
    /// snapshot of the same frame from an identical engine read in step: a torn copy would mix two
    /// frames.
    @Test("A reader thread only ever sees whole snapshots")
    func concurrentReader() throws {
        let hops = 150
        let stream = TestStream<Float>(hop: Self.configuration.hop, hops: hops)
        let reference = try OnlineSeparator<Float>(configuration: Self.configuration, observationInterval: 1)
        let observation = reference.makeObservation()
        var expected: [[Float]] = []
        for h in 0..<hops {
            _ = stream.process(reference, hops: h..<(h + 1))
            #expect(reference.latestObservation(into: observation))
            expected.append(Self.entries(of: observation))
        }

        let reader = Reader(try OnlineSeparator<Float>(configuration: Self.configuration, observationInterval: 1),
                            expected: expected)
        let thread = Thread { reader.run() }
        thread.start()
        _ = stream.process(reader.separator, hops: 0..<hops)
        #expect(reader.finished.wait(timeout: .now() + 60) == .success, "the reader never saw the last frame")
        #expect(reader.torn == 0, "\(reader.torn) of \(reader.seen) snapshots differ from their frame's")
        #expect(reader.backwards == 0, "frames went backwards \(reader.backwards) times")
        #expect(reader.seen > 0)
    }

    /// Magnitudes, then steering vectors, as the public accessors give them.
    static func entries<T: EngineScalar>(of observation: Observation<T>) -> [T] {
        let K = observation.sources, M = observation.channels, F = observation.bins
        var entries: [T] = []
        entries.reserveCapacity(K * F * (1 + 2 * M))
        for k in 0..<K {
            for f in 0..<F { entries.append(observation.magnitude(source: k, bin: f)) }
            for m in 0..<M {
                for f in 0..<F {
                    let s = observation.steering(source: k, channel: m, bin: f)
                    entries.append(s.re)
                    entries.append(s.im)
                }
            }
        }
        return entries
    }

    /// The reader thread's side. `@unchecked Sendable`: the thread calls only the engine's tap
    /// reader side, which is made to run concurrently with `process`; its counters are read after
    /// `finished`.
    final class Reader: @unchecked Sendable {
        let separator: OnlineSeparator<Float>
        let expected: [[Float]]
        let finished = DispatchSemaphore(value: 0)
        private(set) var seen = 0, torn = 0, backwards = 0

        init(_ separator: OnlineSeparator<Float>, expected: [[Float]]) {
            self.separator = separator
            self.expected = expected
        }

        func run() {
            let observation = separator.makeObservation()
            var last = 0
            while last < expected.count {
                guard separator.latestObservation(into: observation) else {
                    sched_yield()
                    continue
                }
                seen += 1
                if observation.frame <= last { backwards += 1 }
                last = observation.frame
                if ObservationTapTests.entries(of: observation) != expected[last - 1] { torn += 1 }
            }
            finished.signal()
        }
    }
}

import AudioIO
import FileSeparation
import Foundation
import RealtimeEngine
import Testing

/// `bssd separate` end to end through files: alignment, shape, and what bad input does.
@Suite("File separation")
struct FileSeparationTests {
    let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bssd-filesep-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Two independent Laplacian noises mixed instantaneously: what each output must reproduce is
    /// then known exactly (source k's image at mic 0), sample by sample.
    private func writeMixture(frames: Int, to file: String, poison: Bool = false) throws -> [[Double]] {
        var random = SplitMix64(seed: 42)
        // Open at 0 too: the Laplacian draw takes a logarithm of it.
        func uniform() -> Double { random.uniform() + 0x1p-54 }
        let mixing = [[1.0, 0.6], [0.5, 1.0]]
        var images = [[Double]](repeating: [Double](repeating: 0, count: frames), count: 2)
        var samples = [Double](repeating: 0, count: frames * 2)
        for t in 0..<frames {
            // Bursty sources (on/off every 0.25 s) are far from Gaussian, as speech is.
            let s = (0..<2).map { k -> Double in
                let u = uniform() - 0.5
                let on = ((t / 4000) + k) % 3 != 0
                return on ? 0.1 * (u < 0 ? log(1 + 2 * u) : -log(1 - 2 * u)) : 0
            }
            images[0][t] = mixing[0][0] * s[0]
            images[1][t] = mixing[0][1] * s[1]
            samples[2 * t] = images[0][t] + images[1][t]
            samples[2 * t + 1] = mixing[1][0] * s[0] + mixing[1][1] * s[1]
        }
        if poison {
            samples[1000] = .nan
            samples[2001] = .infinity
        }
        try WAVWriter.writeAll(path: file, format: WAVFormat(sampleRate: 16000, channels: 2, encoding: .float32), samples: samples)
        return images
    }

    @Test("Output is time-aligned with the input and has one channel per source")
    func alignedOutput() throws {
        let frames = 16000 * 8
        let images = try writeMixture(frames: frames, to: path("mix.wav"))
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.frameLength = 1024
        configuration.hop = 256
        let report = try FileSeparation(configuration: configuration, precision: .double)
            .run(inputPath: path("mix.wav"), outputPath: path("out.wav"))
        #expect(report.frames == frames)
        let (format, output) = try WAVReader.readAll(path: path("out.wav"))
        #expect(format.channels == 2)
        #expect(output.count == frames * 2)
        // Each source's image must appear in one output at lag 0: the delay was removed.
        #expect(Self.lags(of: images, in: output, within: -64...64) == [0, 0])
    }

    /// For each image, the lag (within `lags`) at which one of the two outputs correlates with it
    /// best over the second half of the file.
    static func lags(of images: [[Double]], in output: [Double], within lags: ClosedRange<Int>) -> [Int] {
        let frames = output.count / 2, start = frames / 2
        return images.map { image in
            var bestLag = Int.max, bestScore = 0.0
            for channel in 0..<2 {
                for lag in lags {
                    var dot = 0.0
                    for t in start..<(frames - 64) { dot += image[t] * output[(t + lag) * 2 + channel] }
                    if abs(dot) > bestScore { (bestScore, bestLag) = (abs(dot), lag) }
                }
            }
            return bestLag
        }
    }

    @Test("The FIR stage: time-aligned by default, and with keepDelay as late as a listener hears it", arguments: [false, true])
    func firStageDelay(keepDelay: Bool) throws {
        let frames = 16000 * 6
        let images = try writeMixture(frames: frames, to: path("mix.wav"))
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.frameLength = 1024
        configuration.hop = 256
        var separation = FileSeparation(configuration: configuration)
        separation.stage = OutputStageSettings(kind: .fir)
        (separation.stage.firTaps, separation.stage.firDelay, separation.stage.firBlock) = (512, 48, 32)
        separation.keepDelay = keepDelay
        let report = try separation.run(inputPath: path("mix.wav"), outputPath: path("out.wav"))
        #expect(report.frames == frames)
        let (_, output) = try WAVReader.readAll(path: path("out.wav"))
        #expect(output.count == frames * 2)
        // Each image appears in one output, at lag 0 or at the stage's 48 samples.
        let lag = keepDelay ? 48 : 0
        #expect(Self.lags(of: images, in: output, within: -16...64) == [lag, lag])
    }

    @Test("NaN and Inf in the input are counted and the output stays finite")
    func nonFiniteInput() throws {
        _ = try writeMixture(frames: 16000 * 2, to: path("poison.wav"), poison: true)
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.frameLength = 512
        configuration.hop = 128
        let report = try FileSeparation(configuration: configuration).run(inputPath: path("poison.wav"), outputPath: path("p.wav"))
        #expect(report.statistics.nonFiniteSamples == 2)
        let (_, output) = try WAVReader.readAll(path: path("p.wav"))
        #expect(output.allSatisfy { $0.isFinite })
    }

    @Test("An empty file gives an empty output")
    func emptyInput() throws {
        try WAVWriter.writeAll(path: path("empty.wav"), format: WAVFormat(sampleRate: 16000, channels: 2, encoding: .pcm16), samples: [])
        let report = try FileSeparation(configuration: SeparatorConfiguration(channels: 2))
            .run(inputPath: path("empty.wav"), outputPath: path("e.wav"))
        #expect(report.frames == 0)
        let reader = try WAVReader(path: path("e.wav"))
        #expect(reader.frameCount == 0)
        #expect(reader.format.channels == 2)
    }

    @Test("A missing input names the file")
    func missingInput() {
        let missing = path("does-not-exist.wav")
        do {
            _ = try FileSeparation(configuration: SeparatorConfiguration(channels: 2)).run(inputPath: missing, outputPath: path("x.wav"))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains(missing))
        }
    }

    @Test("More sources than microphones is refused with a reason")
    func underdeterminedRefused() throws {
        _ = try writeMixture(frames: 4000, to: path("m.wav"))
        do {
            _ = try FileSeparation(configuration: SeparatorConfiguration(channels: 2), requestedSources: 3)
                .run(inputPath: path("m.wav"), outputPath: path("y.wav"))
            Issue.record("expected an error")
        } catch {
            guard case .configuration(let reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(reason.key == "sources")
        }
    }
}

import ArgumentParser
import AudioIO
import FileSeparation
import Foundation
import RealtimeEngine

/// `bssd separate`: the daemon's engine over a file, for listening, scoring and tuning.
struct SeparateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "separate",
        abstract: "Separate a multichannel WAV file with the streaming engine.",
        discussion: """
            Runs exactly the daemon's block-by-block engine over IN and writes one channel per source \
            to OUT, time-aligned with IN (the STFT delay is removed). The output is float WAV unless \
            --format says otherwise.
            Example: bssd separate mix.wav -o separated.wav --structure lowrank --update iss
            """
    )

    @Argument(help: "Input WAV file, one channel per microphone (16/24/32-bit PCM or float).")
    var input: String

    @Option(name: .shortAndLong, help: "Output WAV file, one channel per separated source.")
    var output: String

    @Option(help: "Sources to separate (K): 2 to M with IVA (fewer than the microphones separates K talkers from a background); 2 to 8 from any microphones with --family clustering (default: one per microphone).")
    var sources: Int?

    @OptionGroup(title: "Engine")
    var engine: EngineOptions

    @OptionGroup(title: "Output stage")
    var stage: StageOptions

    @Option(name: .customLong("fir-block"), help: "FIR stage: samples per block, as an ALSA period would be (a power of two).")
    var firBlock = OutputStageSettings().firBlock

    @Flag(name: .customLong("keep-delay"), help: "Keep the output stage's delay (the output is what a live listener hears, later by the delay) instead of aligning the output with the input.")
    var keepDelay = false

    @Option(help: "Arithmetic precision of the engine: float or double.")
    var precision: FileSeparation.Precision = .float

    @Option(help: "Output sample format: pcm16, pcm24, pcm32, float32, float64.")
    var format: SampleEncoding = .float32

    @Flag(name: .shortAndLong, help: "No progress bar and no summary.")
    var quiet = false

    func run() throws {
        var separation = FileSeparation(
            configuration: engine.configuration(channels: 2), requestedSources: sources,
            precision: precision, outputEncoding: format)
        stage.apply(to: &separation.stage)
        separation.stage.firBlock = firBlock
        separation.keepDelay = keepDelay
        let bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let report: FileSeparation.Report
        do {
            report = try separation.run(inputPath: input, outputPath: output) { bar.update($0) }
        } catch {
            bar.finish()
            FileHandle.standardError.write(Data("bssd separate: \(error)\n".utf8))
            throw ExitCode(error.isConfiguration ? 64 : 66)
        }
        bar.finish()
        guard !quiet else { return }
        var summary = String(format: "separated %.1f s of audio in %.2f s (real-time factor %.4f)",
                             report.audioSeconds, report.processingSeconds, report.realTimeFactor)
        let s = report.statistics
        if s.nonFiniteSamples > 0 { summary += "; \(s.nonFiniteSamples) NaN/Inf input samples replaced by silence" }
        if s.binResets > 0 { summary += "; \(s.binResets) frequency bins reset after a non-finite update" }
        if report.clippedSamples > 0 {
            summary += "; \(report.clippedSamples) output samples clipped (use --format float32 to keep them)"
        }
        FileHandle.standardError.write(Data((summary + "\n").utf8))
    }
}

extension FileSeparation.Precision: ExpressibleByArgument {}

extension SampleEncoding: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "pcm16": self = .pcm16
        case "pcm24": self = .pcm24
        case "pcm32": self = .pcm32
        case "float32": self = .float32
        case "float64": self = .float64
        default: return nil
        }
    }
}

extension FileSeparationError {
    var isConfiguration: Bool {
        if case .configuration = self { return true }
        return false
    }
}

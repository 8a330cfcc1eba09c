import AudioIO
import RealtimeEngine

/// Runs the streaming engine over a WAV file exactly as the daemon runs it over a live stream —
/// hop by hop, the same `OnlineSeparator.process` — and writes the separated sources.
///
/// File mode removes the output stage's algorithmic delay (the first `latency` output samples
/// are dropped and the input is padded with as much silence at the end), so the output is
/// time-aligned with the input and scoring tools can compare sample to sample; `keepDelay` keeps
/// it, so the output is what a live listener hears, sample for sample, and the delay can be
/// measured from the files.
public struct FileSeparation {
    /// Engine settings; `channels` is taken from the input file, and `sources` too unless set.
    public var configuration: SeparatorConfiguration
    public var requestedSources: Int?
    public var precision: Precision
    public var outputEncoding: SampleEncoding
    /// The output stage (STFT resynthesis unless set).
    public var stage = OutputStageSettings()
    /// Write the output with the stage's delay instead of time-aligned (as long as the input).
    public var keepDelay = false

    public enum Precision: String, Sendable, CaseIterable {
        case float, double
    }

    /// What a finished run measured.
    public struct Report: Sendable {
        public var frames: Int
        public var sampleRate: Int
        public var processingSeconds: Double
        public var statistics: SeparatorStatistics
        public var clippedSamples: Int
        public var audioSeconds: Double { Double(frames) / Double(sampleRate) }
        public var realTimeFactor: Double { audioSeconds > 0 ? processingSeconds / audioSeconds : 0 }
    }

    public init(
        configuration: SeparatorConfiguration, requestedSources: Int? = nil,
        precision: Precision = .float, outputEncoding: SampleEncoding = .float32
    ) {
        self.configuration = configuration
        self.requestedSources = requestedSources
        self.precision = precision
        self.outputEncoding = outputEncoding
    }

    /// Separates `inputPath` into `outputPath`; `progress` is called with the fraction done.
    public func run(inputPath: String, outputPath: String, progress: (Double) -> Void = { _ in }) throws(FileSeparationError) -> Report {
        switch precision {
        case .float: try run(Float.self, inputPath: inputPath, outputPath: outputPath, progress: progress)
        case .double: try run(Double.self, inputPath: inputPath, outputPath: outputPath, progress: progress)
        }
    }

    private func run<T: EngineScalar>(
        _: T.Type, inputPath: String, outputPath: String, progress: (Double) -> Void
    ) throws(FileSeparationError) -> Report {
        let reader: WAVReader
        do { reader = try WAVReader(path: inputPath) } catch { throw .input(error) }
        let format = reader.format
        var configuration = self.configuration
        configuration.channels = format.channels
        configuration.sources = requestedSources ?? format.channels
        let separator: OnlineSeparator<T>
        do { separator = try OnlineSeparator<T>(configuration: configuration, stage: stage) } catch { throw .configuration(error) }
        let writer: WAVWriter
        do {
            writer = try WAVWriter(path: outputPath, format: WAVFormat(
                sampleRate: format.sampleRate, channels: configuration.sources, encoding: outputEncoding))
        } catch { throw .output(error) }

        let hop = separator.blockSize, M = configuration.channels, K = configuration.sources
        let fileBlock = UnsafeMutableBufferPointer<Double>.allocate(capacity: hop * M)
        let engineIn = UnsafeMutablePointer<T>.allocate(capacity: hop * M)
        let engineOut = UnsafeMutablePointer<T>.allocate(capacity: hop * K)
        let fileOut = UnsafeMutableBufferPointer<Double>.allocate(capacity: hop * K)
        defer {
            fileBlock.deallocate(); engineIn.deallocate(); engineOut.deallocate(); fileOut.deallocate()
        }
        let total = reader.frameCount
        var toSkip = keepDelay ? 0 : separator.latency
        var written = 0
        var elapsed: Duration = .zero
        let clock = ContinuousClock()
        while written < total {
            let got: Int
            do { got = try reader.read(into: fileBlock, maxFrames: hop) } catch { throw .input(error) }
            for i in 0..<(got * M) { engineIn[i] = T(fileBlock[i]) }
            for i in (got * M)..<(hop * M) { engineIn[i] = 0 }
            let start = clock.now
            separator.process(input: engineIn, output: engineOut)
            elapsed += clock.now - start
            let dropped = min(toSkip, hop)
            toSkip -= dropped
            let usable = min(hop - dropped, total - written)
            guard usable > 0 else { continue }
            for i in 0..<(usable * K) { fileOut[i] = Double(engineOut[dropped * K + i]) }
            do { try writer.write(UnsafeBufferPointer(rebasing: fileOut[0..<(usable * K)])) } catch { throw .output(error) }
            written += usable
            progress(Double(written) / Double(max(total, 1)))
        }
        do { try writer.close() } catch { throw .output(error) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Report(frames: total, sampleRate: format.sampleRate, processingSeconds: seconds,
                      statistics: separator.statistics, clippedSamples: writer.clippedSamples)
    }
}

/// Why a file could not be separated, worded for the person who ran the command.
public enum FileSeparationError: Error, CustomStringConvertible {
    case input(WAVError)
    case output(WAVError)
    case configuration(SeparatorConfigurationError)

    public var description: String {
        switch self {
        case .input(let error): "cannot read the input: \(error)"
        case .output(let error): "cannot write the output: \(error)"
        case .configuration(let error): "\(error)"
        }
    }
}

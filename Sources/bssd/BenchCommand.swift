import ArgumentParser
import EngineParameters
import Foundation
import RealtimeEngine
import RealtimeSupport

/// `bssd bench`: single-thread real-time factor and steady-state allocations of the engine.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the engine's real-time factor and allocations per block.",
        discussion: """
            Runs the separator on a synthetic mixture (Laplacian sources through a random mixing matrix) \
            for M = 2, 4, 6, 8 microphones, with IVA-IP, IVA-ISS and ILRMA, in Float and Double, at two \
            settings: the reference setting (frame 1024, hop 256, one sweep per frame, no history) and the \
            defaults. Prints processing time / audio time (single thread, STFT and ISTFT included) and the \
            heap allocations counted during the measured blocks, which must be 0. The clustering family \
            (k-means, the fastest mixture model, and the generalised Gaussian, the slowest) runs at M = 2 \
            only, with 4 sources. The hearing-aid setting runs IVA-IP at M = 2 with the FIR output stage \
            of config/hearing-aid-16k.toml (or -48k.toml with --rate 48000), rendering and learning on one \
            thread. --structure measures IVA-IP with the structures named instead of the variants above \
            (auto runs every structure beside each source). Build with -c release.
            """
    )

    @Option(help: "Seconds of audio to time per case.", transform: decimalOption)
    var seconds: Double = 4

    @Option(help: "Sample rate assumed for the real-time factor.")
    var rate: Int = 16000

    @Option(parsing: .upToNextOption, help: "Microphone counts to measure.")
    var channels: [Int] = [2, 4, 6, 8]

    @Option(help: "Sources (K) to separate at every microphone count, capped at M (default: K = M). With K < M only the IP variant runs: ISS needs K = M.")
    var sources: Int?

    @Option(parsing: .upToNextOption, help: "Settings to measure: reference, default, hearing-aid.")
    var settings: [BenchSetting] = [.reference, .defaults]

    @Option(parsing: .upToNextOption, help: "Source model structures to measure with IVA-IP, in place of the variants.")
    var structure: [SourceStructure] = []

    @Flag(help: "Print one JSON object per case instead of a table.")
    var json = false

    func run() throws {
        if !json {
            print("setting    M  K  model              precision  frame/hop  RTF       blocks/s  allocs/block")
        }
        for setting in settings {
            for m in setting == .hearingAid ? [2] : channels {
                for model in models(channels: m, setting: setting) {
                    for precision in setting == .hearingAid ? ["float"] : ["float", "double"] {
                        var configuration = setting.configuration(channels: m, rate: rate)
                        configuration.sources = min(sources ?? m, m)
                        model.apply(&configuration)
                        if configuration.sources < m && configuration.updateRule == .iss { continue }
                        let stage = setting.stage(rate: rate)
                        let result = try precision == "float"
                            ? measure(Float.self, configuration, stage) : measure(Double.self, configuration, stage)
                        report(setting: setting, model: model.name, precision: precision, configuration: configuration, result: result)
                    }
                }
            }
        }
    }

    /// A model to measure: its name in the table and what it sets.
    private struct Model {
        let name: String
        let apply: (inout SeparatorConfiguration) -> Void
    }

    /// The structures asked for with IVA-IP, or else the variants that run at this point.
    private func models(channels m: Int, setting: BenchSetting) -> [Model] {
        guard structure.isEmpty else {
            return structure.map { structure in
                Model(name: "\(structure)-ip") { $0.structure = structure; $0.updateRule = .ip }
            }
        }
        return BenchVariant.allCases.filter { $0.runs(channels: m) && setting.runs($0) }.map { variant in
            Model(name: variant.rawValue) { variant.apply(to: &$0) }
        }
    }

    private struct Measurement {
        var realTimeFactor: Double
        var blocksPerSecond: Double
        var allocationsPerBlock: Double
    }

    private func measure<T: EngineScalar>(_: T.Type, _ configuration: SeparatorConfiguration, _ stage: OutputStageSettings) throws -> Measurement {
        let separator = try OnlineSeparator<T>(configuration: configuration, stage: stage)
        // A block is a hop, or a period with the FIR stage (whose warm-up counts in hops all the same).
        let m = configuration.channels, hop = separator.blockSize
        let warmUp = (configuration.history + 4) * configuration.hop / hop
        let blocks = max(1, Int(seconds * Double(rate)) / hop)
        let input = SyntheticMixture<T>(channels: m, frames: 2 * rate)
        let output = UnsafeMutablePointer<T>.allocate(capacity: hop * configuration.sources)
        defer { output.deallocate() }
        var offset = 0
        func step() {
            separator.process(input: input.samples + offset * m, output: output)
            offset = (offset + hop) % (input.frames - hop)
        }
        for _ in 0..<warmUp { step() }
        let clock = ContinuousClock()
        let start = clock.now
        let (_, allocations) = AllocationCounter.count {
            for _ in 0..<blocks { step() }
        }
        let elapsed = clock.now - start
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let audioSeconds = Double(blocks * hop) / Double(rate)
        return Measurement(realTimeFactor: elapsedSeconds / audioSeconds, blocksPerSecond: Double(blocks) / elapsedSeconds,
                           allocationsPerBlock: Double(allocations) / Double(blocks))
    }

    private func report(
        setting: BenchSetting, model: String, precision: String, configuration: SeparatorConfiguration, result: Measurement
    ) {
        if json {
            print("""
                {"setting":"\(setting.rawValue)","channels":\(configuration.channels),"sources":\(configuration.sources),"model":"\(model)",\
                "precision":"\(precision)","frame":\(configuration.frameLength),"hop":\(configuration.hop),\
                "iterations":\(configuration.iterations),"history":\(configuration.history),\
                "rtf":\(result.realTimeFactor),"blocks_per_second":\(result.blocksPerSecond),\
                "allocations_per_block":\(result.allocationsPerBlock)}
                """)
        } else {
            let columns = [
                setting.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0),
                "\(configuration.channels)",
                "\(configuration.sources)",
                model.padding(toLength: 17, withPad: " ", startingAt: 0),
                precision.padding(toLength: 9, withPad: " ", startingAt: 0),
                "\(configuration.frameLength)/\(configuration.hop)".padding(toLength: 9, withPad: " ", startingAt: 0),
                String(format: "%-8.5f  %-8.0f  %.2f", result.realTimeFactor, result.blocksPerSecond, result.allocationsPerBlock),
            ]
            print(columns.joined(separator: "  "))
        }
    }
}

/// The operating points the README quotes.
enum BenchSetting: String, ExpressibleByArgument, CaseIterable {
    /// The reference point: frame 1024, hop 256, one sweep per frame, no re-iterated history.
    case reference
    /// bssd's defaults.
    case defaults = "default"
    /// The hearing-aid example configs: the FIR stage, two microphones.
    case hearingAid = "hearing-aid"

    func configuration(channels: Int, rate: Int) -> SeparatorConfiguration {
        var configuration = SeparatorConfiguration(channels: channels)
        switch self {
        case .reference:
            configuration.frameLength = 1024
            configuration.hop = 256
            configuration.iterations = 1
            configuration.history = 1
        case .defaults: break
        case .hearingAid:
            // config/hearing-aid-48k.toml: the 16 kHz frame's span, and a hop of half of it.
            if rate > 16000 { (configuration.frameLength, configuration.hop) = (8192, 4096) }
        }
        return configuration
    }

    /// config/hearing-aid-16k.toml and -48k.toml: 128 and 85 ms of taps, 4 and 2.7 ms before the
    /// zero lag, 1 and 1.33 ms periods.
    func stage(rate: Int) -> OutputStageSettings {
        guard self == .hearingAid else { return OutputStageSettings() }
        var stage = OutputStageSettings(kind: .fir)
        if rate > 16000 {
            (stage.firTaps, stage.firDelay, stage.firBlock) = (4096, 128, 64)
        } else {
            (stage.firTaps, stage.firDelay, stage.firBlock) = (2048, 64, 16)
        }
        return stage
    }

    func runs(_ variant: BenchVariant) -> Bool { self != .hearingAid || variant == .sphericalIP }
}

enum BenchVariant: String, CaseIterable {
    case sphericalIP = "spherical-ip"
    case sphericalISS = "spherical-iss"
    case lowRankISS = "lowrank-iss"
    case clusteringKMeans = "clust-kmeans"
    case clusteringGGD = "clust-ggd"

    /// Clustering is measured at its first use, more sources than two microphones.
    func runs(channels: Int) -> Bool {
        switch self {
        case .sphericalIP, .sphericalISS, .lowRankISS: true
        case .clusteringKMeans, .clusteringGGD: channels == 2
        }
    }

    /// Sets the variant's model; clustering also its 4 sources (the operating point) and α.
    func apply(to configuration: inout SeparatorConfiguration) {
        switch self {
        case .sphericalIP: configuration.structure = .spherical; configuration.updateRule = .ip
        case .sphericalISS: configuration.structure = .spherical; configuration.updateRule = .iss
        case .lowRankISS: configuration.structure = .lowRank; configuration.updateRule = .iss
        case .clusteringKMeans, .clusteringGGD:
            configuration.family = .clustering
            configuration.mixture = self == .clusteringKMeans ? .kmeans : .generalizedGaussian
            configuration.sources = 4
            configuration.forgetting = SeparatorConfiguration.defaultForgetting(family: .clustering)
        }
    }
}

/// Independent Laplacian sources through a fixed random mixing matrix: enough structure for the
/// engine to do its real work at the speed it would on speech.
final class SyntheticMixture<T: EngineScalar> {
    let samples: UnsafeMutablePointer<T>
    let frames: Int

    init(channels: Int, frames: Int) {
        self.frames = frames
        samples = .allocate(capacity: channels * frames)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func uniform() -> Double {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        var mixing = [Double](repeating: 0, count: channels * channels)
        for i in mixing.indices { mixing[i] = uniform() - 0.5 + (i % (channels + 1) == 0 ? 1 : 0) }
        var source = [Double](repeating: 0, count: channels)
        for t in 0..<frames {
            for k in 0..<channels {
                let u = uniform() - 0.5
                source[k] = 0.1 * (u < 0 ? Foundation.log(1 + 2 * u) : -Foundation.log(1 - 2 * u))
            }
            for m in 0..<channels {
                var sum = 0.0
                for k in 0..<channels { sum += mixing[m * channels + k] * source[k] }
                samples[t * channels + m] = T(sum)
            }
        }
    }

    deinit {
        samples.deallocate()
    }
}

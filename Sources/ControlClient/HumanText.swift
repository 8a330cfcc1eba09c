import Foundation
import ControlProtocol

/// `bssctl`'s default (non-`--json`) rendering of results: aligned `name  value` lines.
public enum HumanText {
    public static func parameters(_ parameters: LiveParameters) -> String {
        table(rows(parameters))
    }

    private static func rows(_ parameters: LiveParameters) -> [(String, String)] {
        ParameterName.allCases.map { ($0.rawValue, value(parameters.value(of: $0))) }
    }

    /// A parameter value as an operator writes it on the command line (`off` for a silent route).
    public static func value(_ json: JSONValue) -> String {
        switch json {
        case .array(let elements): elements.map { $0 == .null ? "off" : value($0) }.joined(separator: ",")
        case .string(let text): text
        case .null: "off"
        default: json.serialized
        }
    }

    public static func status(_ status: StatusReport) -> String {
        let levels = status.levelsDBFS.enumerated().map { "\($0.offset): \(decibels($0.element))" }.joined(separator: ", ")
        return table([
            ("state", status.state.rawValue),
            ("uptime", duration(status.uptimeSeconds)),
            ("capture", "\(status.captureDevice) (\(status.captureChannels) ch)"),
            ("playback", "\(status.playbackDevice) (\(status.playbackChannels) ch)"),
            ("rate", "\(status.sampleRate) Hz, period \(status.periodFrames) × \(status.periods)"),
            ("sources", "\(status.sources)"),
            ("latency", "\(fixed(status.latencyMilliseconds, 1)) ms"),
            ("frames", "captured \(status.framesCaptured), processed \(status.framesProcessed), played \(status.framesPlayed)"),
            ("xruns", "capture \(status.captureXruns), playback \(status.playbackXruns)"),
            ("late blocks", "\(status.lateBlocks)"),
            ("overruns", "\(status.overrunFrames) frames dropped"),
            ("block time", blockTime(status)),
            ("levels", levels.isEmpty ? "-" : levels),
            ("reopens", "\(status.deviceReopens)"),
            ("models", status.sourceModels.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: ", ")),
            ("target", target(status.target)),
        ] + (status.outputTrust.map { [("output", "FIR stage, \(Int(($0 * 100).rounded())) % filters (the rest the reference microphone, until the estimator is trusted)")] } ?? []) + [
        ] + clusterRows(status.clusters) + rows(status.parameters))
    }

    /// The listener's talker in a line: "output 1, mic 1 +0.42 samples; followed 2 times", or "none".
    public static func target(_ target: TargetReport?) -> String {
        guard let target else { return "none" }
        let delays = target.delaysSamples.enumerated().map { m, delay in
            "mic \(m) " + (delay.map { ($0 > 0 ? "+" : "") + fixed($0, 2) } ?? "?")
        }
        let place = delays.isEmpty ? "direction not known yet" : delays.joined(separator: ", ") + " samples"
        return "output \(target.source), \(place); followed to another output \(target.switches) time\(target.switches == 1 ? "" : "s")"
    }

    /// `bssctl observe`: per output its band levels as a bar (`spectrumBar`) and its loudest band,
    /// per source the delay at each microphone after the reference.
    public static func observation(_ report: ObservationReport) -> String {
        let top = loudest(report)
        let bands = report.spectraDB.first?.count ?? ObservationReport.bands
        var rows = [("snapshot", "\(report.version), engine frame \(report.frame), masks \(report.masks ? "yes" : "no")")]
        rows.append(("bands", "\(bands) of \(fixed(report.bandWidthHz, 0)) Hz, 0 Hz to \(fixed(report.bandWidthHz * Double(bands), 0)) Hz; bars span \(Int(spectrumRange)) dB below the loudest band"))
        for (k, levels) in report.spectraDB.enumerated() {
            let peak = levels.indices.max { levels[$0] < levels[$1] }
            let loudest = peak.map { levels[$0].isFinite ? "loudest \(fixed(levels[$0], 1)) dB at \(fixed(Double($0) * report.bandWidthHz, 0))–\(fixed(Double($0 + 1) * report.bandWidthHz, 0)) Hz" : "silent" } ?? "-"
            rows.append(("output \(k)", "|\(spectrumBar(levels, top: top))|  \(loudest)"))
        }
        for (k, delays) in report.delaysSamples.enumerated() {
            let text = delays.enumerated().map { m, delay in
                "mic \(m) " + (delay.map { ($0 > 0 ? "+" : "") + fixed($0, 2) } ?? "?")
            }.joined(separator: ", ")
            rows.append(("source \(k)", "delay in samples after the reference: \(text)"))
        }
        rows += clusterRows(report.clusters)
        if let diffuse = report.diffuseWeight { rows.append(("diffuse", "weight \(fixed(diffuse, 3)) (reverberation and noise, not output)")) }
        return table(rows)
    }

    /// A line per direction cluster: "cluster 3  not output, weight 0.109, shape 2.53; mic 1
    /// +2.05 samples +0.1 dB" (and the further microphones, against microphone 0).
    static func clusterRows(_ clusters: [ClusterReport]) -> [(String, String)] {
        func signed(_ value: Double, _ decimals: Int) -> String { (value > 0 ? "+" : "") + fixed(value, decimals) }
        return clusters.enumerated().map { c, cluster in
            let microphones = zip(cluster.delaysSamples, cluster.levelsDB).enumerated().dropFirst().map { m, entry in
                "mic \(m) \(signed(entry.0, 2)) samples \(signed(entry.1, 1)) dB"
            }
            return ("cluster \(c)", (cluster.output.map { "output \($0)" } ?? "not output")
                    + ", weight \(fixed(cluster.weight, 3))" + (cluster.shape.map { ", shape \(fixed($0, 2))" } ?? "")
                    + "; " + microphones.joined(separator: ", "))
        }
    }

    /// Band levels spanned by a spectrum bar, down from the loudest band of the report.
    static let spectrumRange = 60.0
    /// One character per band, from blank (`spectrumRange` dB or more below `top`) to a full block.
    static let spectrumLevels = Array(" ▁▂▃▄▅▆▇█")

    /// The analysis scale has no absolute reference, so bars are relative to the report's
    /// loudest band (`loudest`): outputs compare with each other, and a quiet room still shows.
    public static func spectrumBar(_ levels: [Double], top: Double) -> String {
        String(levels.map { level in
            guard level.isFinite, top.isFinite else { return spectrumLevels[0] }
            let fraction = min(1, max(0, (level - (top - spectrumRange)) / spectrumRange))
            return spectrumLevels[Int((fraction * Double(spectrumLevels.count - 1)).rounded())]
        })
    }

    /// The loudest band level over all outputs, −∞ when all are silent.
    public static func loudest(_ report: ObservationReport) -> Double {
        report.spectraDB.joined().filter(\.isFinite).max() ?? -.infinity
    }

    static func blockTime(_ status: StatusReport) -> String {
        "p50 \(fixed(status.blockMillisecondsP50, 2)) ms, p99 \(fixed(status.blockMillisecondsP99, 2)) ms, "
            + "max \(fixed(status.blockMillisecondsMax, 2)) ms of \(fixed(status.budgetMilliseconds, 2)) ms budget"
    }

    static func table(_ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }

    static func decibels(_ value: Double) -> String {
        value.isFinite ? "\(fixed(value, 1)) dBFS" : "-inf dBFS"
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.isFinite ? max(0, seconds) : 0)
        return String(format: "%dh %02dm %02ds", total / 3600, total / 60 % 60, total % 60)
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }
}

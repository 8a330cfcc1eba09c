import ControlProtocol

/// One frame of `bssctl monitor`: per-source level bars, block time against the budget, xruns
/// and late blocks. Pure text so it can be tested; the command adds the cursor control.
public enum MonitorView {
    /// Levels from `floor` dBFS (empty bar) to 0 dBFS (full).
    static let floor = -60.0

    /// Moves the cursor home and clears to the end of the screen after drawing, so the frame
    /// replaces the previous one in place without flicker.
    public static let home = "\u{1B}[H"
    public static let clearBelow = "\u{1B}[J"
    public static let clearLineEnd = "\u{1B}[K"
    public static let hideCursor = "\u{1B}[?25l"
    public static let showCursor = "\u{1B}[?25h"

    /// `observation`, the latest `observe` reply, adds a line per output with its spectrum; nil
    /// (a daemon without `observe`, or no snapshot yet) leaves the status on its own.
    public static func frame(_ status: StatusReport, observation: ObservationReport? = nil, barWidth: Int = 40) -> String {
        var lines = [
            "bssd \(status.state.rawValue) — up \(HumanText.duration(status.uptimeSeconds)), "
                + "\(status.sampleRate) Hz, \(status.sources) sources, latency \(HumanText.fixed(status.latencyMilliseconds, 1)) ms",
            "",
        ]
        for (index, level) in status.levelsDBFS.enumerated() {
            let model = status.sourceModels.indices.contains(index) ? "  \(status.sourceModels[index])" : ""
            lines.append("source \(index)  \(bar(level, width: barWidth))  \(HumanText.decibels(level))\(model)")
        }
        if let observation {
            let top = HumanText.loudest(observation)
            lines.append("")
            for (index, levels) in observation.spectraDB.enumerated() {
                lines.append("spectrum \(index) |\(HumanText.spectrumBar(levels, top: top))| 0–\(HumanText.fixed(observation.bandWidthHz * Double(levels.count) / 1000, 0)) kHz")
            }
        }
        let load = status.budgetMilliseconds > 0 ? status.blockMillisecondsP99 / status.budgetMilliseconds : 0
        lines += [
            "",
            "block time  \(HumanText.blockTime(status)) (\(Int((load * 100).rounded())) % at p99)",
            "xruns       capture \(status.captureXruns), playback \(status.playbackXruns)",
            "late blocks \(status.lateBlocks)   overrun frames \(status.overrunFrames)   device reopens \(status.deviceReopens)",
            "parameters  alpha \(status.parameters.alpha), \(status.parameters.structure.rawValue)/\(status.parameters.update.rawValue), "
                + "density \(status.parameters.density), gain \(status.parameters.gainDB) dB"
                + (status.parameters.mute ? ", MUTED" : "") + (status.parameters.bypass ? ", BYPASS" : ""),
            "",
            "Ctrl-C to quit",
        ]
        return lines.map { $0 + clearLineEnd }.joined(separator: "\n")
    }

    static func bar(_ level: Double, width: Int) -> String {
        let fraction = level.isFinite ? min(1, max(0, (level - floor) / -floor)) : 0
        let filled = Int((fraction * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "]"
    }
}

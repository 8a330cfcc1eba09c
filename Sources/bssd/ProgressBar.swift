import Foundation

/// A one-line progress bar on standard error for long files, redrawn in place at most ten times a
/// second; silent when standard error is not a terminal so logs and pipes stay clean.
final class ProgressBar {
    private let enabled: Bool
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private var drawn = false

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func update(_ fraction: Double) {
        guard enabled, ContinuousClock.now - lastDraw >= .milliseconds(100) else { return }
        lastDraw = .now
        let width = 40
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r[%@] %3.0f%%", bar, fraction * 100).utf8))
        drawn = true
    }

    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }
}

/// Rate limiting for log lines by kind: the first occurrence of a kind opens a window and is
/// written at once (that line explains it to the operator); later ones within the window are
/// only counted, and one summary line sums them up when the window closes. A burst thus gives
/// two lines per kind and window, not one per occurrence. Used by the audio events
/// (`EventLogger`) and the control socket's refusals.
package struct LogRateLimit<Kind: Hashable, Occurrence> {
    /// One kind's open window.
    package struct Window {
        /// Monotonic nanoseconds of the occurrence that opened it (the one written at once).
        let start: Int
        /// Occurrences counted but not written.
        package var suppressed = 0
        /// The sum of their amounts (frames, samples, …; 1 each where there is no unit).
        package var amount = 0
        package var last: Occurrence
        var lastTime: Int
    }

    private let windowNanoseconds: Int
    private var windows: [Kind: Window] = [:]

    package init(windowNanoseconds: Int) {
        self.windowNanoseconds = windowNanoseconds
    }

    /// Counts `occurrence`; true when it opened a window and is to be written now. A window of the
    /// same kind that it finds expired goes to `summarize` first, so the lines stay in order.
    package mutating func record(
        _ kind: Kind, _ occurrence: Occurrence, amount: Int = 1, at time: Int, summarize: (Kind, Window) -> Void
    ) -> Bool {
        if var window = windows[kind], time - window.start < windowNanoseconds {
            window.suppressed += 1
            window.amount += amount
            window.last = occurrence
            window.lastTime = time
            windows[kind] = window
            return false
        }
        close(kind, summarize)
        windows[kind] = Window(start: time, last: occurrence, lastTime: time)
        return true
    }

    /// Closes the windows that have lasted their length, every one when `now == .max`; those that
    /// counted anything go to `summarize`.
    package mutating func closeDue(now: Int, summarize: (Kind, Window) -> Void) {
        for (kind, window) in windows where now == .max || now - window.start >= windowNanoseconds {
            close(kind, summarize)
        }
    }

    private mutating func close(_ kind: Kind, _ summarize: (Kind, Window) -> Void) {
        guard let window = windows.removeValue(forKey: kind), window.suppressed > 0 else { return }
        summarize(kind, window)
    }
}

extension LogRateLimit.Window {
    /// "at once" or "within 0.4 s": how long the suppressed occurrences took.
    package var span: String {
        let seconds = Double(lastTime - start) / 1e9
        return seconds < 0.05 ? "at once" : "within \(tenths(seconds)) s"
    }
}

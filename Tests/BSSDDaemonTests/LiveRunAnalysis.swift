import Foundation
import TestSupport

/// Reads a `LiveRun`'s tap against the scene: where the mixture starts on the tap, whether it
/// arrived unchanged, how far the output lags it (before and after the stall), and how well the
/// output separates on the 10 s before the stall and from 2 s after it to the end of the signal.
struct LiveRunAnalysis {
    /// Tap frame of the scene's frame 0.
    let inputOffset: Int
    let inputIsExact: Bool
    /// Output lag behind the pipeline's input, frames: the end-to-end latency on the rig's clock.
    let delayBefore: Int
    let delayAfter: Int
    let before: RecordedSeparationScore
    let after: RecordedSeparationScore

    init(run: LiveRun, scene: ConvolutiveMixture) throws {
        let C = LiveRun.tapChannels, M = scene.channels, K = scene.sources, rate = scene.rate
        let frames = run.tap.count / C
        func tapped(_ t: Int, _ c: Int) -> Double { Double(run.tap[t * C + c]) }
        guard let firstFed = (0..<scene.frames).first(where: { scene.mixture[$0 * M] != 0 }),
              let firstTapped = (0..<frames).first(where: { run.tap[$0 * C] != 0 })
        else { throw Unreadable(reason: "no signal on the tap's first channel") }
        inputOffset = firstTapped - firstFed
        let offset = inputOffset
        inputIsExact = offset >= 0 && offset + scene.frames <= frames
            && (0..<scene.frames * M).allSatisfy { run.tap[(offset + $0 / M) * C + $0 % M] == Float(scene.mixture[$0]) }

        // Projection back makes the outputs add up to the reference microphone, delayed: the lag
        // with the best normalised correlation over one second is the delay.
        func delay(from start: Int) -> Int {
            let length = rate, lags = 0..<12000
            var best = 0, bestScore = -Double.infinity
            for lag in lags where start - lag >= 0 {
                var dot = 0.0, norm = 0.0
                for t in start..<(start + length) {
                    let x = tapped(t - lag, 0)
                    dot += (tapped(t, M) + tapped(t, M + 1)) * x
                    norm += x * x
                }
                let score = dot / max(norm.squareRoot(), 1e-30)
                if score > bestScore { (best, bestScore) = (lag, score) }
            }
            return best
        }
        // Scores the output on tap frames `window`, against the images `lag` frames earlier.
        func score(_ window: Range<Int>, lag: Int) throws -> RecordedSeparationScore {
            var outputs = [Double](), images = [Double]()
            outputs.reserveCapacity(window.count * K)
            images.reserveCapacity(window.count * K)
            for t in window {
                let source = t - lag - offset
                for k in 0..<K {
                    outputs.append(tapped(t, M + k))
                    images.append(source >= 0 && source < scene.frames ? scene.images[k][0][source] : 0)
                }
            }
            return try RecordedSeparationScore(outputs: outputs, images: images, sources: K)
        }
        let stall = run.stallFrame
        let signalEnd = offset + scene.frames
        delayBefore = delay(from: stall - 2 * rate)
        delayAfter = delay(from: stall + 3 * rate)
        before = try score((stall - 10 * rate)..<stall, lag: delayBefore)
        after = try score((stall + 2 * rate)..<min(signalEnd, frames), lag: delayAfter)
    }

    struct Unreadable: Error {
        let reason: String
    }
}

@testable import DaemonConfig
@testable import LivePipeline
import Testing

/// Routing, gain, mute and bypass as the processing thread applies them, on known signals.
@Suite("Output renderer")
struct OutputRendererTests {
    static let hop = 8, latency = 24, K = 2, M = 2

    /// Input: mic 0 carries 1000 + t (a ramp), mic 1 carries −1. Separated: source 0 = 1,
    /// source 1 = 2 (constants), so every output sample says where it came from.
    static func render(
        _ renderer: OutputRenderer, _ settings: LiveOutput, block: Int, playbackChannels P: Int
    ) -> [[Float]] {
        var input = [Float](repeating: 0, count: hop * M)
        var separated = [Float](repeating: 0, count: hop * K)
        for t in 0..<hop {
            input[t * M] = Float(1000 + block * hop + t)
            input[t * M + 1] = -1
            separated[t * K] = 1
            separated[t * K + 1] = 2
        }
        var output = [Float](repeating: .nan, count: hop * P)
        input.withUnsafeBufferPointer { x in
            separated.withUnsafeBufferPointer { y in
                output.withUnsafeMutableBufferPointer { z in
                    renderer.render(input: x.baseAddress!, separated: y.baseAddress!, into: z.baseAddress!, settings: settings)
                }
            }
        }
        return (0..<P).map { p in (0..<hop).map { output[$0 * P + p] } }
    }

    static func make(_ settings: OutputSettings) -> (OutputRenderer, LiveOutput) {
        let renderer = OutputRenderer(
            sources: K, channels: M, playbackChannels: settings.routes.count, hop: hop, latency: latency, referenceMic: 0)
        return (renderer, LiveOutput(settings))
    }

    @Test("routes pick sources per playback channel, nil is silence, and the gain scales")
    func routing() {
        let (renderer, live) = Self.make(OutputSettings(routes: [1, 1, nil, 0], gainDecibels: 20))
        let out = Self.render(renderer, live, block: 0, playbackChannels: 4)
        #expect(out[0].allSatisfy { abs($0 - 20) < 1e-4 })
        #expect(out[1].allSatisfy { abs($0 - 20) < 1e-4 })
        #expect(out[2].allSatisfy { $0 == 0 })
        #expect(out[3].allSatisfy { abs($0 - 10) < 1e-4 })
    }

    @Test("a change cross-fades linearly over one hop, then holds")
    func crossFade() {
        let (renderer, live) = Self.make(OutputSettings(routes: [0]))
        _ = Self.render(renderer, live, block: 0, playbackChannels: 1)
        live.publish(OutputSettings(routes: [1]))
        let fade = Self.render(renderer, live, block: 1, playbackChannels: 1)[0]
        for t in 0..<Self.hop {
            let weight = Float(t + 1) / Float(Self.hop)
            #expect(abs(fade[t] - (1 + weight)) < 1e-5)
        }
        #expect(Self.render(renderer, live, block: 2, playbackChannels: 1)[0].allSatisfy { $0 == 2 })
    }

    @Test("mute silences every channel after the fade; unmuting restores the route")
    func mute() {
        let (renderer, live) = Self.make(OutputSettings(routes: [0, 1]))
        _ = Self.render(renderer, live, block: 0, playbackChannels: 2)
        live.publish(OutputSettings(routes: [0, 1], muted: true))
        let fading = Self.render(renderer, live, block: 1, playbackChannels: 2)
        #expect(fading[1].last == 0 && fading[1].first! > 0)
        #expect(Self.render(renderer, live, block: 2, playbackChannels: 2).allSatisfy { $0.allSatisfy { $0 == 0 } })
        live.publish(OutputSettings(routes: [0, 1]))
        _ = Self.render(renderer, live, block: 3, playbackChannels: 2)
        #expect(Self.render(renderer, live, block: 4, playbackChannels: 2)[1].allSatisfy { $0 == 2 })
    }

    @Test("bypass plays the reference microphone delayed by the engine latency, on every channel")
    func bypass() {
        let (renderer, live) = Self.make(OutputSettings(routes: [0, nil], bypass: true))
        var blocks: [[[Float]]] = []
        for block in 0..<8 { blocks.append(Self.render(renderer, live, block: block, playbackChannels: 2)) }
        // Block b, sample t plays mic sample b·hop + t − latency (zeros before the start).
        for block in 0..<8 {
            for t in 0..<Self.hop {
                let n = block * Self.hop + t - Self.latency
                let expected: Float = n < 0 ? 0 : Float(1000 + n)
                #expect(blocks[block][0][t] == expected)
                #expect(blocks[block][1][t] == expected)
            }
        }
    }

    @Test("published settings read back as given")
    func readBack() {
        let settings = OutputSettings(routes: [nil, 1, 0], gainDecibels: -6.5, muted: true, bypass: false)
        let live = LiveOutput(OutputSettings(routes: [0, 0, 0]))
        live.publish(settings)
        #expect(live.settings() == settings)
    }

    @Test("settings out of range name the key and what is allowed")
    func problems() {
        #expect(OutputSettings(routes: [0, 2]).problem(sources: 2)?.key == "routing")
        #expect(OutputSettings(routes: []).problem(sources: 2)?.key == "routing")
        #expect(OutputSettings(routes: [0], gainDecibels: 30).problem(sources: 2)?.key == "gain_db")
        #expect(OutputSettings(routes: [0], gainDecibels: .nan).problem(sources: 2)?.key == "gain_db")
        #expect(OutputSettings(routes: [1, nil], gainDecibels: -20).problem(sources: 2) == nil)
    }
}

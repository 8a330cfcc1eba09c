@testable import BSSDDaemon
import Testing

/// The tracker that keeps the listener's talker on their ears when the engine's order of sources
/// changes: it follows a clear, lasting swap, and nothing else.
@Suite("Target tracker")
struct TargetTrackerTests {
    /// Two talkers 0.7 samples apart at microphone 1 (1–2 cm spacing at 16 kHz), with noise.
    static func delays(_ first: Double, _ second: Double, noise: Double = 0) -> [[Double?]] {
        [[0, first + noise], [0, second - noise]]
    }

    /// Whether each of the snapshots moved the target, in order.
    static func moves(_ tracker: inout TargetTracker, _ snapshots: [[[Double?]]]) -> [Bool] {
        snapshots.map { tracker.update(delays: $0) }
    }

    @Test("a swap of the outputs moves the target after three snapshots, once")
    func followsASwap() {
        var tracker = TargetTracker(source: 1, delays: Self.delays(0.4, -0.3))
        #expect(Self.moves(&tracker, Array(repeating: Self.delays(0.4, -0.3), count: 20)).allSatisfy { !$0 })
        #expect(tracker.source == 1)
        // The engine now has talker 1 on output 0.
        #expect(Self.moves(&tracker, Array(repeating: Self.delays(-0.3, 0.4), count: 3)) == [false, false, true])
        #expect(tracker.source == 0 && tracker.switches == 1)
        #expect(Self.moves(&tracker, Array(repeating: Self.delays(-0.3, 0.4), count: 20)).allSatisfy { !$0 })
        #expect(tracker.source == 0 && tracker.switches == 1)
        #expect(abs((tracker.signature[1] ?? 0) - -0.3) < 0.01)
    }

    @Test("noisy estimates, a brief swap and talkers too close to tell apart move nothing")
    func staysPut() {
        var tracker = TargetTracker(source: 0, delays: Self.delays(0.4, -0.3))
        let noisy = (0..<50).map { Self.delays(0.4, -0.3, noise: ($0 % 2 == 0 ? 1.0 : -1.0) * 0.08) }
        #expect(Self.moves(&tracker, noisy).allSatisfy { !$0 })
        // Two snapshots swapped, then back, then one swapped: never three in a row.
        let brief = [Self.delays(-0.3, 0.4), Self.delays(-0.3, 0.4), Self.delays(0.4, -0.3), Self.delays(-0.3, 0.4)]
        #expect(Self.moves(&tracker, brief).allSatisfy { !$0 })
        #expect(tracker.source == 0 && tracker.switches == 0)
        // Talkers 0.1 samples apart: below the separation it tells apart.
        var close = TargetTracker(source: 0, delays: Self.delays(0.05, -0.05))
        #expect(Self.moves(&close, Array(repeating: Self.delays(-0.05, 0.05), count: 10)).allSatisfy { !$0 })
        #expect(close.source == 0)
    }

    @Test("a talker who moves slowly is followed on its output, and unknown delays wait for a snapshot")
    func followsAMovingTalker() {
        var tracker = TargetTracker(source: 0, delays: [])
        #expect(tracker.signature.isEmpty)
        _ = Self.moves(&tracker, [[[0, nil], [0, -0.3]]])
        #expect(tracker.signature == [0, nil] && tracker.source == 0)
        _ = Self.moves(&tracker, [Self.delays(0.4, -0.3)])
        #expect(tracker.signature == [0, 0.4])
        // 0.4 samples in 20 s at ten snapshots a second.
        let walk = (1...200).map { Self.delays(0.4 - 0.002 * Double($0), -0.3) }
        #expect(Self.moves(&tracker, walk).allSatisfy { !$0 })
        #expect(tracker.source == 0 && abs((tracker.signature[1] ?? 0) - 0.0) < 0.05)
    }
}

// Needs `"RealtimeSupport"` in the AudioIOTests dependencies of Package.swift; move to
// Tests/AudioIOTests/ once that is there.
import AudioIO
import RealtimeSupport
import Testing

@Suite("ALSA PCM allocations")
struct ALSAPCMAllocationTests {
    @Test(
        "reads and writes allocate nothing in steady state",
        arguments: ALSASampleFormat.allCases, [ALSADirection.capture, .playback]
    )
    func steadyState(format: ALSASampleFormat, direction: ALSADirection) throws {
        #expect(AllocationCounter.isInterposerLinked)
        let definition = direction == .playback
            ? #"pcm.bsstest_alloc { type file slave.pcm null file "/dev/null" format raw }"#
            : #"pcm.bsstest_alloc { type file slave.pcm null file "/dev/null" infile "/dev/zero" format raw }"#
        let pcm = try ALSAPCM(configuration: ALSAPCMConfiguration(
            device: "bsstest_alloc", direction: direction, sampleRate: 16000, channels: 4, periodFrames: 256,
            periods: 3, preferredFormat: format, asoundrc: definition
        ))
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 1000 * 4)
        buffer.initialize(repeating: 0.5, count: 1000 * 4)
        defer { buffer.deallocate() }
        func cycle() throws(ALSAError) {
            switch direction {
            case .capture: _ = try pcm.readFrames(into: buffer, frames: 1000)
            case .playback: _ = try pcm.writeFrames(buffer, frames: 1000)
            }
            _ = try pcm.avail
            _ = try pcm.delay
            _ = pcm.isRunning
        }
        // Warm-up: first calls instantiate metadata (2 allocations seen in debug builds).
        for _ in 0 ..< 3 { try cycle() }
        _ = AllocationCounter.count { 0 }
        // `() throws in`, not `throws(ALSAError)`: Swift 6.3.1 crashes (LifetimeDependenceDiagnostics)
        // converting a typed-throws closure to `count`'s untyped rethrowing parameter.
        let (_, allocations) = try AllocationCounter.count { () throws in
            for _ in 0 ..< 500 { try cycle() }
        }
        #expect(allocations == 0)
    }
}

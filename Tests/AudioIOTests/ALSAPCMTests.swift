import AudioIO
import Foundation
import Synchronization
import Testing

/// Runs without a sound card: alsa-lib's `null` PCM, the `file` plugin over it, and plugins whose
/// constraints stand in for picky hardware (`multi`, `mulaw`, `plug` with a fixed slave rate),
/// all defined per test through `ALSAPCMConfiguration.asoundrc` rather than `ALSA_CONFIG_PATH`,
/// because the tests share one process (see `ALSAPCMConfiguration.asoundrc`).
///
/// Serialized because one test changes where alsa-lib's messages go, which is process-wide; the
/// others silence them so that expected failures do not litter the output.
@Suite("ALSA PCM", .serialized)
struct ALSAPCMTests {
    init() {
        ALSALibraryMessages.silence()
    }

    // MARK: - null PCM

    @Test("null opens with 4 channels, float, 16 kHz, period 256, and moves a few periods", arguments: [ALSADirection.capture, .playback])
    func nullDevice(direction: ALSADirection) throws {
        let pcm = try ALSAPCM(configuration: ALSAPCMConfiguration(
            device: "null", direction: direction, sampleRate: 16000, channels: 4, periodFrames: 256, periods: 3
        ))
        #expect(pcm.negotiated == ALSANegotiatedParameters(
            format: .float32,
            sampleRate: 16000,
            channels: 4,
            periodFrames: 256,
            periods: 3,
            bufferFrames: 768,
            startThresholdFrames: direction == .playback ? 512 : 1,
            prefillFrames: direction == .playback ? 256 : 0
        ))
        #expect(!pcm.isRunning)

        let frames = 4 * 256
        var samples = (0 ..< frames * 4).map { Float($0 % 200) / 200 - 0.5 }
        let moved = try samples.withUnsafeMutableBufferPointer { buffer throws(ALSAError) in
            switch direction {
            case .capture: try pcm.readFrames(into: buffer.baseAddress!, frames: frames)
            case .playback: try pcm.writeFrames(buffer.baseAddress!, frames: frames)
            }
        }
        #expect(moved == frames)
        #expect(pcm.isRunning)
        #expect(pcm.xruns == 0 && pcm.suspends == 0 && pcm.clippedSamples == 0)
        #expect(try pcm.avail >= 0)
    }

    @Test("the preferred format is used when the device has it", arguments: ALSASampleFormat.allCases)
    func preferredFormat(format: ALSASampleFormat) throws {
        let pcm = try ALSAPCM(configuration: ALSAPCMConfiguration(
            device: "null", direction: .playback, sampleRate: 48000, channels: 2, periodFrames: 480, preferredFormat: format
        ))
        #expect(pcm.negotiated.format == format)
    }

    @Test("without float, the negotiation falls back to S32 before S16")
    func formatFallback() throws {
        let linear = "pcm.bsstest_linear { type linear slave { pcm null format S16_LE } }"
        let pcm = try ALSAPCM(configuration: ALSAPCMConfiguration(
            device: "bsstest_linear", direction: .capture, sampleRate: 16000, channels: 2, periodFrames: 128,
            preferredFormat: .float32, asoundrc: linear
        ))
        #expect(pcm.negotiated.format == .s32)
    }

    /// alsa-lib's `null` PCM does not queue what is written (its avail is always the whole buffer),
    /// so small writes never reach the start threshold there; `start()` starts it.
    @Test("drop stops the stream; the next write prepares it again; start() and drain() work")
    func dropAndRestart() throws {
        let pcm = try ALSAPCM(configuration: ALSAPCMConfiguration(
            device: "null", direction: .playback, sampleRate: 16000, channels: 1, periodFrames: 64, periods: 4,
            playbackPrefillPeriods: 2
        ))
        #expect(pcm.negotiated.startThresholdFrames == 3 * 64)
        #expect(pcm.negotiated.prefillFrames == 2 * 64)
        let period = [Float](repeating: 0.25, count: 64)
        try pcm.start()
        #expect(pcm.isRunning)
        _ = try period.withUnsafeBufferPointer { buffer throws(ALSAError) in try pcm.writeFrames(buffer.baseAddress!, frames: 64) }
        try pcm.drop()
        #expect(!pcm.isRunning)
        // Dropped (SETUP state): the write prepares the device again instead of failing.
        let written = try period.withUnsafeBufferPointer { buffer throws(ALSAError) in try pcm.writeFrames(buffer.baseAddress!, frames: 64) }
        #expect(written == 64)
        try pcm.start()
        #expect(pcm.isRunning)
        try pcm.drain()
        #expect(!pcm.isRunning)
        try pcm.start()
        #expect(pcm.isRunning)
        #expect(pcm.xruns == 0)
    }

    @Test("capture starts on start() before any read")
    func captureStart() throws {
        let pcm = try ALSAPCM(configuration: ALSAPCMConfiguration(
            device: "null", direction: .capture, sampleRate: 16000, channels: 2, periodFrames: 256
        ))
        try pcm.start()
        #expect(pcm.isRunning)
        try pcm.prepare()
        #expect(!pcm.isRunning)
    }

    // MARK: - file plugin: exact samples

    @Test("playback through the file plugin stores exactly the converted samples", arguments: ALSASampleFormat.allCases)
    func fileWrite(format: ALSASampleFormat) throws {
        let samples = Self.probeSamples
        let channels = 2
        let frames = samples.count / channels
        try withTemporaryDirectory { directory in
            let path = directory + "/out.raw"
            let pcm = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: "bsstest_out", direction: .playback, sampleRate: 16000, channels: channels, periodFrames: 32,
                periods: 4, preferredFormat: format, playbackPrefillPeriods: 0,
                asoundrc: #"pcm.bsstest_out { type file slave.pcm null file "\#(path)" format raw }"#
            ))
            #expect(pcm.negotiated.format == format)
            let written = try samples.withUnsafeBufferPointer { buffer throws(ALSAError) in
                try pcm.writeFrames(buffer.baseAddress!, frames: frames)
            }
            #expect(written == frames)
            try pcm.drain()
            #expect(pcm.clippedSamples == (format == .float32 ? 0 : Self.probeClipped))

            let expected = samples.flatMap { Self.deviceBytes($0, format) }
            #expect(try fileBytes(path) == expected)
        }
    }

    @Test("playback begins each run with the prefill silence")
    func filePrefill() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/out.raw"
            do {
                let pcm = try ALSAPCM(configuration: ALSAPCMConfiguration(
                    device: "bsstest_prefill", direction: .playback, sampleRate: 8000, channels: 1, periodFrames: 16,
                    periods: 3, preferredFormat: .s16, playbackPrefillPeriods: 2,
                    asoundrc: #"pcm.bsstest_prefill { type file slave.pcm null file "\#(path)" format raw }"#
                ))
                #expect(pcm.negotiated.prefillFrames == 32)
                let ones = [Float](repeating: 0.5, count: 16)
                for _ in 0 ..< 2 {
                    _ = try ones.withUnsafeBufferPointer { buffer throws(ALSAError) in try pcm.writeFrames(buffer.baseAddress!, frames: 16) }
                }
                try pcm.drain()
                // After the drain, the next run starts with the prefill again.
                _ = try ones.withUnsafeBufferPointer { buffer throws(ALSAError) in try pcm.writeFrames(buffer.baseAddress!, frames: 16) }
                try pcm.drain()
            }
            let half = Self.deviceBytes(0.5, .s16)
            let silence = [UInt8](repeating: 0, count: 32 * 2)
            let run1 = silence + Array([[UInt8]](repeating: half, count: 32).joined())
            let run2 = silence + Array([[UInt8]](repeating: half, count: 16).joined())
            #expect(try fileBytes(path) == run1 + run2)
        }
    }

    @Test("capture through the file plugin reads exactly the converted samples", arguments: ALSASampleFormat.allCases)
    func fileRead(format: ALSASampleFormat) throws {
        let channels = 3
        let (raw, expected) = Self.captureProbe(format)
        let frames = expected.count / channels
        try withTemporaryDirectory { directory in
            let path = directory + "/in.raw"
            try Data(raw).write(to: URL(fileURLWithPath: path))
            let pcm = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: "bsstest_in", direction: .capture, sampleRate: 16000, channels: channels, periodFrames: 16,
                periods: 2, preferredFormat: format,
                asoundrc: #"pcm.bsstest_in { type file slave.pcm null file "/dev/null" infile "\#(path)" format raw }"#
            ))
            #expect(pcm.negotiated.format == format)
            var read = [Float](repeating: .nan, count: frames * channels)
            // Odd block sizes, to cross period and scratch boundaries.
            var done = 0
            while done < frames {
                let block = min(7 + done % 5, frames - done)
                let got = try read.withUnsafeMutableBufferPointer { buffer throws(ALSAError) in
                    try pcm.readFrames(into: buffer.baseAddress! + done * channels, frames: block)
                }
                #expect(got == block)
                done += block
            }
            #expect(read.map(\.bitPattern) == expected.map(\.bitPattern))
            #expect(pcm.xruns == 0)
        }
    }

    // MARK: - Errors

    @Test("an unknown PCM name throws cannotOpen naming the device")
    func unknownDevice() {
        let name = "bsstest_missing_\(UInt32.random(in: 0 ... .max))"
        let error = #expect(throws: ALSAError.self) {
            _ = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: name, direction: .capture, sampleRate: 16000, channels: 2, periodFrames: 256
            ))
        }
        #expect(error == .cannotOpen(device: name, direction: .capture, code: -ENOENT, reason: "No such file or directory"))
        #expect(error?.description.contains("capture device '\(name)'") == true)
        #expect(error?.description.contains("arecord -L") == true)
        #expect(error?.description.contains("audio.capture (--capture)") == true)
        #expect(error?.requiresReopen == false)
    }

    @Test("hw:0 on a machine without a sound card throws a clear cannotOpen", .enabled(if: !hasSoundCard, "this machine has a sound card"))
    func noSoundCard() {
        let error = #expect(throws: ALSAError.self) {
            _ = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: "hw:0", direction: .playback, sampleRate: 48000, channels: 2, periodFrames: 480
            ))
        }
        #expect(error == .cannotOpen(device: "hw:0", direction: .playback, code: -ENOENT, reason: "No such file or directory"))
        #expect(error?.description.contains("playback device 'hw:0'") == true)
        #expect(error?.description.contains("the card it refers to is not there") == true)
    }

    @Test("a device with fixed channels refuses others and says what it offers")
    func channelsRefused() {
        let two = "pcm.bsstest_two { type multi slaves.a { pcm null channels 2 } bindings.0 { slave a channel 0 } bindings.1 { slave a channel 1 } }"
        let error = #expect(throws: ALSAError.self) {
            _ = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: "bsstest_two", direction: .capture, sampleRate: 16000, channels: 4, periodFrames: 256, asoundrc: two
            ))
        }
        guard case let .parameterRefused(device, direction, parameter, offered) = error else {
            Issue.record("expected parameterRefused, got \(String(describing: error))")
            return
        }
        #expect(device == "bsstest_two" && direction == .capture && parameter == .channels(4))
        #expect(offered.channels == 2 ... 2)
        #expect(offered.formats == ALSASampleFormat.allCases)
        let text = error?.description ?? ""
        #expect(text.contains("Capture device 'bsstest_two' refused 4 channels: it offers exactly 2."), "\(text)")
        #expect(text.contains("Set audio.channels (--channels) to a value in that range"), "\(text)")

        // The same device opens with the channels it has.
        #expect(throws: Never.self) {
            _ = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: "bsstest_two", direction: .capture, sampleRate: 16000, channels: 2, periodFrames: 256, asoundrc: two
            ))
        }
    }

    @Test("a device with none of the three formats is refused with advice to use plug")
    func formatRefused() {
        let error = #expect(throws: ALSAError.self) {
            _ = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: "bsstest_mulaw", direction: .playback, sampleRate: 8000, channels: 1, periodFrames: 80,
                asoundrc: "pcm.bsstest_mulaw { type mulaw slave { pcm null format S16_LE } }"
            ))
        }
        guard case let .parameterRefused(_, _, parameter, offered) = error else {
            Issue.record("expected parameterRefused, got \(String(describing: error))")
            return
        }
        #expect(parameter == .format(preferred: .float32))
        #expect(offered.formats.isEmpty)
        #expect(error?.description.contains("S16_LE, S32_LE, FLOAT_LE") == true)
        #expect(error?.description.contains("plughw") == true)
    }

    @Test("a rate the device lacks is refused, not resampled, unless resampling is allowed")
    func rateRefused() throws {
        let fixed = "pcm.bsstest_48k { type plug slave { pcm null rate 48000 } }"
        var configuration = ALSAPCMConfiguration(
            device: "bsstest_48k", direction: .capture, sampleRate: 16000, channels: 2, periodFrames: 256, asoundrc: fixed
        )
        let error = #expect(throws: ALSAError.self) { _ = try ALSAPCM(configuration: configuration) }
        guard case let .parameterRefused(_, _, parameter, offered) = error else {
            Issue.record("expected parameterRefused, got \(String(describing: error))")
            return
        }
        #expect(parameter == .rate(16000))
        #expect(offered.rates == 48000 ... 48000)
        #expect(offered.commonRates == [48000])
        let text = error?.description ?? ""
        #expect(text.contains("refused 16000 Hz: it offers exactly 48000 Hz"), "\(text)")
        #expect(text.contains("Set audio.rate (--rate) to a rate the device has"), "\(text)")

        configuration.allowsResampling = true
        let pcm = try ALSAPCM(configuration: configuration)
        #expect(pcm.negotiated.sampleRate == 16000)
    }

    @Test("configurations that cannot describe a stream are refused before opening")
    func invalidConfigurations() {
        let base = ALSAPCMConfiguration(device: "null", direction: .playback, sampleRate: 16000, channels: 2, periodFrames: 256)
        var cases: [ALSAPCMConfiguration] = []
        let changes: [(inout ALSAPCMConfiguration) -> Void] = [
            { $0.channels = 0 },
            { $0.sampleRate = 0 },
            { $0.periodFrames = -1 },
            { $0.periods = 1 },
            { $0.playbackPrefillPeriods = 3 },
            { $0.stallTimeoutMilliseconds = 0 },
            { $0.device = "" },
        ]
        for change in changes {
            var configuration = base
            change(&configuration)
            cases.append(configuration)
        }
        for configuration in cases {
            let error = #expect(throws: ALSAError.self) { _ = try ALSAPCM(configuration: configuration) }
            guard case .invalidConfiguration(configuration.device, .playback, _) = error else {
                Issue.record("expected invalidConfiguration for \(configuration), got \(String(describing: error))")
                continue
            }
        }
    }

    @Test("definitions that do not parse throw invalidDefinitions; unknown plugin types cannotOpen")
    func badDefinitions() {
        let syntax = #expect(throws: ALSAError.self) {
            _ = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: "bsstest_broken", direction: .capture, sampleRate: 16000, channels: 1, periodFrames: 64,
                asoundrc: "pcm.bsstest_broken { type = }}"
            ))
        }
        #expect(syntax == .invalidDefinitions(device: "bsstest_broken", direction: .capture, code: -EINVAL, reason: "Invalid argument"))

        let plugin = #expect(throws: ALSAError.self) {
            _ = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: "bsstest_alien", direction: .capture, sampleRate: 16000, channels: 1, periodFrames: 64,
                asoundrc: "pcm.bsstest_alien { type bsstest_no_such_plugin }"
            ))
        }
        #expect(plugin == .cannotOpen(device: "bsstest_alien", direction: .capture, code: -ENXIO, reason: "No such device or address"))
        #expect(plugin?.description.contains("plugin type") == true)
    }

    @Test("definitions apply to one open only")
    func definitionsAreLocal() throws {
        _ = try ALSAPCM(configuration: ALSAPCMConfiguration(
            device: "bsstest_local", direction: .playback, sampleRate: 16000, channels: 1, periodFrames: 64,
            asoundrc: "pcm.bsstest_local { type null }"
        ))
        #expect(throws: ALSAError.self) {
            _ = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: "bsstest_local", direction: .playback, sampleRate: 16000, channels: 1, periodFrames: 64
            ))
        }
    }

    @Test("device errors that need a reopen say so")
    func reopenClassification() {
        #expect(ALSAError.deviceLost(device: "hw:1", direction: .capture, code: -ENODEV, reason: "No such device").requiresReopen)
        #expect(ALSAError.stalled(device: "bss_capture", direction: .capture, milliseconds: 2000).requiresReopen)
        let lost = ALSAError.deviceLost(device: "hw:1", direction: .capture, code: -ENODEV, reason: "No such device")
        #expect(lost.description.contains("Capture device 'hw:1' went away"))
        #expect(lost.device == "hw:1")
    }

    // MARK: - alsa-lib's messages

    @Test("alsa-lib's messages can be forwarded instead of printed")
    func forwardedMessages() {
        let received = Mutex<[ALSALibraryMessage]>([])
        ALSALibraryMessages.forward { message in received.withLock { $0.append(message) } }
        defer { ALSALibraryMessages.silence() }
        let name = "bsstest_forwarded_\(UInt32.random(in: 0 ... .max))"
        #expect(throws: ALSAError.self) {
            _ = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: name, direction: .playback, sampleRate: 16000, channels: 1, periodFrames: 64
            ))
        }
        let messages = received.withLock { $0 }
        #expect(messages.contains { $0.text == "Unknown PCM \(name)" && $0.function == "snd_pcm_open_noupdate" }, "\(messages)")

        // Silenced: nothing more arrives.
        ALSALibraryMessages.silence()
        let count = messages.count
        #expect(throws: ALSAError.self) {
            _ = try ALSAPCM(configuration: ALSAPCMConfiguration(
                device: name, direction: .playback, sampleRate: 16000, channels: 1, periodFrames: 64
            ))
        }
        #expect(received.withLock { $0.count } == count)
    }

    // MARK: - Expected values

    /// Interleaved stereo: the grid of 16-bit values, both ends of the range, values that clip,
    /// NaN and infinity: 100 frames, not a whole number of periods.
    static let probeSamples: [Float] = {
        var values: [Float] = (0 ..< 190).map { Float($0 - 95) / 96 }  // ramp across [-1, 1)
        values += [-1, 1 - 0x1p-15, 0x1p-16, -0x1p-16, 0x1p-17, 1, 1.5, -1.5, .nan, .infinity]
        return values
    }()

    /// Samples of `probeSamples` outside the integer range: 1, 1.5, -1.5, NaN, infinity.
    static let probeClipped = 5

    /// What `ALSAPCM` stores for `value` in `format`, written independently of its conversion.
    static func deviceBytes(_ value: Float, _ format: ALSASampleFormat) -> [UInt8] {
        func bytes<T: FixedWidthInteger>(_ integer: T) -> [UInt8] { withUnsafeBytes(of: integer.littleEndian) { Array($0) } }
        switch format {
        case .s16:
            if value.isNaN { return bytes(Int16(0)) }
            let scaled = (Double(value) * 32768).rounded(.toNearestOrEven)
            return bytes(Int16(min(max(scaled, -32768), 32767)))
        case .s32:
            if value.isNaN { return bytes(Int32(0)) }
            let scaled = (Double(value) * 2_147_483_648).rounded(.toNearestOrEven)
            return bytes(Int32(min(max(scaled, -2_147_483_648), 2_147_483_647)))
        case .float32:
            return bytes(value.bitPattern)
        }
    }

    /// Raw device samples for the capture test (3 channels) and the floats they must read as.
    static func captureProbe(_ format: ALSASampleFormat) -> (raw: [UInt8], expected: [Float]) {
        func bytes<T: FixedWidthInteger>(_ integer: T) -> [UInt8] { withUnsafeBytes(of: integer.littleEndian) { Array($0) } }
        switch format {
        case .s16:
            var values: [Int16] = [.min, .max, 0, 1, -1, 12345, -12345]
            values += (0 ..< 200).map { Int16(truncatingIfNeeded: $0 &* 331 &- 30000) }
            values = Array(values.prefix(values.count / 3 * 3))
            return (values.flatMap(bytes), values.map { Float($0) / 32768 })
        case .s32:
            var values: [Int32] = [.min, .max, 0, 255, 256, -1, -256, 0x7FFF_FF00, 123_456_789]
            values += (0 ..< 200).map { Int32(truncatingIfNeeded: $0 &* 21_474_837 &- 2_000_000_000) }
            values = Array(values.prefix(values.count / 3 * 3))
            // Truncated to 24 bits: the largest value stays below 1.
            return (values.flatMap(bytes), values.map { Float($0 >> 8) / 8_388_608 })
        case .float32:
            var values: [Float] = [-1, 0.5, 1.75, -3, 0x1p-30, .greatestFiniteMagnitude]
            values += (0 ..< 200).map { Float($0) / 64 - 1.5 }
            values = Array(values.prefix(values.count / 3 * 3))
            return (values.flatMap { bytes($0.bitPattern) }, values)
        }
    }
}

/// Whether ALSA sees any card (`/proc/asound/cards` lists one).
private let hasSoundCard: Bool = {
    guard let cards = try? String(contentsOfFile: "/proc/asound/cards", encoding: .utf8) else { return false }
    return !cards.contains("no soundcards")
}()

private func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("bssd-alsa-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: path) }
    try body(path)
}

private func fileBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

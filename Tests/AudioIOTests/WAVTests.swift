import AudioIO
import Foundation
import TestSupport
import Testing

@Suite("WAV reader and writer")
struct WAVTests {
    // MARK: - Round trips

    @Test("write → read is bit-exact", arguments: SampleEncoding.allCases, [1, 2, 6])
    func roundTrip(encoding: SampleEncoding, channels: Int) throws {
        let format = WAVFormat(sampleRate: 48000, channels: channels, encoding: encoding)
        // Enough frames to cross the 64 KiB buffers even for 16-bit mono; odd, so that 24-bit mono
        // needs a pad byte.
        let frames = 40_009
        var random = SplitMix64(seed: UInt64(encoding.bitsPerSample * 10 + channels))
        let samples = representableSamples(encoding, count: frames * channels, using: &random)
        try withTemporaryPath { path in
            let writer = try WAVWriter(path: path, format: format)
            // Irregular block sizes, as a real-time caller would produce.
            var start = 0
            while start < frames {
                let count = min(997, frames - start)
                try samples[start * channels ..< (start + count) * channels].withUnsafeBufferPointer { try writer.write($0) }
                start += count
            }
            try writer.close()
            #expect(writer.clippedSamples == 0)

            let bytes = try fileBytes(path)
            let extensible = channels > 2 || encoding.bitsPerSample > 16
            let headerBytes = extensible ? 68 : 44
            let dataBytes = frames * format.bytesPerFrame
            #expect(bytes.count == headerBytes + dataBytes + dataBytes % 2)
            #expect(readUInt16(bytes, at: 20) == (extensible ? 0xFFFE : 1))
            #expect(readUInt32(bytes, at: 4) == UInt32(bytes.count - 8))
            #expect(readUInt32(bytes, at: headerBytes - 4) == UInt32(dataBytes))

            let (readFormat, readSamples) = try WAVReader.readAll(path: path)
            #expect(readFormat == format)
            #expect(readSamples.count == samples.count)
            #expect(readSamples == samples)
        }
    }

    @Test("streaming reads in small blocks, as Double and as Float, return every sample")
    func streamingReads() throws {
        let format = WAVFormat(sampleRate: 16000, channels: 3, encoding: .pcm24)
        var random = SplitMix64(seed: 7)
        let samples = representableSamples(.pcm24, count: 3 * 5000, using: &random)
        try withTemporaryPath { path in
            try WAVWriter.writeAll(path: path, format: format, samples: samples)
            let reader = try WAVReader(path: path)
            #expect(reader.frameCount == 5000)

            var doubles: [Double] = []
            var floats: [Float] = []
            var block = [Double](repeating: .nan, count: 3 * 313)
            var floatBlock = [Float](repeating: .nan, count: 3 * 313)
            let floatReader = try WAVReader(path: path)
            while true {
                // maxFrames larger than the buffer: the buffer's size wins.
                let count = try block.withUnsafeMutableBufferPointer { try reader.read(into: $0, maxFrames: 10_000) }
                let floatCount = try floatBlock.withUnsafeMutableBufferPointer { try floatReader.read(into: $0, maxFrames: 200) }
                doubles += block[0 ..< count * 3]
                floats += floatBlock[0 ..< floatCount * 3]
                if count == 0, floatCount == 0 { break }
            }
            #expect(doubles == samples)
            #expect(floats == samples.map { Float($0) })
            #expect(try block.withUnsafeMutableBufferPointer { try reader.read(into: $0, maxFrames: 1) } == 0)
        }
    }

    @Test("integer encodings round and clip, and count what they clip", arguments: [SampleEncoding.pcm16, .pcm24, .pcm32])
    func clipping(encoding: SampleEncoding) throws {
        let fullScale = Double(1 << (encoding.bitsPerSample - 1))
        let largest = (fullScale - 1) / fullScale
        let input: [Double] = [1.0, -1.0, 1.5, -2.0, 0.5, .nan, .infinity, -.infinity, 0.6 / fullScale, -0.4 / fullScale]
        let expected: [Double] = [largest, -1.0, largest, -1.0, 0.5, 0, largest, -1.0, 1 / fullScale, 0]
        try withTemporaryPath { path in
            let format = WAVFormat(sampleRate: 8000, channels: 2, encoding: encoding)
            let clipped = try WAVWriter.writeAll(path: path, format: format, samples: input)
            #expect(clipped == 6)
            #expect(try WAVReader.readAll(path: path).samples == expected)
        }
    }

    @Test("float encodings store values outside [-1, 1) as they are")
    func floatsDoNotClip() throws {
        let input: [Double] = [3.5, -1e6, 1.0, .infinity]
        try withTemporaryPath { path throws in
            let format = WAVFormat(sampleRate: 8000, channels: 1, encoding: .float64)
            #expect(try WAVWriter.writeAll(path: path, format: format, samples: input) == 0)
            #expect(try WAVReader.readAll(path: path).samples == input)
        }
    }

    @Test("a writer that is not closed patches its header when released")
    func deinitCloses() throws {
        let samples: [Double] = [0.25, -0.5, 0.75, -1]
        try withTemporaryPath { path in
            do {
                let writer = try WAVWriter(path: path, format: WAVFormat(sampleRate: 8000, channels: 2, encoding: .pcm16))
                try samples.withUnsafeBufferPointer { try writer.write($0) }
            }
            let bytes = try fileBytes(path)
            #expect(readUInt32(bytes, at: 40) == 8)
            #expect(try WAVReader.readAll(path: path).samples == samples)
        }
    }

    // MARK: - Empty, cut and unfinished files

    @Test("a header-only file has 0 frames")
    func headerOnly() throws {
        try withTemporaryPath { path in
            let format = WAVFormat(sampleRate: 44100, channels: 2, encoding: .pcm16)
            try WAVWriter(path: path, format: format).close()
            #expect(try fileBytes(path).count == 44)
            let reader = try WAVReader(path: path)
            #expect(reader.format == format)
            #expect(reader.frameCount == 0)
            var buffer = [Double](repeating: 0, count: 16)
            #expect(try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0, maxFrames: 8) } == 0)
            #expect(try WAVReader.readAll(path: path).samples.isEmpty)
        }
    }

    @Test("a file cut inside the data chunk reads the whole frames that are there")
    func cutInData() throws {
        let samples = (0 ..< 200).map { Double($0 - 100) / 128 }
        try withTemporaryPath { path in
            try WAVWriter.writeAll(path: path, format: WAVFormat(sampleRate: 8000, channels: 2, encoding: .pcm16), samples: samples)
            try writeBytes(Array(try fileBytes(path).prefix(44 + 37 * 4 + 3)), to: path)
            let reader = try WAVReader(path: path)
            #expect(reader.frameCount == 37)
            #expect(try WAVReader.readAll(path: path).samples == Array(samples.prefix(37 * 2)))
        }
    }

    @Test(
        "a file cut inside the fmt chunk throws truncated",
        arguments: [(channels: 2, cutAt: 30, expected: 16), (channels: 3, cutAt: 50, expected: 40)]
    )
    func cutInFormat(channels: Int, cutAt: Int, expected: Int) throws {
        try withTemporaryPath { path in
            try WAVWriter.writeAll(path: path, format: WAVFormat(sampleRate: 8000, channels: channels, encoding: .pcm16), samples: [])
            try writeBytes(Array(try fileBytes(path).prefix(cutAt)), to: path)
            let error = #expect(throws: WAVError.self) { _ = try WAVReader(path: path) }
            #expect(error == .truncated(path: path, chunk: "fmt ", expected: expected, available: cutAt - 20))
        }
    }

    @Test("a file that shrinks while open ends the stream at what is left")
    func shrinksWhileOpen() throws {
        let samples = (0 ..< 2000).map { Double($0 % 256 - 128) / 256 }
        try withTemporaryPath { path in
            try WAVWriter.writeAll(path: path, format: WAVFormat(sampleRate: 8000, channels: 2, encoding: .pcm16), samples: samples)
            let reader = try WAVReader(path: path)
            #expect(reader.frameCount == 1000)
            // In place, so that the open descriptor sees it (a rewrite might replace the file).
            #expect(truncate(path, off_t(44 + 100 * 4 + 1)) == 0)
            var buffer = [Double](repeating: .nan, count: 2000)
            #expect(try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0, maxFrames: 1000) } == 100)
            #expect(Array(buffer.prefix(200)) == Array(samples.prefix(200)))
            #expect(try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0, maxFrames: 1000) } == 0)
        }
    }

    @Test("unfinished sizes (0 or 0xFFFFFFFF) read the frames up to the end of the file", arguments: [UInt32(0), 0xFFFF_FFFF])
    func unfinishedSizes(placeholder: UInt32) throws {
        let samples = (0 ..< 30).map { Double($0) / 32 }
        try withTemporaryPath { path in
            try WAVWriter.writeAll(path: path, format: WAVFormat(sampleRate: 8000, channels: 3, encoding: .float32), samples: samples)
            var bytes = try fileBytes(path)
            bytes.replaceSubrange(4 ..< 8, with: littleEndian(placeholder))
            bytes.replaceSubrange(64 ..< 68, with: littleEndian(placeholder))
            bytes += [1, 2, 3, 4, 5]  // a partial frame, as a writer killed mid-buffer leaves
            try writeBytes(bytes, to: path)
            let reader = try WAVReader(path: path)
            #expect(reader.frameCount == 10)
            #expect(try WAVReader.readAll(path: path).samples == samples)
        }
    }

    @Test("an empty data chunk followed by other chunks is empty, not unfinished")
    func emptyDataBeforeTrailingChunk() throws {
        let file = riff([
            chunk("fmt ", formatBody(tag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16)),
            chunk("data", []),
            chunk("LIST", Array("INFOISFT\u{4}\0\0\0bssd".utf8)),
        ])
        try withTemporaryPath { path in
            try writeBytes(file, to: path)
            #expect(try WAVReader(path: path).frameCount == 0)
        }
    }

    // MARK: - Chunk layout

    @Test("unknown chunks, odd sizes with pad bytes, and data before fmt are handled")
    func unknownChunksSkipped() throws {
        let samples: [Int16] = [1000, -1000, 32767, -32768, 0, 1]
        let data = samples.flatMap { littleEndian(UInt16(bitPattern: $0)) }
        let format = chunk("fmt ", formatBody(tag: 1, channels: 2, sampleRate: 22050, bitsPerSample: 16))
        let expected = samples.map { Double($0) / 32768 }
        let layouts: [[[UInt8]]] = [
            [chunk("LIST", Array("abcde".utf8)), chunk("junk", [9, 9, 9]), format, chunk("fact", [3, 0, 0, 0]), chunk("data", data)],
            [chunk("LIST", [7]), chunk("data", data), chunk("odd ", [1, 2, 3]), format],
        ]
        for layout in layouts {
            try withTemporaryPath { path in
                try writeBytes(riff(layout), to: path)
                let (readFormat, readSamples) = try WAVReader.readAll(path: path)
                #expect(readFormat == WAVFormat(sampleRate: 22050, channels: 2, encoding: .pcm16))
                #expect(readSamples == expected)
            }
        }
    }

    @Test("WAVE_FORMAT_EXTENSIBLE with fewer valid bits than the container reads the container")
    func extensibleValidBits() throws {
        // 20 valid bits, left-justified in 24-bit containers: the low 4 bits are zero.
        let values: [Int32] = [0x7FFFF0, -0x800000, 0x000010]
        let data = values.flatMap { littleEndian(UInt32(bitPattern: $0)).prefix(3) }
        let file = riff([
            chunk("fmt ", extensibleFormatBody(subFormatTag: 1, channels: 1, bitsPerSample: 24, validBits: 20)),
            chunk("data", data),
        ])
        try withTemporaryPath { path in
            try writeBytes(file, to: path)
            let (format, samples) = try WAVReader.readAll(path: path)
            #expect(format.encoding == .pcm24)
            #expect(samples == values.map { Double($0) / 8_388_608 })
        }
    }

    // MARK: - Errors

    @Test(
        "unsupported encodings throw unsupportedFormat",
        arguments: [
            (tag: UInt16(1), bits: 8, extensible: false),  // 8-bit unsigned PCM
            (tag: 7, bits: 8, extensible: false),  // µ-law
            (tag: 2, bits: 4, extensible: false),  // Microsoft ADPCM
            (tag: 3, bits: 16, extensible: false),  // 16-bit float does not exist in WAV
            (tag: 1, bits: 8, extensible: true),
            (tag: 1, bits: 20, extensible: false),  // 20-bit PCM without a 24-bit container
        ]
    )
    func unsupported(tag: UInt16, bits: Int, extensible: Bool) throws {
        let body = extensible
            ? extensibleFormatBody(subFormatTag: tag, channels: 1, bitsPerSample: bits, validBits: bits)
            : formatBody(tag: tag, channels: 1, sampleRate: 8000, bitsPerSample: bits)
        try withTemporaryPath { path in
            try writeBytes(riff([chunk("fmt ", body), chunk("data", [0, 0, 0, 0])]), to: path)
            let error = #expect(throws: WAVError.self) { _ = try WAVReader(path: path) }
            #expect(error == .unsupportedFormat(path: path, formatTag: tag, bitsPerSample: bits))
            #expect(error?.description.contains("Supported are 16-, 24- and 32-bit integer PCM") == true)
        }
    }

    @Test("a non-standard extensible sub-format is reported as such")
    func unknownSubFormat() throws {
        var body = extensibleFormatBody(subFormatTag: 1, channels: 2, bitsPerSample: 16, validBits: 16)
        body[39] ^= 0xFF
        try withTemporaryPath { path in
            try writeBytes(riff([chunk("fmt ", body), chunk("data", [])]), to: path)
            let error = #expect(throws: WAVError.self) { _ = try WAVReader(path: path) }
            #expect(error == .unsupportedFormat(path: path, formatTag: 0xFFFE, bitsPerSample: 16))
        }
    }

    @Test("formats that describe no audio throw invalidFormat")
    func invalidFormats() throws {
        var zeroChannels = formatBody(tag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16)
        zeroChannels.replaceSubrange(2 ..< 4, with: [0, 0])
        let zeroRate = formatBody(tag: 1, channels: 1, sampleRate: 0, bitsPerSample: 16)
        var wrongBlockAlign = formatBody(tag: 1, channels: 2, sampleRate: 8000, bitsPerSample: 24)
        wrongBlockAlign.replaceSubrange(12 ..< 14, with: [8, 0])
        for body in [zeroChannels, zeroRate, wrongBlockAlign] {
            try withTemporaryPath { path in
                try writeBytes(riff([chunk("fmt ", body), chunk("data", [])]), to: path)
                let error = #expect(throws: WAVError.self) { _ = try WAVReader(path: path) }
                guard case let .invalidFormat(errorPath, _) = error else {
                    Issue.record("expected invalidFormat, got \(String(describing: error))")
                    return
                }
                #expect(errorPath == path)
            }
        }
    }

    @Test("missing chunks and chunks running past the end throw")
    func missingAndOverrunningChunks() throws {
        let format = chunk("fmt ", formatBody(tag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16))
        var overrunning = chunk("LIST", [1, 2, 3, 4])
        overrunning.replaceSubrange(4 ..< 8, with: littleEndian(UInt32(1000)))
        let cases: [(file: [UInt8], error: (String) -> WAVError)] = [
            (riff([format]), { .missingDataChunk(path: $0) }),
            (riff([chunk("data", [0, 0])]), { .missingFormatChunk(path: $0) }),
            (riff([chunk("fmt ", Array(repeating: 0, count: 14)), chunk("data", [])]),
             { .truncated(path: $0, chunk: "fmt ", expected: 16, available: 14) }),
            (riff([chunk("fmt ", formatBody(tag: 0xFFFE, channels: 1, sampleRate: 8000, bitsPerSample: 16)), chunk("data", [])]),
             { .truncated(path: $0, chunk: "fmt ", expected: 40, available: 18) }),
            (riff([format, overrunning]), { .truncated(path: $0, chunk: "LIST", expected: 1000, available: 4) }),
        ]
        for (file, expected) in cases {
            try withTemporaryPath { path in
                try writeBytes(file, to: path)
                let error = #expect(throws: WAVError.self) { _ = try WAVReader(path: path) }
                #expect(error == expected(path))
            }
        }
    }

    @Test("files that are not RIFF/WAVE throw notRIFFWAVE, short RIFF headers throw truncated")
    func notRIFF() throws {
        var random = SplitMix64(seed: 42)
        let randomBytes = (0 ..< 4096).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
        let cases: [(file: [UInt8], error: (String) -> WAVError)] = [
            (randomBytes, { .notRIFFWAVE(path: $0) }),
            (Array("RIFF\u{24}\0\0\0AVI LIST".utf8), { .notRIFFWAVE(path: $0) }),
            (Array("ID3".utf8), { .notRIFFWAVE(path: $0) }),
            ([], { .truncated(path: $0, chunk: "RIFF", expected: 12, available: 0) }),
            (Array("RIFF\0\0\0\0WA".utf8), { .truncated(path: $0, chunk: "RIFF", expected: 12, available: 10) }),
        ]
        for (file, expected) in cases {
            try withTemporaryPath { path in
                try writeBytes(file, to: path)
                let error = #expect(throws: WAVError.self) { _ = try WAVReader(path: path) }
                #expect(error == expected(path))
            }
        }
    }

    @Test("a path that cannot be opened throws cannotOpen naming the path")
    func cannotOpen() throws {
        let missing = temporaryPath()
        let error = #expect(throws: WAVError.self) { _ = try WAVReader(path: missing) }
        #expect(error == .cannotOpen(path: missing, reason: "No such file or directory"))
        #expect(error?.description.contains(missing) == true)

        let directory = FileManager.default.temporaryDirectory.path
        let directoryError = #expect(throws: WAVError.self) { _ = try WAVReader(path: directory) }
        #expect(directoryError == .cannotOpen(path: directory, reason: "it is not a regular file"))

        let unwritable = missing + "/no/such/directory/out.wav"
        let writeError = #expect(throws: WAVError.self) {
            _ = try WAVWriter(path: unwritable, format: WAVFormat(sampleRate: 8000, channels: 1, encoding: .pcm16))
        }
        #expect(writeError?.description.contains(unwritable) == true)
    }

    @Test("a failing write throws writeFailed naming the path", .enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func writeFailure() {
        // /dev/full accepts the open and fails every write with ENOSPC.
        let error = #expect(throws: WAVError.self) {
            try WAVWriter.writeAll(path: "/dev/full", format: WAVFormat(sampleRate: 8000, channels: 1, encoding: .pcm16), samples: [0.5])
        }
        #expect(error == .writeFailed(path: "/dev/full", reason: "No space left on device"))
        #expect(error?.description.contains("/dev/full") == true)
    }

    @Test("the writer refuses formats the header cannot hold, before creating the file")
    func writerRejectsInvalidFormats() {
        let formats = [
            WAVFormat(sampleRate: 8000, channels: 0, encoding: .pcm16),
            WAVFormat(sampleRate: 0, channels: 1, encoding: .pcm16),
            WAVFormat(sampleRate: 8000, channels: 70000, encoding: .pcm16),
            WAVFormat(sampleRate: 1 << 31, channels: 8, encoding: .float64),
        ]
        for format in formats {
            let path = temporaryPath()
            let error = #expect(throws: WAVError.self) { _ = try WAVWriter(path: path, format: format) }
            guard case .invalidFormat(path, _) = error else {
                Issue.record("expected invalidFormat for \(format), got \(String(describing: error))")
                continue
            }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("damaged headers never crash: every mutant reads or throws")
    func mutatedHeadersDoNotCrash() throws {
        var random = SplitMix64(seed: 2024)
        let samples = representableSamples(.pcm24, count: 3 * 64, using: &random)
        var original: [UInt8] = []
        try withTemporaryPath { path in
            try WAVWriter.writeAll(path: path, format: WAVFormat(sampleRate: 16000, channels: 3, encoding: .pcm24), samples: samples)
            original = try fileBytes(path)
        }
        var outcomes = (read: 0, thrown: 0)
        for _ in 0 ..< 1500 {
            var mutant = Array(original.prefix(Int.random(in: 0 ... original.count, using: &random)))
            for _ in 0 ..< Int.random(in: 0 ... 4, using: &random) where !mutant.isEmpty {
                // Mostly the header, where the sizes and fields are.
                let index = Int.random(in: 0 ..< min(mutant.count, 72), using: &random)
                mutant[index] = UInt8.random(in: 0 ... 255, using: &random)
            }
            try withTemporaryPath { path in
                try writeBytes(mutant, to: path)
                do {
                    let (format, read) = try WAVReader.readAll(path: path)
                    #expect(read.count % format.channels == 0)
                    #expect(read.count * format.encoding.bytesPerSample <= mutant.count)
                    outcomes.read += 1
                } catch {
                    outcomes.thrown += 1
                }
            }
        }
        // Both paths must be exercised, or the mutation is not testing anything.
        #expect(outcomes.read > 100)
        #expect(outcomes.thrown > 100)
    }

    // MARK: - Interoperability with sox

    /// sox is an optional dependency of the test suite: without it these tests are skipped.
    static let sox = ProcessInfo.processInfo.environment["PATH", default: "/usr/bin"]
        .split(separator: ":")
        .map { "\($0)/sox" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(
        "a 24-bit 3-channel extensible file made by sox reads correctly",
        .enabled(if: WAVTests.sox != nil, "sox is not installed")
    )
    func readsSoxOutput() throws {
        try withTemporaryPath { path in
            // The rate goes before `-n` so that synth runs at 16 kHz: with `-n -r 16000` sox 14.4
            // synthesises at 48 kHz and resamples, which leaves the peak at 0.705.
            try run(Self.sox, ["-r", "16000", "-n", "-c", "3", "-b", "24", path, "synth", "0.1", "sine", "440"])
            #expect(readUInt16(try fileBytes(path), at: 20) == 0xFFFE, "sox should write WAVE_FORMAT_EXTENSIBLE here")
            let (format, samples) = try WAVReader.readAll(path: path)
            #expect(format == WAVFormat(sampleRate: 16000, channels: 3, encoding: .pcm24))
            #expect(samples.count == 1600 * 3)
            for frame in stride(from: 0, to: samples.count, by: 3) {
                #expect(samples[frame] == samples[frame + 1] && samples[frame] == samples[frame + 2])
            }
            let peak = samples.map(abs).max() ?? 0
            #expect(abs(peak - 1) < 1e-3)
            let firstChannel = stride(from: 0, to: samples.count, by: 3).map { samples[$0] }
            let sine = (0 ..< 1600).map { sin(2 * Double.pi * 440 * Double($0) / 16000) }
            let worst = zip(firstChannel, sine).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-5, "sox's sine and the expected sine differ by \(worst)")
        }
    }

    @Test(
        "sox reads what the writer writes",
        .enabled(if: WAVTests.sox != nil, "sox is not installed"),
        arguments: SampleEncoding.allCases, [1, 6]
    )
    func soxReadsOutput(encoding: SampleEncoding, channels: Int) throws {
        var random = SplitMix64(seed: 99)
        // Halving keeps float samples exact and brings them into sox's [-1, 1] range.
        let samples = representableSamples(encoding, count: 301 * channels, using: &random)
            .map { encoding.isFloatingPoint ? $0 / 2 : $0 }
        let format = WAVFormat(sampleRate: 22050, channels: channels, encoding: encoding)
        try withTemporaryPath { path in
            try WAVWriter.writeAll(path: path, format: format, samples: samples)
            let info = try ["-r", "-c", "-s"].map { try run(Self.sox, ["--i", $0, path]) }
            #expect(info == ["22050\n", "\(channels)\n", "301\n"])
            // sox decodes to its own 32-bit integer samples, so floats only agree to that precision.
            let raw = try output(of: Self.sox, [path, "-t", "f64", "-"])
            let decoded = raw.withUnsafeBytes { bytes in
                (0 ..< raw.count / 8).map {
                    Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))
                }
            }
            #expect(decoded.count == samples.count)
            #expect(zip(decoded, samples).allSatisfy { abs($0 - $1) < 1e-8 })
        }
    }
}

// MARK: - Helpers


/// Samples the encoding stores exactly: integer-grid values including both extremes for PCM,
/// values rounded to `Float` for float32, and values beyond ±1 for the float encodings.
private func representableSamples(_ encoding: SampleEncoding, count: Int, using random: inout SplitMix64) -> [Double] {
    (0 ..< count).map { index in
        switch encoding {
        case .pcm16, .pcm24, .pcm32:
            let fullScale = 1 << (encoding.bitsPerSample - 1)
            let value = switch index {
            case 0: -fullScale
            case 1: fullScale - 1
            default: Int.random(in: -fullScale ..< fullScale, using: &random)
            }
            return Double(value) / Double(fullScale)
        case .float32:
            return Double(Float.random(in: -2 ... 2, using: &random))
        case .float64:
            return Double.random(in: -2 ... 2, using: &random)
        }
    }
}

private func temporaryPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("bssd-wav-test-\(UUID().uuidString).wav").path
}

private func withTemporaryPath(_ body: (String) throws -> Void) throws {
    let path = temporaryPath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    try body(path)
}

private func fileBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// stdio rather than `Data.write`, which fsyncs every file and makes the mutation test crawl
/// on a busy disk.
private func writeBytes(_ bytes: [UInt8], to path: String) throws {
    let file = try #require(fopen(path, "wb"), "cannot create \(path)")
    let written = fwrite(bytes, 1, bytes.count, file)
    #expect(fclose(file) == 0 && written == bytes.count, "cannot write \(path)")
}

private func readUInt16(_ bytes: [UInt8], at offset: Int) -> UInt16 {
    UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
}

private func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(readUInt16(bytes, at: offset)) | UInt32(readUInt16(bytes, at: offset + 2)) << 16
}

private func littleEndian<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

private func chunk(_ id: String, _ body: [UInt8]) -> [UInt8] {
    Array(id.utf8) + littleEndian(UInt32(body.count)) + body + (body.count % 2 == 1 ? [0] : [])
}

private func riff(_ chunks: [[UInt8]]) -> [UInt8] {
    let body = Array("WAVE".utf8) + chunks.joined()
    return Array("RIFF".utf8) + littleEndian(UInt32(body.count)) + body
}

/// A 16-byte `WAVEFORMATEX` body with consistent block align and byte rate (2 extra bytes of
/// `cbSize` for the extensible tag, so the body is visibly too short for it).
private func formatBody(tag: UInt16, channels: Int, sampleRate: Int, bitsPerSample: Int) -> [UInt8] {
    let blockAlign = channels * ((bitsPerSample + 7) / 8)
    return littleEndian(tag) + littleEndian(UInt16(channels)) + littleEndian(UInt32(sampleRate))
        + littleEndian(UInt32(sampleRate * blockAlign)) + littleEndian(UInt16(blockAlign))
        + littleEndian(UInt16(bitsPerSample)) + (tag == 0xFFFE ? [0, 0] : [])
}

private func extensibleFormatBody(subFormatTag: UInt16, channels: Int, bitsPerSample: Int, validBits: Int) -> [UInt8] {
    var body = formatBody(tag: 0xFFFE, channels: channels, sampleRate: 8000, bitsPerSample: bitsPerSample)
    body.replaceSubrange(16 ..< 18, with: littleEndian(UInt16(22)))
    body += littleEndian(UInt16(validBits)) + littleEndian(UInt32(0)) + littleEndian(UInt32(subFormatTag))
    body += [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
    return body
}

@discardableResult
private func run(_ executable: String?, _ arguments: [String]) throws -> String {
    String(decoding: try output(of: executable, arguments), as: UTF8.self)
}

/// Runs a tool to completion and returns its standard output; a non-zero exit fails the test.
private func output(of executable: String?, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(executable))
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(executable ?? "") \(arguments.joined(separator: " ")) failed")
    return data
}

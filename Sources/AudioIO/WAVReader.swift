import Glibc
import SystemCalls

/// Streams the samples of a WAV file as floating-point frames.
///
/// The file is treated as untrusted: every size in it is checked against the file's real length
/// before use, so a damaged or hostile file ends in a `WAVError`, never in a crash or in a read
/// past the end. Recordings that were never finished (a writer that died, or one streaming to a
/// file with placeholder sizes) are read as far as they go, in whole frames.
///
/// Reads use `pread` at absolute offsets, so the reader keeps no file position that could drift
/// from its frame counter.
public final class WAVReader {
    public let format: WAVFormat
    /// Whole frames in the data chunk, fixed when the file is opened.
    public let frameCount: Int

    private let path: String
    private let descriptor: Int32
    private let dataOffset: Int
    private var nextFrame = 0
    /// Raw bytes between the file and the conversion, allocated once so that `read` does not
    /// allocate on the audio path.
    private let scratch: UnsafeMutableRawBufferPointer

    private static let scratchBytes = 64 * 1024

    public init(path: String) throws(WAVError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: Errno.current.description) }
        let layout: Layout
        do {
            layout = try Self.parse(descriptor: descriptor, path: path)
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
        self.path = path
        self.descriptor = descriptor
        self.format = layout.format
        self.dataOffset = layout.dataOffset
        self.frameCount = layout.dataBytes / layout.format.bytesPerFrame
        self.scratch = .allocate(
            byteCount: max(Self.scratchBytes, layout.format.bytesPerFrame),
            alignment: MemoryLayout<Double>.alignment
        )
    }

    deinit {
        _ = Glibc.close(descriptor)
        scratch.deallocate()
    }

    /// Reads up to `maxFrames` interleaved frames, never more than `buffer` holds, converted to
    /// [-1, 1) for integer encodings and unscaled for float ones. Returns the number of frames
    /// written to the start of `buffer`; 0 means the end of the data (or a request for none).
    public func read(into buffer: UnsafeMutableBufferPointer<Double>, maxFrames: Int) throws(WAVError) -> Int {
        try readFrames(into: buffer, maxFrames: maxFrames)
    }

    /// As the `Double` variant, for a `Float` pipeline: converting here saves a second pass and a
    /// second buffer. 32-bit integer and 64-bit float samples are rounded to `Float`.
    public func read(into buffer: UnsafeMutableBufferPointer<Float>, maxFrames: Int) throws(WAVError) -> Int {
        try readFrames(into: buffer, maxFrames: maxFrames)
    }

    /// Reads a whole file at once, for tools and tests rather than the real-time path.
    public static func readAll(path: String) throws(WAVError) -> (format: WAVFormat, samples: [Double]) {
        let reader = try WAVReader(path: path)
        var samples = [Double](repeating: 0, count: reader.frameCount * reader.format.channels)
        let frames = try samples.withUnsafeMutableBufferPointer { buffer throws(WAVError) in
            try reader.read(into: buffer, maxFrames: reader.frameCount)
        }
        // Fewer frames than counted only if the file shrank after it was opened.
        samples.removeLast(samples.count - frames * reader.format.channels)
        return (reader.format, samples)
    }

    // MARK: - Streaming

    private func readFrames<Sample: BinaryFloatingPoint>(
        into buffer: UnsafeMutableBufferPointer<Sample>,
        maxFrames: Int
    ) throws(WAVError) -> Int {
        guard let output = buffer.baseAddress else { return 0 }
        let bytesPerFrame = format.bytesPerFrame
        let wanted = min(max(0, maxFrames), buffer.count / format.channels, frameCount - nextFrame)
        var done = 0
        while done < wanted {
            let frames = min(wanted - done, scratch.count / bytesPerFrame)
            let chunk = UnsafeMutableRawBufferPointer(rebasing: scratch[0 ..< frames * bytesPerFrame])
            let got = try Self.readFully(descriptor, path: path, into: chunk, at: dataOffset + nextFrame * bytesPerFrame)
            let whole = got / bytesPerFrame
            decode(UnsafeRawBufferPointer(rebasing: chunk[0 ..< whole * bytesPerFrame]), into: output + done * format.channels)
            done += whole
            nextFrame += whole
            if whole < frames {
                // The file shrank since it was opened: what is gone cannot be read later either.
                nextFrame = frameCount
                break
            }
        }
        return done
    }

    /// One loop per encoding, chosen once per chunk, so the per-sample work is a load, a
    /// conversion and a multiply by an exact power of two.
    private func decode<Sample: BinaryFloatingPoint>(_ raw: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<Sample>) {
        let count = raw.count / format.encoding.bytesPerSample
        switch format.encoding {
        case .pcm16:
            let scale = 1 / Sample(32768)
            for i in 0 ..< count {
                output[i] = Sample(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) * scale
            }
        case .pcm24:
            let scale = 1 / Sample(8_388_608)
            for i in 0 ..< count {
                let low = Int32(raw[3 * i]) | Int32(raw[3 * i + 1]) << 8
                output[i] = Sample(low | Int32(Int8(bitPattern: raw[3 * i + 2])) << 16) * scale
            }
        case .pcm32:
            let scale = 1 / Sample(2_147_483_648)
            for i in 0 ..< count {
                output[i] = Sample(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) * scale
            }
        case .float32:
            for i in 0 ..< count {
                let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                output[i] = Sample(Float(bitPattern: bits))
            }
        case .float64:
            for i in 0 ..< count {
                let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                output[i] = Sample(Double(bitPattern: bits))
            }
        }
    }

    // MARK: - Parsing

    private struct Layout {
        var format: WAVFormat
        var dataOffset: Int
        var dataBytes: Int
    }

    private static let riffHeaderBytes = 12
    private static let chunkHeaderBytes = 8
    /// `WAVEFORMATEX` without extension, then `WAVEFORMATEXTENSIBLE`: the only two layouts read.
    private static let plainFormatBytes = 16
    private static let extensibleFormatBytes = 40

    private static func parse(descriptor: Int32, path: String) throws(WAVError) -> Layout {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .cannotOpen(path: path, reason: Errno.current.description) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .cannotOpen(path: path, reason: "it is not a regular file")
        }
        let fileSize = Int(info.st_size)

        let riff = try readBytes(descriptor, path: path, count: riffHeaderBytes, at: 0)
        guard riff.count == riffHeaderBytes else {
            // A short file that begins like a WAV file was cut; anything else is simply not one.
            guard riff.prefix(4).elementsEqual("RIFF".utf8.prefix(riff.count)) else { throw .notRIFFWAVE(path: path) }
            throw .truncated(path: path, chunk: "RIFF", expected: riffHeaderBytes, available: riff.count)
        }
        guard riff[0 ..< 4].elementsEqual("RIFF".utf8), riff[8 ..< 12].elementsEqual("WAVE".utf8) else {
            throw .notRIFFWAVE(path: path)
        }
        let riffEnd = chunkHeaderBytes + Int(littleEndianUInt32(riff, at: 4))

        var format: WAVFormat?
        var data: (offset: Int, bytes: Int)?
        var offset = riffHeaderBytes
        // A partial chunk header at the very end is trailing junk, not a chunk.
        while offset + chunkHeaderBytes <= fileSize, format == nil || data == nil {
            let header = try readBytes(descriptor, path: path, count: chunkHeaderBytes, at: offset)
            guard header.count == chunkHeaderBytes else { break }  // the file shrank under us
            let size = Int(littleEndianUInt32(header, at: 4))
            let body = offset + chunkHeaderBytes
            let available = fileSize - body
            let id = header[0 ..< 4]

            if id.elementsEqual("data".utf8) {
                // Writers that stream leave the size as 0 or 0xFFFFFFFF until they finish, and a
                // writer that died never patches it; then the samples run to the end of the file.
                // A 0 is only such a placeholder if the RIFF size does not vouch for anything
                // after this header, otherwise it is a genuinely empty chunk.
                let unfinished = size > available || (size == 0 && riffEnd <= body)
                data = (body, unfinished ? available : size)
                if unfinished { break }
            } else {
                guard size <= available else {
                    throw .truncated(path: path, chunk: chunkName(id), expected: size, available: available)
                }
                if id.elementsEqual("fmt ".utf8) {
                    let bytes = try readBytes(descriptor, path: path, count: min(size, extensibleFormatBytes), at: body)
                    format = try parseFormat(bytes, path: path)
                }
            }
            offset = body + size + size % 2  // chunks are padded to even length
        }

        guard let format else { throw .missingFormatChunk(path: path) }
        guard let data else { throw .missingDataChunk(path: path) }
        return Layout(format: format, dataOffset: data.offset, dataBytes: data.bytes)
    }

    /// Reads a `WAVEFORMATEX` or `WAVEFORMATEXTENSIBLE`. For the latter the valid-bits field is
    /// ignored: samples are left-justified in their container, so decoding the container width
    /// gives the right value whatever the number of valid bits. The channel mask is ignored
    /// because bssd's channels are microphones, not loudspeaker positions.
    private static func parseFormat(_ bytes: [UInt8], path: String) throws(WAVError) -> WAVFormat {
        guard bytes.count >= plainFormatBytes else {
            throw .truncated(path: path, chunk: "fmt ", expected: plainFormatBytes, available: bytes.count)
        }
        var tag = littleEndianUInt16(bytes, at: 0)
        let channels = Int(littleEndianUInt16(bytes, at: 2))
        let sampleRate = Int(littleEndianUInt32(bytes, at: 4))
        let blockAlign = Int(littleEndianUInt16(bytes, at: 12))
        let bitsPerSample = Int(littleEndianUInt16(bytes, at: 14))

        if tag == SampleEncoding.formatTagExtensible {
            guard bytes.count >= extensibleFormatBytes else {
                throw .truncated(path: path, chunk: "fmt ", expected: extensibleFormatBytes, available: bytes.count)
            }
            let subFormat = littleEndianUInt32(bytes, at: 24)
            if subFormat <= UInt32(UInt16.max), bytes[28 ..< 40].elementsEqual(SampleEncoding.subFormatGUIDTail) {
                tag = UInt16(subFormat)
            }
        }
        guard channels > 0 else { throw .invalidFormat(path: path, reason: "the header declares 0 channels") }
        guard sampleRate > 0 else { throw .invalidFormat(path: path, reason: "the header declares a sample rate of 0 Hz") }
        guard let encoding = SampleEncoding(formatTag: tag, bitsPerSample: bitsPerSample) else {
            throw .unsupportedFormat(path: path, formatTag: tag, bitsPerSample: bitsPerSample)
        }
        let format = WAVFormat(sampleRate: sampleRate, channels: channels, encoding: encoding)
        guard blockAlign == format.bytesPerFrame else {
            throw .invalidFormat(
                path: path,
                reason: "the header declares \(blockAlign)-byte frames, but \(channels) channels of "
                    + "\(bitsPerSample)-bit samples take \(format.bytesPerFrame) bytes"
            )
        }
        return format
    }

    // MARK: - Bytes

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    private static func readFully(
        _ descriptor: Int32,
        path: String,
        into buffer: UnsafeMutableRawBufferPointer,
        at offset: Int
    ) throws(WAVError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let result: Int
            do throws(Errno) {
                result = try Errno.retryingOnInterrupt { pread(descriptor, base + done, buffer.count - done, off_t(offset + done)) }
            } catch {
                throw .readFailed(path: path, reason: error.description)
            }
            if result == 0 { break }
            done += result
        }
        return done
    }

    /// Header-sized reads; shorter than `count` only at the end of the file.
    private static func readBytes(_ descriptor: Int32, path: String, count: Int, at offset: Int) throws(WAVError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let read = try bytes.withUnsafeMutableBufferPointer { buffer throws(WAVError) in
            try readFully(descriptor, path: path, into: UnsafeMutableRawBufferPointer(buffer), at: offset)
        }
        bytes.removeLast(count - read)
        return bytes
    }

    private static func littleEndianUInt16(_ bytes: [UInt8], at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func littleEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(littleEndianUInt16(bytes, at: offset)) | UInt32(littleEndianUInt16(bytes, at: offset + 2)) << 16
    }

    /// Chunk ids are four ASCII characters; a damaged one is shown with `?` for the rest so the
    /// message stays printable.
    private static func chunkName(_ id: ArraySlice<UInt8>) -> String {
        String(id.map { (0x20 ... 0x7E).contains($0) ? Character(Unicode.Scalar($0)) : "?" })
    }
}

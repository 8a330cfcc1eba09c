import Glibc
import SystemCalls

/// Writes interleaved floating-point frames to a WAV file.
///
/// The header is written with placeholder sizes that `close()` patches, so a recording that is
/// cut off (crash, power loss) still has a valid header and `WAVReader` recovers the samples
/// that reached the file. Samples pass through a 64 KiB buffer: one system call per buffer,
/// not per sample.
///
/// The header is `WAVE_FORMAT_EXTENSIBLE` whenever there are more than two channels or more than
/// 16 bits per sample, as Microsoft's WAV guidance asks, and plain PCM otherwise for the widest
/// compatibility. Its channel mask is 0 ("no speaker positions"), because bssd's channels are
/// microphones or separated sources. There is no `fact` chunk: its sample count is redundant
/// with the data size for uncompressed audio and readers do not need it.
public final class WAVWriter {
    public let format: WAVFormat
    /// Integer samples that were outside [-1, 1) (or NaN) and were written as the nearest
    /// representable value (NaN as 0). Callers should warn when this is non-zero: the file is
    /// distorted. Float encodings store every value as it is and never clip.
    public private(set) var clippedSamples = 0

    private let path: String
    /// -1 once closed.
    private var descriptor: Int32
    private let headerBytes: Int
    private var dataBytes = 0
    private let buffer: UnsafeMutableRawPointer
    private var buffered = 0

    private static let bufferBytes = 64 * 1024

    public init(path: String, format: WAVFormat) throws(WAVError) {
        let header = try Self.header(for: format, path: path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: Errno.current.description) }
        self.path = path
        self.format = format
        self.descriptor = descriptor
        self.headerBytes = header.count
        // The header rides along with the first buffer of samples: one write instead of two.
        self.buffer = .allocate(byteCount: Self.bufferBytes, alignment: MemoryLayout<Double>.alignment)
        buffer.copyMemory(from: header, byteCount: header.count)
        buffered = header.count
    }

    deinit {
        try? close()
        buffer.deallocate()
    }

    /// Appends interleaved samples; `samples.count` must be a whole number of frames.
    public func write(_ samples: UnsafeBufferPointer<Double>) throws(WAVError) {
        precondition(descriptor >= 0, "WAVWriter.write(_:) called after close()")
        precondition(
            samples.count % format.channels == 0,
            "WAVWriter.write(_:) got \(samples.count) samples, not a whole number of \(format.channels)-channel frames"
        )
        let bytesPerSample = format.encoding.bytesPerSample
        // The RIFF size is 32 bits and must still count the header and a pad byte.
        guard dataBytes + samples.count * bytesPerSample <= Int(UInt32.max) - (headerBytes - 8) - 1 else {
            throw .writeFailed(path: path, reason: "a WAV file cannot hold more than 4 GiB of samples")
        }
        var written = 0
        while written < samples.count {
            if Self.bufferBytes - buffered < bytesPerSample { try flush() }
            let count = min(samples.count - written, (Self.bufferBytes - buffered) / bytesPerSample)
            encode(UnsafeBufferPointer(rebasing: samples[written ..< written + count]), into: buffer + buffered)
            buffered += count * bytesPerSample
            dataBytes += count * bytesPerSample
            written += count
        }
    }

    /// Flushes, adds the pad byte an odd-sized data chunk needs, and patches the RIFF and data
    /// sizes. Calling it again does nothing; `deinit` calls it (ignoring errors) for a writer
    /// that was not closed, but only an explicit call can report a failure.
    public func close() throws(WAVError) {
        guard descriptor >= 0 else { return }
        defer { descriptor = -1 }
        do {
            if dataBytes % 2 == 1 {
                if buffered == Self.bufferBytes { try flush() }
                buffer.storeBytes(of: 0, toByteOffset: buffered, as: UInt8.self)
                buffered += 1
            }
            try flush()
            let fileBytes = headerBytes + dataBytes + dataBytes % 2
            try patch(UInt32(fileBytes - 8), at: 4)
            try patch(UInt32(dataBytes), at: headerBytes - 4)
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
        guard Glibc.close(descriptor) == 0 else { throw .writeFailed(path: path, reason: Errno.current.description) }
    }

    /// Writes a whole file at once; returns `clippedSamples` so that callers can warn.
    @discardableResult
    public static func writeAll(path: String, format: WAVFormat, samples: [Double]) throws(WAVError) -> Int {
        let writer = try WAVWriter(path: path, format: format)
        try samples.withUnsafeBufferPointer { samples throws(WAVError) in try writer.write(samples) }
        try writer.close()
        return writer.clippedSamples
    }

    // MARK: - Encoding

    private func encode(_ samples: UnsafeBufferPointer<Double>, into output: UnsafeMutableRawPointer) {
        var clipped = 0
        switch format.encoding {
        case .pcm16:
            for (i, sample) in samples.enumerated() {
                let value = quantize(sample, fullScale: 32768, clipped: &clipped)
                output.storeBytes(of: Int16(truncatingIfNeeded: value).littleEndian, toByteOffset: 2 * i, as: Int16.self)
            }
        case .pcm24:
            for (i, sample) in samples.enumerated() {
                let value = quantize(sample, fullScale: 8_388_608, clipped: &clipped)
                output.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: 3 * i, as: UInt8.self)
                output.storeBytes(of: UInt8(truncatingIfNeeded: value >> 8), toByteOffset: 3 * i + 1, as: UInt8.self)
                output.storeBytes(of: UInt8(truncatingIfNeeded: value >> 16), toByteOffset: 3 * i + 2, as: UInt8.self)
            }
        case .pcm32:
            for (i, sample) in samples.enumerated() {
                let value = quantize(sample, fullScale: 2_147_483_648, clipped: &clipped)
                output.storeBytes(of: Int32(truncatingIfNeeded: value).littleEndian, toByteOffset: 4 * i, as: Int32.self)
            }
        case .float32:
            for (i, sample) in samples.enumerated() {
                output.storeBytes(of: Float(sample).bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        case .float64:
            for (i, sample) in samples.enumerated() {
                output.storeBytes(of: sample.bitPattern.littleEndian, toByteOffset: 8 * i, as: UInt64.self)
            }
        }
        clippedSamples += clipped
    }

    // MARK: - File

    private func flush() throws(WAVError) {
        var done = 0
        while done < buffered {
            let result: Int
            do throws(Errno) {
                result = try Errno.retryingOnInterrupt { Glibc.write(descriptor, buffer + done, buffered - done) }
            } catch {
                throw .writeFailed(path: path, reason: error.description)
            }
            guard result > 0 else { throw .writeFailed(path: path, reason: "the system accepted no bytes") }
            done += result
        }
        buffered = 0
    }

    private func patch(_ value: UInt32, at offset: Int) throws(WAVError) {
        let result = withUnsafeBytes(of: value.littleEndian) { pwrite(descriptor, $0.baseAddress, 4, off_t(offset)) }
        guard result == 4 else {
            throw .writeFailed(path: path, reason: result < 0 ? Errno.current.description : "the header could not be updated")
        }
    }

    /// Builds the header with zero sizes; also where a format the header cannot express is
    /// refused, before any file is created.
    private static func header(for format: WAVFormat, path: String) throws(WAVError) -> [UInt8] {
        let encoding = format.encoding
        guard format.channels > 0, format.channels <= Int(UInt16.max) else {
            throw .invalidFormat(path: path, reason: "\(format.channels) channels; a WAV file holds 1 to 65535")
        }
        guard format.sampleRate > 0, format.sampleRate <= Int(UInt32.max) else {
            throw .invalidFormat(
                path: path,
                reason: "a sample rate of \(format.sampleRate) Hz; a WAV file holds 1 to 4294967295 Hz"
            )
        }
        guard format.bytesPerFrame <= Int(UInt16.max), format.sampleRate * format.bytesPerFrame <= Int(UInt32.max) else {
            throw .invalidFormat(
                path: path,
                reason: "\(format.channels) channels of \(encoding.bitsPerSample)-bit samples at \(format.sampleRate) Hz "
                    + "exceed the header's frame-size or byte-rate fields"
            )
        }
        let extensible = format.channels > 2 || encoding.bitsPerSample > 16
        var header: [UInt8] = []
        func append<Integer: FixedWidthInteger>(_ value: Integer) {
            withUnsafeBytes(of: value.littleEndian) { header.append(contentsOf: $0) }
        }
        header.append(contentsOf: "RIFF".utf8)
        append(UInt32(0))
        header.append(contentsOf: "WAVEfmt ".utf8)
        append(UInt32(extensible ? 40 : 16))
        append(extensible ? SampleEncoding.formatTagExtensible : encoding.formatTag)
        append(UInt16(format.channels))
        append(UInt32(format.sampleRate))
        append(UInt32(format.sampleRate * format.bytesPerFrame))
        append(UInt16(format.bytesPerFrame))
        append(UInt16(encoding.bitsPerSample))
        if extensible {
            append(UInt16(22))  // size of the extension that follows
            append(UInt16(encoding.bitsPerSample))  // valid bits: the whole container
            append(UInt32(0))  // channel mask
            append(UInt32(encoding.formatTag))
            header.append(contentsOf: SampleEncoding.subFormatGUIDTail)
        }
        header.append(contentsOf: "data".utf8)
        append(UInt32(0))
        return header
    }
}

/// Why a WAV file could not be read or written.
///
/// Every case carries the path because these errors surface far from the call that opened the
/// file (a daemon log line, a CLI message) and "not a WAV file" without a name is useless there.
/// The cases keep their evidence as plain values so that callers and tests can match on it;
/// `description` turns it into a sentence for a person.
public enum WAVError: Error, Equatable, CustomStringConvertible {
    /// `open` or `fstat` failed, or the path is not a regular file. `reason` is the system's text.
    case cannotOpen(path: String, reason: String)
    /// The first 12 bytes are not `RIFF....WAVE`: some other container (RF64, W64, AIFF, MP3...)
    /// or no audio at all.
    case notRIFFWAVE(path: String)
    /// A chunk the reader needs runs past the end of the file (or is shorter than its fixed
    /// layout). `chunk` is its four-character id, `expected` and `available` are byte counts.
    case truncated(path: String, chunk: String, expected: Int, available: Int)
    case missingFormatChunk(path: String)
    case missingDataChunk(path: String)
    /// The file is well formed but its samples are not one of `SampleEncoding`. `formatTag` is the
    /// effective tag: the sub-format's for `WAVE_FORMAT_EXTENSIBLE`, or 0xFFFE itself when the
    /// sub-format GUID is not one of the standard ones.
    case unsupportedFormat(path: String, formatTag: UInt16, bitsPerSample: Int)
    /// Format fields that cannot describe any audio (zero channels or sample rate, a block size
    /// that contradicts channels × sample size) or that the header cannot represent on writing.
    case invalidFormat(path: String, reason: String)
    /// `read` failed after the file was opened (I/O error, file replaced...).
    case readFailed(path: String, reason: String)
    /// `write`, `pwrite` or `close` failed, or the file would outgrow the 4 GiB RIFF limit.
    /// The file on disk is incomplete.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            "Cannot open '\(path)': \(reason). Check that the path is right and that bssd may access it."
        case let .notRIFFWAVE(path):
            "'\(path)' is not a WAV file: it does not start with a RIFF/WAVE header. "
                + "Convert it to WAV first, e.g. `sox input output.wav`."
        case let .truncated(path, chunk, expected, available):
            "'\(path)' is cut short: its '\(chunk)' chunk needs \(expected) bytes but only \(available) "
                + "are there. The file is incomplete or damaged; copy or export it again."
        case let .missingFormatChunk(path):
            "'\(path)' has no 'fmt ' chunk, so the format of its samples is unknown. "
                + "The file is damaged; export it again."
        case let .missingDataChunk(path):
            "'\(path)' has no 'data' chunk: the file holds no samples. The file is damaged; export it again."
        case let .unsupportedFormat(path, formatTag, bitsPerSample):
            "'\(path)' holds \(Self.name(ofFormatTag: formatTag, bitsPerSample: bitsPerSample)), "
                + "which bssd cannot read. Supported are 16-, 24- and 32-bit integer PCM and 32- and 64-bit "
                + "IEEE float, plain or WAVE_FORMAT_EXTENSIBLE. Convert the file, "
                + "e.g. `sox input.wav -e signed-integer -b 16 output.wav`."
        case let .invalidFormat(path, reason):
            "The format of '\(path)' is invalid: \(reason)."
        case let .readFailed(path, reason):
            "Reading '\(path)' failed: \(reason). Check the disk or the file system it is on."
        case let .writeFailed(path, reason):
            "Writing '\(path)' failed: \(reason). The file is incomplete; check free space and permissions."
        }
    }

    /// Names the common tags so that the message says "µ-law" rather than leaving the user to
    /// look up 0x0007.
    private static func name(ofFormatTag tag: UInt16, bitsPerSample bits: Int) -> String {
        let hex = String(tag, radix: 16, uppercase: true)
        let code = "format tag 0x" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return switch tag {
        case 0x0001: "\(bits)-bit integer PCM"
        case 0x0003: "\(bits)-bit IEEE float"
        case 0x0002: "Microsoft ADPCM (\(code))"
        case 0x0006: "A-law (\(code))"
        case 0x0007: "µ-law (\(code))"
        case 0x0011: "IMA ADPCM (\(code))"
        case 0x0055: "MPEG Layer III (\(code))"
        case 0xFFFE: "WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format"
        default: "\(code), \(bits) bits per sample"
        }
    }
}

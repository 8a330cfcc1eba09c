/// The shape of the samples in a WAV file: everything needed to interpret or produce its data
/// chunk, and nothing about how the header spells it (plain or `WAVE_FORMAT_EXTENSIBLE`), which
/// the reader accepts either way and the writer chooses by itself.
public struct WAVFormat: Equatable, Sendable {
    /// Frames per second. Positive; the writer rejects formats whose byte rate would not fit the
    /// header's 32-bit field.
    public var sampleRate: Int
    /// Samples per frame, interleaved in the data chunk. For bssd these are microphones or
    /// separated sources, not loudspeaker positions.
    public var channels: Int
    public var encoding: SampleEncoding

    public init(sampleRate: Int, channels: Int, encoding: SampleEncoding) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.encoding = encoding
    }

    /// The data chunk's stride: whole frames are the unit of every read, write and truncation.
    public var bytesPerFrame: Int { channels * encoding.bytesPerSample }
}

/// How one sample is stored. Only linear encodings that map to the engine's floating point by a
/// scale factor are here: 8-bit PCM is unsigned and too coarse for separation, and companded or
/// compressed encodings (µ-law, A-law, ADPCM) would need a codec.
public enum SampleEncoding: Sendable, Hashable, CaseIterable {
    /// Signed integers, read as value / 2^(bits-1): a power of two, so every integer value maps
    /// to a `Double` and back exactly.
    case pcm16, pcm24, pcm32
    /// IEEE floats, passed through unscaled: they already are the engine's representation,
    /// including values beyond ±1.
    case float32, float64

    /// The container width, which is also the header's `wBitsPerSample`.
    public var bitsPerSample: Int {
        switch self {
        case .pcm16: 16
        case .pcm24: 24
        case .pcm32, .float32: 32
        case .float64: 64
        }
    }

    public var bytesPerSample: Int { bitsPerSample / 8 }

    public var isFloatingPoint: Bool {
        switch self {
        case .pcm16, .pcm24, .pcm32: false
        case .float32, .float64: true
        }
    }
}

/// How the header spells an encoding. Kept next to the encodings, and used by both the reader and
/// the writer, so that the two cannot disagree about what they accept and produce.
extension SampleEncoding {
    static let formatTagPCM: UInt16 = 0x0001
    static let formatTagIEEEFloat: UInt16 = 0x0003
    static let formatTagExtensible: UInt16 = 0xFFFE

    /// Bytes 4...15 of every standard `KSDATAFORMAT_SUBTYPE_*` GUID; bytes 0...3 are the
    /// little-endian format tag. A sub-format with another tail is not one we know.
    static let subFormatGUIDTail: [UInt8] = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]

    /// Integer PCM is accepted in 24- and 32-bit containers under the plain tag as well, because
    /// many writers never switched to `WAVE_FORMAT_EXTENSIBLE` for them.
    init?(formatTag: UInt16, bitsPerSample: Int) {
        switch (formatTag, bitsPerSample) {
        case (Self.formatTagPCM, 16): self = .pcm16
        case (Self.formatTagPCM, 24): self = .pcm24
        case (Self.formatTagPCM, 32): self = .pcm32
        case (Self.formatTagIEEEFloat, 32): self = .float32
        case (Self.formatTagIEEEFloat, 64): self = .float64
        default: return nil
        }
    }

    var formatTag: UInt16 { isFloatingPoint ? Self.formatTagIEEEFloat : Self.formatTagPCM }
}

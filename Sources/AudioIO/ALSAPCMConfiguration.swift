import CALSA

/// Which way the samples flow through a PCM.
public enum ALSADirection: Sendable, Hashable, CustomStringConvertible {
    /// Microphones to bssd (`SND_PCM_STREAM_CAPTURE`).
    case capture
    /// bssd to loudspeakers or the next program (`SND_PCM_STREAM_PLAYBACK`).
    case playback

    public var description: String {
        switch self {
        case .capture: "capture"
        case .playback: "playback"
        }
    }

    var stream: snd_pcm_stream_t {
        switch self {
        case .capture: SND_PCM_STREAM_CAPTURE
        case .playback: SND_PCM_STREAM_PLAYBACK
        }
    }
}

/// The sample formats `ALSAPCM` converts to and from the engine's `Float`. Little-endian only,
/// as every host bssd runs on; a big-endian build is refused below.
public enum ALSASampleFormat: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `S16_LE`: read as value / 2^15, written rounded to nearest with clipping.
    case s16
    /// `S32_LE`: read as (value >> 8) / 2^23, i.e. at `Float`'s 24-bit precision, truncated so that
    /// full scale stays below 1; written from `Double`, rounded to nearest, with clipping.
    case s32
    /// `FLOAT_LE`: passed through unchanged in both directions (no scaling, no clipping), so a
    /// float device may see or deliver values beyond ±1.
    case float32

    /// ALSA's name for the format, as `aplay --dump-hw-params` prints it.
    public var description: String {
        switch self {
        case .s16: "S16_LE"
        case .s32: "S32_LE"
        case .float32: "FLOAT_LE"
        }
    }

    public var bytesPerSample: Int {
        switch self {
        case .s16: 2
        case .s32, .float32: 4
        }
    }

    var alsaFormat: snd_pcm_format_t {
        switch self {
        case .s16: SND_PCM_FORMAT_S16_LE
        case .s32: SND_PCM_FORMAT_S32_LE
        case .float32: SND_PCM_FORMAT_FLOAT_LE
        }
    }

    /// The order in which formats are tried: the preferred one, then the others from the most
    /// precise to the least, so a device that cannot do float still gets 32 bits before 16.
    static func negotiationOrder(preferred: ALSASampleFormat) -> [ALSASampleFormat] {
        [preferred] + [.float32, .s32, .s16].filter { $0 != preferred }
    }
}

#if !_endian(little)
#error("ALSAPCM converts little-endian sample formats with native loads; port the conversions first")
#endif

/// What to open and how: the request. What the device actually granted is
/// `ALSAPCM.negotiated`, which may differ in the period (and therefore the buffer) size and in the
/// sample format; rate and channel count are granted exactly or the open fails.
///
/// ## Start and wake-up policy
/// - *avail_min* is one period in both directions: a blocked read wakes when a whole period has
///   been captured, a blocked write when a whole period of space is free.
/// - *Capture* starts at the first read (start threshold 1), or earlier with `ALSAPCM.start()`.
/// - *Playback* begins every run with `playbackPrefillPeriods` of silence, written by the PCM
///   itself before the caller's first frames: after opening, after `prepare()`, `drop()` or
///   `drain()`, and after every underrun or suspend. Its start threshold is that prefill plus one
///   period (at most the whole buffer), so the device starts as soon as the caller's first period
///   is queued, and a restart after an underrun has the same latency as the first start.
public struct ALSAPCMConfiguration: Sendable, Hashable {
    /// The ALSA PCM name, as `aplay -L` lists it: `hw:1`, `plughw:CARD=Array,DEV=0`, `default`,
    /// or a name defined in an asoundrc (or in `asoundrc` below).
    public var device: String
    public var direction: ALSADirection
    /// Frames per second, granted exactly or refused (see `allowsResampling`).
    public var sampleRate: Int
    /// Samples per frame, granted exactly or refused.
    public var channels: Int
    /// Frames per period: the unit in which the device wakes the audio thread. ALSA grants the
    /// nearest size the device supports.
    public var periodFrames: Int
    /// Periods per buffer; the buffer bounds the latency and the time the audio thread may stall
    /// before an xrun. ALSA grants the nearest count the device supports.
    public var periods: Int
    /// Tried first; then the others from `.float32` down to `.s16`. Devices opened through `plug`
    /// accept all three and convert; raw `hw` devices usually offer only one or two.
    public var preferredFormat: ALSASampleFormat
    /// Whether ALSA may resample when the device cannot run at `sampleRate`
    /// (`snd_pcm_hw_params_set_rate_resample`). Off by default: a `plug` device would otherwise
    /// resample silently, which adds latency and CPU load, is not bit-exact, and hides a rate
    /// mismatch between the microphones and the configuration. With it off, such a device refuses
    /// the rate and the error says which rates it has. Format and channel conversion by `plug` is
    /// allowed either way: it is exact (S16 ↔ float) and costs next to nothing.
    public var allowsResampling: Bool
    /// Playback only: periods of silence queued before the caller's audio at every (re)start.
    /// At most `periods - 1`, so that the caller's first period still fits in the buffer.
    public var playbackPrefillPeriods: Int
    /// How long a read or write may wait for the device before it throws `.stalled`. A device whose
    /// sound server went away (the ALSA `jack` plugin after jackd stops) would otherwise block the
    /// audio thread forever. Should be several buffer lengths.
    public var stallTimeoutMilliseconds: Int
    /// ALSA configuration text in asoundrc syntax, loaded over a copy of the system configuration
    /// for this open only, e.g. `pcm.mics { type file slave.pcm null infile "/tmp/in.raw" format raw }`.
    /// Lets tests and the daemon define PCMs without `ALSA_CONFIG_PATH` or a file; nil opens with
    /// the process-wide configuration.
    public var asoundrc: String?

    public init(
        device: String,
        direction: ALSADirection,
        sampleRate: Int,
        channels: Int,
        periodFrames: Int,
        periods: Int = 3,
        preferredFormat: ALSASampleFormat = .float32,
        allowsResampling: Bool = false,
        playbackPrefillPeriods: Int = 1,
        stallTimeoutMilliseconds: Int = 2000,
        asoundrc: String? = nil
    ) {
        self.device = device
        self.direction = direction
        self.sampleRate = sampleRate
        self.channels = channels
        self.periodFrames = periodFrames
        self.periods = periods
        self.preferredFormat = preferredFormat
        self.allowsResampling = allowsResampling
        self.playbackPrefillPeriods = playbackPrefillPeriods
        self.stallTimeoutMilliseconds = stallTimeoutMilliseconds
        self.asoundrc = asoundrc
    }

    /// The checks that need no device; `ALSAPCM.init` runs them before it opens anything.
    /// Returns the first problem as a sentence, or nil.
    public func problem() -> String? {
        if device.isEmpty { return "the device name is empty" }
        if sampleRate <= 0 || sampleRate > Int(UInt32.max) { return "a sample rate of \(sampleRate) Hz is impossible" }
        if channels <= 0 || channels > Int(UInt32.max) { return "\(channels) channels is impossible" }
        if periodFrames <= 0 || periodFrames > Int(UInt32.max) { return "a period of \(periodFrames) frames is impossible" }
        if periods < 2 || periods > 1024 { return "\(periods) periods per buffer is outside 2…1024" }
        if direction == .playback, playbackPrefillPeriods < 0 || playbackPrefillPeriods >= periods {
            return "a prefill of \(playbackPrefillPeriods) periods does not fit a buffer of \(periods) periods "
                + "(it must be 0…\(periods - 1))"
        }
        if stallTimeoutMilliseconds <= 0 || stallTimeoutMilliseconds > Int(Int32.max) {
            return "a stall timeout of \(stallTimeoutMilliseconds) ms is impossible"
        }
        return nil
    }
}

/// What the device granted, read back after `snd_pcm_hw_params` and `snd_pcm_sw_params`.
public struct ALSANegotiatedParameters: Sendable, Hashable {
    public var format: ALSASampleFormat
    public var sampleRate: Int
    public var channels: Int
    public var periodFrames: Int
    /// Periods per buffer; `bufferFrames / periodFrames` rounded down when the device grants a
    /// buffer that is not a whole number of periods.
    public var periods: Int
    public var bufferFrames: Int
    /// Playback: frames queued before the device starts by itself. Capture: 1.
    public var startThresholdFrames: Int
    /// Playback: silence queued at every (re)start. Capture: 0.
    public var prefillFrames: Int

    public init(
        format: ALSASampleFormat,
        sampleRate: Int,
        channels: Int,
        periodFrames: Int,
        periods: Int,
        bufferFrames: Int,
        startThresholdFrames: Int,
        prefillFrames: Int
    ) {
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.periodFrames = periodFrames
        self.periods = periods
        self.bufferFrames = bufferFrames
        self.startThresholdFrames = startThresholdFrames
        self.prefillFrames = prefillFrames
    }

    public var bytesPerFrame: Int { channels * format.bytesPerSample }
}

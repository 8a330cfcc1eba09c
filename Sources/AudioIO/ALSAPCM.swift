import CALSA
import Glibc

/// One ALSA PCM, capture or playback, opened and configured for interleaved `Float` frames.
///
/// Set-up (`init`) allocates and may take milliseconds. `readFrames`, `writeFrames`, `delay`,
/// `avail` and `isRunning` are for the audio thread: in steady state they allocate nothing (measured
/// with the `file` and `null` plugins in all three formats; plugins such as `jack` are alsa-lib's
/// business). `prepare`, `start` and `drop` are cheap state changes; `drain` blocks. Errors
/// allocate their text.
///
/// The device is opened with `SND_PCM_NONBLOCK` and stays non-blocking, so that a busy device
/// fails the open with `-EBUSY` at once instead of waiting for its owner, and so that a read or
/// write waits in `snd_pcm_wait` with a timeout (`stallTimeoutMilliseconds`) rather than forever.
/// To the caller, reads and writes still block until all frames are transferred.
///
/// Xruns and suspends are recovered inside `readFrames`/`writeFrames` (`snd_pcm_recover`) and
/// counted in `xruns` and `suspends`; losing the device throws `.deviceLost`, and a device that
/// stops moving throws `.stalled`. Either way the caller closes this object and opens a new one
/// (with back-off); the policy is the caller's.
///
/// The device is closed in `deinit` (`snd_pcm_close`, which drops queued playback: call `drain()`
/// first to let it play out).
///
/// `@unchecked Sendable`: the object owns a C handle and mutable counters without locks. It may
/// be created on one thread and handed to the audio thread, which then owns it alone: every
/// method and counter must be used by one thread at a time.
public final class ALSAPCM: @unchecked Sendable {
    public let configuration: ALSAPCMConfiguration
    /// What the device granted: the format actually used, rate, channels, period and buffer.
    public let negotiated: ALSANegotiatedParameters

    /// Overruns (capture) or underruns (playback) recovered so far. Each one lost audio: up to a
    /// buffer of input, or a gap of silence in the output.
    public internal(set) var xruns = 0
    /// Suspends (system sleep) recovered so far.
    public internal(set) var suspends = 0
    /// Playback into an integer format: samples outside [-1, 1) (or NaN) written as the nearest
    /// representable value (NaN as 0). Non-zero means audible distortion.
    public internal(set) var clippedSamples = 0

    let handle: OpaquePointer
    /// Device-format samples between ALSA and the conversion, `scratchFrames` frames, allocated
    /// once. Unused when the device format is `Float` itself.
    let scratch: UnsafeMutableRawPointer
    let scratchFrames: Int
    /// One period of device-format silence (all bytes zero: 0 in every format here).
    let silence: UnsafeMutableRawPointer
    /// Playback: silence still to queue before the caller's frames (the prefill of this run).
    var pendingSilenceFrames: Int

    /// Opens `configuration.device`, negotiates hardware and software parameters and leaves the
    /// device prepared (not running): capture starts at the first read, playback once its start
    /// threshold is queued (see `ALSAPCMConfiguration`).
    public init(configuration: ALSAPCMConfiguration) throws(ALSAError) {
        if let problem = configuration.problem() {
            throw .invalidConfiguration(device: configuration.device, direction: configuration.direction, reason: problem)
        }
        let handle = try Self.open(configuration)
        let negotiated: ALSANegotiatedParameters
        do {
            negotiated = try Self.negotiate(handle, configuration)
        } catch {
            snd_pcm_close(handle)
            throw error
        }
        self.configuration = configuration
        self.negotiated = negotiated
        self.handle = handle
        scratchFrames = negotiated.bufferFrames
        scratch = .allocate(byteCount: scratchFrames * negotiated.bytesPerFrame, alignment: 16)
        // Bound once to the one sample type this device uses, which the conversions assume.
        let scratchSamples = scratchFrames * negotiated.channels
        switch negotiated.format {
        case .s16: scratch.bindMemory(to: Int16.self, capacity: scratchSamples)
        case .s32: scratch.bindMemory(to: Int32.self, capacity: scratchSamples)
        case .float32: scratch.bindMemory(to: Float.self, capacity: scratchSamples)
        }
        silence = .allocate(byteCount: negotiated.periodFrames * negotiated.bytesPerFrame, alignment: 16)
        silence.initializeMemory(as: UInt8.self, repeating: 0, count: negotiated.periodFrames * negotiated.bytesPerFrame)
        pendingSilenceFrames = negotiated.prefillFrames
    }

    deinit {
        snd_pcm_close(handle)
        scratch.deallocate()
        silence.deallocate()
    }

    // MARK: - Controls

    /// `snd_pcm_prepare`: back to the prepared state, ready to start. Playback queues its prefill
    /// again before the next frames.
    public func prepare() throws(ALSAError) {
        try check(snd_pcm_prepare(handle), "snd_pcm_prepare")
        pendingSilenceFrames = negotiated.prefillFrames
    }

    /// `snd_pcm_start`: starts the stream now rather than at the start threshold. Capture then
    /// collects input before the first read; playback first queues its pending prefill, so it does
    /// not underrun at once. Prepares a dropped, drained or overrun device first (counting the
    /// xrun); no-op when running.
    public func start() throws(ALSAError) {
        switch snd_pcm_state(handle) {
        case SND_PCM_STATE_RUNNING:
            return
        case SND_PCM_STATE_SETUP:
            try prepare()
        case SND_PCM_STATE_XRUN:
            xruns += 1
            try prepare()
        default:
            break
        }
        while pendingSilenceFrames > 0 {
            try writePendingSilence()
        }
        // Queuing the prefill may have reached the start threshold already.
        if snd_pcm_state(handle) == SND_PCM_STATE_RUNNING { return }
        try check(snd_pcm_start(handle), "snd_pcm_start")
    }

    /// `snd_pcm_drop`: stops at once and discards what is queued. The next read or write
    /// prepares the device again by itself (and playback queues its prefill first).
    public func drop() throws(ALSAError) {
        try check(snd_pcm_drop(handle), "snd_pcm_drop")
        pendingSilenceFrames = negotiated.prefillFrames
    }

    /// `snd_pcm_drain`: playback plays out what is queued, then stops; capture stops and keeps
    /// what was captured readable. Blocks without the stall timeout (it switches the device to
    /// blocking mode for the call), so use `drop()` on a device that may have stalled. Not for the
    /// audio thread's steady state.
    public func drain() throws(ALSAError) {
        snd_pcm_nonblock(handle, 0)
        let result = snd_pcm_drain(handle)
        snd_pcm_nonblock(handle, 1)
        try check(result, "snd_pcm_drain")
        pendingSilenceFrames = negotiated.prefillFrames
    }

    /// `snd_pcm_delay`: playback, frames queued that the listener has not heard yet; capture,
    /// frames captured that were not read yet. Throws on an xrun (which the next transfer
    /// recovers) or a lost device.
    public var delay: Int {
        get throws(ALSAError) {
            var frames: snd_pcm_sframes_t = 0
            try check(snd_pcm_delay(handle, &frames), "snd_pcm_delay")
            return frames
        }
    }

    /// `snd_pcm_avail`: frames that can be read (capture) or written (playback) without waiting.
    public var avail: Int {
        get throws(ALSAError) {
            let frames = snd_pcm_avail(handle)
            if frames < 0 { throw failure(Int32(truncatingIfNeeded: frames), operation: "snd_pcm_avail") }
            return frames
        }
    }

    /// Whether the stream is running (`SND_PCM_STATE_RUNNING`), as opposed to prepared, stopped
    /// after an xrun not yet recovered, or dropped.
    public var isRunning: Bool {
        snd_pcm_state(handle) == SND_PCM_STATE_RUNNING
    }

    // MARK: - Errors

    func check(_ code: Int32, _ operation: String) throws(ALSAError) {
        if code < 0 { throw failure(code, operation: operation) }
    }

    /// Classifies a negative ALSA code that was not recovered: the codes that mean the device is
    /// gone become `.deviceLost`, the rest `.ioFailed`.
    func failure(_ code: Int32, operation: String) -> ALSAError {
        switch -code {
        case ENODEV, EBADFD, ENOTTY, EIO:
            .deviceLost(device: configuration.device, direction: configuration.direction, code: code, reason: ALSAError.reason(code))
        default:
            .ioFailed(
                device: configuration.device,
                direction: configuration.direction,
                operation: operation,
                code: code,
                reason: ALSAError.reason(code)
            )
        }
    }
}

// MARK: - Set-up

extension ALSAPCM {
    /// `snd_pcm_open`, or `snd_pcm_open_lconf` over the system configuration plus
    /// `configuration.asoundrc`.
    private static func open(_ configuration: ALSAPCMConfiguration) throws(ALSAError) -> OpaquePointer {
        var handle: OpaquePointer?
        let code: Int32
        if let text = configuration.asoundrc {
            let definitions = try loadDefinitions(text, configuration)
            code = snd_pcm_open_lconf(&handle, configuration.device, configuration.direction.stream, SND_PCM_NONBLOCK, definitions)
            // The opened PCM keeps no reference to the tree (alsa-lib itself releases its global
            // tree right after opening), so it can go now.
            snd_config_delete(definitions)
        } else {
            code = snd_pcm_open(&handle, configuration.device, configuration.direction.stream, SND_PCM_NONBLOCK)
        }
        guard code >= 0, let handle else {
            throw .cannotOpen(
                device: configuration.device,
                direction: configuration.direction,
                code: code < 0 ? code : -ENOMEM,
                reason: ALSAError.reason(code < 0 ? code : -ENOMEM)
            )
        }
        return handle
    }

    /// A private copy of the process-wide configuration (`snd_config_update_ref`, which loads
    /// `ALSA_CONFIG_PATH` or alsa.conf and its includes) with `text` loaded over it. Defining a PCM
    /// this way needs no file and no environment variable, touches no state of other opens, and
    /// keeps every system PCM (`null`, `hw`, `plug`…) available as a slave.
    private static func loadDefinitions(_ text: String, _ configuration: ALSAPCMConfiguration) throws(ALSAError) -> OpaquePointer {
        func cannotOpen(_ code: Int32) -> ALSAError {
            .cannotOpen(device: configuration.device, direction: configuration.direction, code: code, reason: ALSAError.reason(code))
        }
        var global: OpaquePointer?
        var code = snd_config_update_ref(&global)
        guard code >= 0, let global else { throw cannotOpen(code < 0 ? code : -ENOMEM) }
        var copy: OpaquePointer?
        code = snd_config_copy(&copy, global)  // returns 1, not 0, on success
        snd_config_unref(global)
        guard code >= 0, let copy else { throw cannotOpen(code < 0 ? code : -ENOMEM) }

        var input: OpaquePointer?
        code = text.withCString { snd_input_buffer_open(&input, $0, -1) }  // copies the text
        guard code >= 0, let input else {
            snd_config_delete(copy)
            throw cannotOpen(code < 0 ? code : -ENOMEM)
        }
        code = snd_config_load(copy, input)
        snd_input_close(input)
        guard code >= 0 else {
            snd_config_delete(copy)
            throw .invalidDefinitions(
                device: configuration.device,
                direction: configuration.direction,
                code: code,
                reason: ALSAError.reason(code)
            )
        }
        return copy
    }

    /// Hardware parameters: access; then format, channels and rate together, trying each format
    /// in `negotiationOrder` until one allows the channels and the rate (a device may have more
    /// channels in one format than in another); then period size and periods; then software
    /// parameters. A refusal reports the space as narrowed up to the refused parameter (alsa-lib's
    /// `snd_pcm_hw_params_set_*` leave the space unchanged when they fail), for the first format
    /// the device has; `formats` lists every format it has.
    private static func negotiate(_ pcm: OpaquePointer, _ configuration: ALSAPCMConfiguration) throws(ALSAError) -> ALSANegotiatedParameters {
        let device = configuration.device
        let direction = configuration.direction
        func cannotConfigure(_ operation: String, _ code: Int32) -> ALSAError {
            .cannotConfigure(device: device, direction: direction, operation: operation, code: code, reason: ALSAError.reason(code))
        }

        var basePointer: OpaquePointer?
        guard snd_pcm_hw_params_malloc(&basePointer) >= 0, let base = basePointer else {
            throw cannotConfigure("snd_pcm_hw_params_malloc", -ENOMEM)
        }
        defer { snd_pcm_hw_params_free(base) }
        var hwPointer: OpaquePointer?
        guard snd_pcm_hw_params_malloc(&hwPointer) >= 0, let hw = hwPointer else {
            throw cannotConfigure("snd_pcm_hw_params_malloc", -ENOMEM)
        }
        defer { snd_pcm_hw_params_free(hw) }
        func refused(_ parameter: ALSAHardwareParameter, _ space: OpaquePointer) -> ALSAError {
            .parameterRefused(
                device: device,
                direction: direction,
                parameter: parameter,
                offered: capabilities(pcm, space, formatsFrom: base)
            )
        }

        var code = snd_pcm_hw_params_any(pcm, base)
        guard code >= 0 else { throw cannotConfigure("snd_pcm_hw_params_any", code) }
        guard snd_pcm_hw_params_set_access(pcm, base, SND_PCM_ACCESS_RW_INTERLEAVED) >= 0 else {
            throw refused(.access, base)
        }

        var format: ALSASampleFormat?
        var firstRefusal: ALSAError?
        for candidate in ALSASampleFormat.negotiationOrder(preferred: configuration.preferredFormat)
        where snd_pcm_hw_params_test_format(pcm, base, candidate.alsaFormat) == 0 {
            snd_pcm_hw_params_copy(hw, base)
            guard snd_pcm_hw_params_set_format(pcm, hw, candidate.alsaFormat) >= 0 else { continue }
            guard snd_pcm_hw_params_set_channels(pcm, hw, UInt32(configuration.channels)) >= 0 else {
                firstRefusal = firstRefusal ?? refused(.channels(configuration.channels), hw)
                continue
            }
            code = snd_pcm_hw_params_set_rate_resample(pcm, hw, configuration.allowsResampling ? 1 : 0)
            guard code >= 0 else { throw cannotConfigure("snd_pcm_hw_params_set_rate_resample", code) }
            guard snd_pcm_hw_params_set_rate(pcm, hw, UInt32(configuration.sampleRate), 0) >= 0 else {
                firstRefusal = firstRefusal ?? refused(.rate(configuration.sampleRate), hw)
                continue
            }
            format = candidate
            break
        }
        guard let format else { throw firstRefusal ?? refused(.format(preferred: configuration.preferredFormat), base) }

        var period = snd_pcm_uframes_t(configuration.periodFrames)
        var direction0: Int32 = 0
        guard snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &direction0) >= 0 else {
            throw refused(.periodFrames(configuration.periodFrames), hw)
        }
        var periods = UInt32(configuration.periods)
        direction0 = 0
        guard snd_pcm_hw_params_set_periods_near(pcm, hw, &periods, &direction0) >= 0 else {
            throw refused(.periods(configuration.periods), hw)
        }
        code = snd_pcm_hw_params(pcm, hw)
        guard code >= 0 else { throw cannotConfigure("snd_pcm_hw_params", code) }

        // Read back what was granted.
        var rate: UInt32 = 0
        var channels: UInt32 = 0
        var buffer: snd_pcm_uframes_t = 0
        direction0 = 0
        code = snd_pcm_hw_params_get_rate(hw, &rate, &direction0)
        if code >= 0 { code = snd_pcm_hw_params_get_channels(hw, &channels) }
        if code >= 0 { code = snd_pcm_hw_params_get_period_size(hw, &period, &direction0) }
        if code >= 0 { code = snd_pcm_hw_params_get_buffer_size(hw, &buffer) }
        guard code >= 0, period > 0, buffer >= period else { throw cannotConfigure("snd_pcm_hw_params_get_*", code < 0 ? code : -EINVAL) }
        let periodFrames = Int(period)
        let bufferFrames = Int(buffer)

        // Software parameters: see `ALSAPCMConfiguration` for the policy.
        let prefill = direction == .playback
            ? min(configuration.playbackPrefillPeriods * periodFrames, bufferFrames - periodFrames) : 0
        let threshold = direction == .playback ? min(prefill + periodFrames, bufferFrames) : 1
        var swPointer: OpaquePointer?
        guard snd_pcm_sw_params_malloc(&swPointer) >= 0, let sw = swPointer else {
            throw cannotConfigure("snd_pcm_sw_params_malloc", -ENOMEM)
        }
        defer { snd_pcm_sw_params_free(sw) }
        code = snd_pcm_sw_params_current(pcm, sw)
        guard code >= 0 else { throw cannotConfigure("snd_pcm_sw_params_current", code) }
        code = snd_pcm_sw_params_set_start_threshold(pcm, sw, snd_pcm_uframes_t(threshold))
        guard code >= 0 else { throw cannotConfigure("snd_pcm_sw_params_set_start_threshold", code) }
        code = snd_pcm_sw_params_set_avail_min(pcm, sw, period)
        guard code >= 0 else { throw cannotConfigure("snd_pcm_sw_params_set_avail_min", code) }
        code = snd_pcm_sw_params(pcm, sw)
        guard code >= 0 else { throw cannotConfigure("snd_pcm_sw_params", code) }

        return ALSANegotiatedParameters(
            format: format,
            sampleRate: Int(rate),
            channels: Int(channels),
            periodFrames: periodFrames,
            periods: bufferFrames / periodFrames,
            bufferFrames: bufferFrames,
            startThresholdFrames: threshold,
            prefillFrames: prefill
        )
    }

    /// Reads the ranges left in a hardware parameter space, and the formats left in another.
    /// alsa-lib reports open interval ends with a direction (`max` 48001 with dir -1 means below
    /// 48001); they are closed here.
    private static func capabilities(
        _ pcm: OpaquePointer,
        _ hw: OpaquePointer,
        formatsFrom formatSpace: OpaquePointer
    ) -> ALSADeviceCapabilities {
        func closed(_ low: Int, _ lowDirection: Int32, _ high: Int, _ highDirection: Int32) -> ClosedRange<Int> {
            let lower = lowDirection > 0 ? low + 1 : low
            let upper = highDirection < 0 ? high - 1 : high
            return lower ... max(lower, upper)
        }
        var low: UInt32 = 0
        var high: UInt32 = 0
        var lowDirection: Int32 = 0
        var highDirection: Int32 = 0
        snd_pcm_hw_params_get_channels_min(hw, &low)
        snd_pcm_hw_params_get_channels_max(hw, &high)
        let channels = closed(Int(low), 0, Int(high), 0)
        snd_pcm_hw_params_get_rate_min(hw, &low, &lowDirection)
        snd_pcm_hw_params_get_rate_max(hw, &high, &highDirection)
        let rates = closed(Int(low), lowDirection, Int(high), highDirection)
        snd_pcm_hw_params_get_periods_min(hw, &low, &lowDirection)
        snd_pcm_hw_params_get_periods_max(hw, &high, &highDirection)
        let periods = closed(Int(low), lowDirection, Int(high), highDirection)
        var lowFrames: snd_pcm_uframes_t = 0
        var highFrames: snd_pcm_uframes_t = 0
        snd_pcm_hw_params_get_period_size_min(hw, &lowFrames, &lowDirection)
        snd_pcm_hw_params_get_period_size_max(hw, &highFrames, &highDirection)
        let periodFrames = closed(
            Int(clamping: lowFrames),
            lowDirection,
            Int(clamping: highFrames),
            highDirection
        )
        return ALSADeviceCapabilities(
            channels: channels,
            rates: rates,
            commonRates: ALSADeviceCapabilities.usualRates.filter { snd_pcm_hw_params_test_rate(pcm, hw, UInt32($0), 0) == 0 },
            formats: ALSASampleFormat.allCases.filter { snd_pcm_hw_params_test_format(pcm, formatSpace, $0.alsaFormat) == 0 },
            periodFrames: periodFrames,
            periods: periods
        )
    }
}

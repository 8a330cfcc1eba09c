import CALSA
import Glibc

/// Why an ALSA PCM could not be opened, configured or used.
///
/// Every case names the device and its direction, because these errors end up in a daemon's log
/// far from the code that opened the device, and a machine often has a capture and a playback
/// device at once. The cases keep their evidence as plain values (ALSA's negative error code,
/// `snd_strerror`'s text, what the device offers) so that callers and tests can match on them;
/// `description` turns them into a sentence for an operator: what happened, what it means, what
/// to do.
public enum ALSAError: Error, Equatable, CustomStringConvertible {
    /// The configuration cannot describe any stream (0 channels, prefill larger than the buffer…);
    /// nothing was opened.
    case invalidConfiguration(device: String, direction: ALSADirection, reason: String)
    /// `ALSAPCMConfiguration.asoundrc` does not parse (`snd_config_load`).
    case invalidDefinitions(device: String, direction: ALSADirection, code: Int32, reason: String)
    /// `snd_pcm_open` failed: no such PCM or card (`-ENOENT`), busy (`-EBUSY`), no permission,
    /// unknown plugin type (`-ENXIO`), or a sound server that is not running.
    case cannotOpen(device: String, direction: ALSADirection, code: Int32, reason: String)
    /// The device cannot do what was asked. `offered` is what it offers given the choices already
    /// made: access, then format with channels and rate (each format is tried; the refusal is the
    /// one met with the first format the device has), then period size, then periods.
    case parameterRefused(
        device: String,
        direction: ALSADirection,
        parameter: ALSAHardwareParameter,
        offered: ALSADeviceCapabilities
    )
    /// A set-up call other than a single parameter failed (`snd_pcm_hw_params`,
    /// `snd_pcm_sw_params`…). `operation` names the ALSA function.
    case cannotConfigure(device: String, direction: ALSADirection, operation: String, code: Int32, reason: String)
    /// A call on an open device failed in a way that is neither an xrun (those are recovered and
    /// counted) nor the loss of the device.
    case ioFailed(device: String, direction: ALSADirection, operation: String, code: Int32, reason: String)
    /// A read or write waited `milliseconds` without the device becoming ready: the device, or
    /// the sound server behind a plugin PCM, has stopped. Close and reopen it.
    case stalled(device: String, direction: ALSADirection, milliseconds: Int)
    /// The device went away while open (`-ENODEV`, `-EBADFD`, `-ENOTTY`, `-EIO`): unplugged, driver
    /// reset, or server gone. Close and reopen it; the reopen policy belongs to the caller.
    case deviceLost(device: String, direction: ALSADirection, code: Int32, reason: String)

    /// The device the error is about.
    public var device: String {
        switch self {
        case let .invalidConfiguration(device, _, _), let .invalidDefinitions(device, _, _, _),
            let .cannotOpen(device, _, _, _), let .parameterRefused(device, _, _, _),
            let .cannotConfigure(device, _, _, _, _), let .ioFailed(device, _, _, _, _),
            let .stalled(device, _, _), let .deviceLost(device, _, _, _):
            device
        }
    }

    /// True when the open `ALSAPCM` is unusable and should be closed and opened again (after a
    /// back-off): the device was lost or stalled.
    public var requiresReopen: Bool {
        switch self {
        case .stalled, .deviceLost: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case let .invalidConfiguration(device, direction, reason):
            return "Cannot open \(direction) device '\(device)': \(reason). Correct the audio settings (config file [audio] or the command-line options)."

        case let .invalidDefinitions(device, direction, _, reason):
            return "Cannot open \(direction) device '\(device)': the ALSA definitions given with it do not parse "
                + "(\(reason)). Check their asoundrc syntax, e.g. with `aplay -L` on a file holding them."

        case let .cannotOpen(device, direction, code, reason):
            let what = "\(direction) device '\(device)'"
            let key = ALSASetting.device.key(direction)
            switch -code {
            case ENOENT:
                return "Cannot open \(what): ALSA has no PCM of that name, or the card it refers to is not there "
                    + "(\(reason)). `\(direction == .capture ? "arecord" : "aplay") -L` lists the PCMs and "
                    + "`\(direction == .capture ? "arecord" : "aplay") -l` the cards; set \(key) to one of them. "
                    + "A plugin PCM (jack, pulse) also fails this way when its sound server is not running."
            case EBUSY:
                return "Cannot open \(what): another program is using it (\(reason)). Stop that program, "
                    + "or share the device through ALSA's \(direction == .capture ? "dsnoop" : "dmix") plugin."
            case EACCES, EPERM:
                return "Cannot open \(what): permission denied (\(reason)). Run bssd as a user in the 'audio' "
                    + "group, or grant it access to /dev/snd."
            case ENXIO:
                return "Cannot open \(what): its definition uses a plugin type ALSA cannot load (\(reason)). "
                    + "Install the package that provides it (e.g. libasound2-plugins) or fix the definition."
            default:
                return "Cannot open \(what): \(reason) (ALSA error \(code)). Check \(key) and the device."
            }

        case let .parameterRefused(device, direction, parameter, offered):
            return Self.refusal(device: device, direction: direction, parameter: parameter, offered: offered)

        case let .cannotConfigure(device, direction, operation, code, reason):
            return "Configuring \(direction) device '\(device)' failed in \(operation): \(reason) (ALSA error \(code)). "
                + "The device accepted each setting alone but not the combination; try another period size "
                + "or number of periods."

        case let .ioFailed(device, direction, operation, code, reason):
            return "\(direction.description.capitalizedFirst) device '\(device)' failed in \(operation): \(reason) "
                + "(ALSA error \(code)). If it repeats, restart bssd; if it persists, the device or its driver is faulty."

        case let .stalled(device, direction, milliseconds):
            return "\(direction.description.capitalizedFirst) device '\(device)' "
                + "\(direction == .capture ? "delivered" : "accepted") no audio for \(milliseconds) ms: the device, "
                + "or the sound server behind it (e.g. jackd), has stopped. bssd closes it and tries to open it again."

        case let .deviceLost(device, direction, code, reason):
            return "\(direction.description.capitalizedFirst) device '\(device)' went away while in use: \(reason) "
                + "(ALSA error \(code)). It was unplugged, its driver was reset, or its sound server stopped. "
                + "bssd closes it and tries to open it again."
        }
    }

    private static func refusal(
        device: String,
        direction: ALSADirection,
        parameter: ALSAHardwareParameter,
        offered: ALSADeviceCapabilities
    ) -> String {
        let what = "\(direction) device '\(device)'"
        switch parameter {
        case .access:
            return "\(what.capitalizedFirst) does not offer interleaved read/write access (RW_INTERLEAVED), which bssd "
                + "uses. Open it through ALSA's plug plugin instead (e.g. 'plughw:…' rather than 'hw:…')."
        case .format:
            let formats = ALSASampleFormat.allCases.map(\.description).joined(separator: ", ")
            return "\(what.capitalizedFirst) offers none of the sample formats bssd converts (\(formats)). "
                + "Open it through ALSA's plug plugin instead (e.g. 'plughw:…' rather than 'hw:…'), which converts."
        case let .channels(requested):
            return "\(what.capitalizedFirst) refused \(requested) channels: it offers \(range(offered.channels)). "
                + "Set \(ALSASetting.channels.key(direction)) to a value in that range, or choose a device with "
                + "\(requested) channels."
        case let .rate(requested):
            var text = "\(what.capitalizedFirst) refused \(requested) Hz: it offers \(range(offered.rates, unit: " Hz"))"
            if !offered.commonRates.isEmpty, offered.rates.lowerBound != offered.rates.upperBound {
                text += " (of the usual rates: \(offered.commonRates.map(String.init).joined(separator: ", ")))"
            }
            return text + ". Set \(ALSASetting.rate.key(direction)) to a rate the device has: bssd does not let ALSA "
                + "resample (it adds latency and CPU and is not bit-exact)."
        case let .periodFrames(requested):
            return "\(what.capitalizedFirst) refused a period of \(requested) frames: it offers "
                + "\(range(offered.periodFrames, unit: " frames")). Set \(ALSASetting.periodFrames.key(direction)) "
                + "to a value in that range."
        case let .periods(requested):
            return "\(what.capitalizedFirst) refused \(requested) periods per buffer: it offers \(range(offered.periods)). "
                + "Set \(ALSASetting.periods.key(direction)) to a value in that range."
        }
    }

    private static func range(_ range: ClosedRange<Int>, unit: String = "") -> String {
        if range.isEmpty { return "none" }
        return range.lowerBound == range.upperBound
            ? "exactly \(range.lowerBound)\(unit)"
            : "\(range.lowerBound)…\(range.upperBound)\(unit)"
    }
}

/// A hardware parameter the device refused, with the value that was asked for.
public enum ALSAHardwareParameter: Sendable, Hashable, CustomStringConvertible {
    /// `SND_PCM_ACCESS_RW_INTERLEAVED`.
    case access
    /// None of `ALSASampleFormat`; `preferred` was tried first.
    case format(preferred: ALSASampleFormat)
    case channels(Int)
    case rate(Int)
    case periodFrames(Int)
    case periods(Int)

    public var description: String {
        switch self {
        case .access: "access RW_INTERLEAVED"
        case let .format(preferred): "sample format (preferred \(preferred))"
        case let .channels(value): "\(value) channels"
        case let .rate(value): "rate \(value) Hz"
        case let .periodFrames(value): "period of \(value) frames"
        case let .periods(value): "\(value) periods"
        }
    }
}

/// What a device offers, read from its hardware parameter space at the moment a request was
/// refused, so the ranges are narrowed by the choices made before (see
/// `ALSAError.parameterRefused`). `formats` are all of `ALSASampleFormat` the device has with
/// interleaved access; empty means none. Ranges are inclusive.
public struct ALSADeviceCapabilities: Sendable, Hashable {
    public var channels: ClosedRange<Int>
    public var rates: ClosedRange<Int>
    /// Which of the usual rates (8 kHz … 192 kHz) the device accepts; a range alone hides that
    /// most hardware has a few discrete rates.
    public var commonRates: [Int]
    public var formats: [ALSASampleFormat]
    public var periodFrames: ClosedRange<Int>
    public var periods: ClosedRange<Int>

    public init(
        channels: ClosedRange<Int>,
        rates: ClosedRange<Int>,
        commonRates: [Int],
        formats: [ALSASampleFormat],
        periodFrames: ClosedRange<Int>,
        periods: ClosedRange<Int>
    ) {
        self.channels = channels
        self.rates = rates
        self.commonRates = commonRates
        self.formats = formats
        self.periodFrames = periodFrames
        self.periods = periods
    }

    static let usualRates = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 176_400, 192_000]
}

/// The daemon's configuration keys that the messages point operators to. Kept in one place so
/// that they follow the configuration file if its keys are renamed.
enum ALSASetting {
    case device, channels, rate, periodFrames, periods

    func key(_ direction: ALSADirection) -> String {
        switch self {
        case .device: "audio.\(direction) (--\(direction))"
        case .channels: direction == .capture ? "audio.channels (--channels)" : "audio.playback_channels (--playback-channels)"
        case .rate: "audio.rate (--rate)"
        case .periodFrames: "audio.period (--period)"
        case .periods: "audio.periods (--periods)"
        }
    }
}

extension ALSAError {
    /// `snd_strerror`'s text for a negative ALSA error code.
    static func reason(_ code: Int32) -> String {
        String(cString: snd_strerror(code))
    }
}

extension String {
    fileprivate var capitalizedFirst: String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }
}

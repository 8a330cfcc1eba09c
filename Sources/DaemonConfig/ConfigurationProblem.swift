/// Why a `DaemonConfiguration` cannot run, found without opening a device (`check()`): what
/// `bssd run --check` reports, and what the pipeline would otherwise refuse only at start-up.
public enum ConfigurationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// A setting of the engine or the daemon outside its limits.
    case setting(InvalidSetting)
    /// A PCM request ALSA would refuse before touching the device (period, buffer, prefill, stall
    /// timeout, device name); its checks speak in sentences, not keys.
    case request(String)

    public var description: String {
        switch self {
        case let .setting(setting): "\(setting)"
        case let .request(problem): problem
        }
    }
}

extension DaemonConfiguration {
    /// Every check that needs no device: the engine's limits, the daemon's (routing, priority…)
    /// and ALSA's checks of both PCM requests; the first failure is thrown.
    public func check() throws(ConfigurationProblem) {
        do { try engine.validate() } catch { throw .setting(InvalidSetting(error)) }
        do { try engineStage.validate(for: engine) } catch {
            // The FIR block is the period: the operator sets it in [audio].
            guard error.key == "fir_block" else { throw .setting(InvalidSetting(error)) }
            throw .setting(InvalidSetting(key: "period", value: error.value, allowed: "with stage = \"fir\", " + error.allowed))
        }
        if let setting = invalidSetting() { throw .setting(setting) }
        for request in [captureRequest, playbackRequest] {
            if let problem = request.problem() { throw .request("\(request.direction): \(problem)") }
        }
    }
}

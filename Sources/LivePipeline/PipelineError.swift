import AudioIO
import Glibc
import RealtimeEngine
import SystemCalls

/// Why a `SeparationPipeline` could not be built or started. Nothing runs when one is thrown:
/// the PCMs opened so far are closed again and no audio thread is left behind.
public enum PipelineError: Error, CustomStringConvertible {
    /// A daemon setting no device or engine could accept (`DaemonConfiguration.problem()`).
    case configuration(String)
    /// The engine refused its settings.
    case engine(SeparatorConfigurationError)
    /// A PCM could not be opened or configured; the `ALSAError` names the device and says what to do.
    case device(ALSAError)
    /// `pthread_create` failed (`code` is its errno), e.g. on a thread or memory limit.
    case thread(name: String, code: Int32)

    public var description: String {
        switch self {
        case let .configuration(problem): "Invalid daemon setting: \(problem)."
        case let .engine(error): "Invalid engine setting: \(error)."
        case let .device(error): error.description
        case let .thread(name, code):
            "Cannot start the \(name) thread: \(Errno(code)) (errno \(code)). "
                + "Check the process limits (ulimit -u, systemd TasksMax=)."
        }
    }

    /// The ALSA error, when a device is the reason.
    public var alsaError: ALSAError? {
        if case let .device(error) = self { return error }
        return nil
    }
}

import ControlServer
import LivePipeline

/// Why `Daemon.run()` could not start; once running, failures are retried, not thrown.
public enum DaemonError: Error, CustomStringConvertible {
    /// The first pipeline could not be built or started (devices, settings, threads).
    case pipeline(PipelineError)
    /// The control socket could not be opened.
    case controlSocket(ControlServerError)

    public var description: String {
        switch self {
        case let .pipeline(error): error.description
        case let .controlSocket(error): "Cannot open the control socket: \(error)"
        }
    }
}

import ControlProtocol
import ControlServer

/// The control socket's view of a `Daemon`: each request maps to one daemon operation.
final class DaemonControlHandler: ControlHandler {
    private let daemon: Daemon

    init(daemon: Daemon) {
        self.daemon = daemon
    }

    func status() -> StatusReport { daemon.statusReport() }

    func parameters() -> LiveParameters { daemon.liveParameters() }

    func set(_ changes: [ParameterChange]) throws(ControlError) -> LiveParameters { try daemon.set(changes) }

    func reset() throws(ControlError) { try daemon.resetEngine() }

    func target(_ choice: TargetChoice) throws(ControlError) -> TargetReport? { try daemon.target(choice) }

    func saveState(path: String) throws(ControlError) { try daemon.saveState(path: path) }

    func loadState(path: String) throws(ControlError) { try daemon.loadState(path: path) }

    func observe() throws(ControlError) -> ObservationReport { try daemon.observe() }

    func reload() throws(ControlError) -> String {
        switch daemon.reloadAndWait() {
        case let .success(summary): summary
        case let .failure(error): throw ControlError(.failed, error.description)
        }
    }

    func shutdown() { daemon.requestStop() }
}

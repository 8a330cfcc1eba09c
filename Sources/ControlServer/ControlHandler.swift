import ControlProtocol

/// What the control socket asks of the daemon. The server calls it on its own thread, one call
/// at a time; an implementation may take a lock or do file I/O briefly (save-state) but must never
/// wait for the audio threads: parameter changes go to them through a lock-free queue or atomics
/// and take effect between blocks.
public protocol ControlHandler: AnyObject, Sendable {
    func status() -> StatusReport
    func parameters() -> LiveParameters
    /// Applies `changes` together, all or none: every change is checked against the running
    /// engine first (`out_of_range` / `invalid_params`, naming the parameter, the value and what
    /// is allowed), then all are applied. Returns the parameters now in force.
    func set(_ changes: [ParameterChange]) throws(ControlError) -> LiveParameters
    /// Chooses the listener's talker (or none); returns the target now in force. `out_of_range`
    /// for a source the engine does not have.
    func target(_ choice: TargetChoice) throws(ControlError) -> TargetReport?
    /// Fresh demixing state (identity matrices, empty source-model statistics).
    func reset() throws(ControlError)
    /// Writes the demixing state to `path` (absolute), atomically (`AtomicFileWriter`).
    func saveState(path: String) throws(ControlError)
    /// Reads a state written by `saveState`; refuses (`failed`) a state of another shape or version.
    func loadState(path: String) throws(ControlError)
    /// The engine's latest snapshot, summarised; `unavailable` before the engine has taken one.
    func observe() throws(ControlError) -> ObservationReport
    /// Re-reads the configuration; returns a one-line summary of what changed.
    func reload() throws(ControlError) -> String
    /// Asks the daemon to stop. Called after the reply has been handed to the socket; must return
    /// promptly (signal the main thread, do not stop the server from here and wait for it).
    func shutdown()
}

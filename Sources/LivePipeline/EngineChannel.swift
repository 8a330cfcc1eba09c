import AudioIO
import Glibc
import RealtimeEngine
import RealtimeSupport
import Synchronization

/// The control plane's way into the running engine: commands go through a lock-free queue and
/// the processing thread applies them between two blocks, so a change never lands in the middle
/// of a block and the audio path never takes a lock.
///
/// Senders (control thread, main thread on SIGHUP) are serialised by a mutex on their side only.
/// `send` waits until the command was applied: the processing thread publishes the sequence
/// number of the last command it finished. While no processing thread runs (between two
/// pipelines) the daemon's main loop calls `receive` itself.
package final class EngineChannel: @unchecked Sendable {
    private let queue = SPSCRing<EngineCommand>(capacityFrames: 16, channels: 1)
    private let senders = Mutex<Int>(0)
    private let completed = Atomic<Int>(0)
    /// The state a `.copyState` fills or a `.loadState` reads: set by the sender (holding the
    /// daemon's reconfiguration lock) before it sends, read by the receiver while it applies the
    /// command; the queue's release/acquire orders the two.
    package nonisolated(unsafe) var stateSlot: SeparatorState<Float>?
    /// Why the last state command failed, set by the receiver; the sender takes it after `send`.
    private nonisolated(unsafe) var stateFailure: SeparatorStateError?

    package init() {}

    /// Queues `command` and waits up to `timeout` seconds for it to be applied. False when the
    /// queue is full or the engine did not take it in time (then it may still be applied later).
    package func send(_ command: EngineCommand, timeout: Double = 2) -> Bool {
        senders.withLock { sent in
            var copy = command
            guard withUnsafePointer(to: &copy, { queue.push($0, count: 1) }) == 1 else { return false }
            sent += 1
            let target = sent
            let deadline = MonotonicClock.nanoseconds + Int(timeout * 1e9)
            while completed.load(ordering: .acquiring) < target {
                if MonotonicClock.nanoseconds > deadline { return false }
                usleep(1000)
            }
            return true
        }
    }

    /// The failure of the last state command, if any, cleared as it is read (sender, after `send`).
    package func takeStateFailure() -> SeparatorStateError? {
        defer { stateFailure = nil }
        return stateFailure
    }

    /// Receiver: records why a state command failed (the error is a plain enum: no allocation).
    func recordStateFailure(_ error: SeparatorStateError) {
        stateFailure = error
    }

    /// Processing thread (or the main loop while no pipeline runs): applies every queued command
    /// to `engine`, in order. Allocation-free.
    package func receive(into engine: OnlineSeparator<Float>) {
        var command = EngineCommand.reset
        var applied = 0
        while withUnsafeMutablePointer(to: &command, { queue.pop(into: $0, count: 1) }) == 1 {
            engine.perform(command, channel: self)
            applied += 1
        }
        if applied > 0 { completed.add(applied, ordering: .releasing) }
    }
}

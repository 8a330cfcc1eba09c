import RealtimeEngine

/// A change for the engine, from the control plane to the processing thread, which applies it
/// between two blocks. A plain value, so it travels through a lock-free `SPSCRing` and the
/// processing thread never allocates or locks to receive it.
package enum EngineCommand: BitwiseCopyable {
    /// Forget everything learnt: identity demixing, empty statistics.
    case reset
    /// New settings with the same shape (`OnlineSeparator.restartKeys` empty).
    case configure(SeparatorConfiguration)
    /// Copy the engine's state into `EngineChannel.stateSlot` (allocated by the sender).
    case copyState
    /// Load the engine's state from `EngineChannel.stateSlot`.
    case loadState
}

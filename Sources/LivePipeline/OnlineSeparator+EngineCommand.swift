import RealtimeEngine

extension OnlineSeparator where T == Float {
    /// Carries out one command from the control plane; on the processing thread between blocks,
    /// or on the daemon's main thread while no pipeline runs. Allocation-free: the state slot was
    /// allocated by the sender.
    func perform(_ command: EngineCommand, channel: EngineChannel) {
        switch command {
        case .reset:
            reset()
        case let .configure(configuration):
            _ = apply(configuration)
        case .copyState:
            guard let slot = channel.stateSlot else { return }
            do { try copyState(into: slot) } catch { channel.recordStateFailure(error) }
        case .loadState:
            guard let slot = channel.stateSlot else { return }
            do { try loadState(slot) } catch { channel.recordStateFailure(error) }
        }
    }
}

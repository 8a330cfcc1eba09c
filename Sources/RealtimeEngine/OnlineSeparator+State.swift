/// Saving and restoring what the engine has learnt, so that a restarted daemon resumes separating
/// at once instead of reconverging for seconds. The engine does no file I/O: the control plane
/// turns a `SeparatorState` into bytes (`encoded()`) and writes them.
extension OnlineSeparator {
    /// Storage for this engine's state; allocates, so call it off the processing thread.
    public func makeState() -> SeparatorState<T> {
        SeparatorState(configuration: configuration, scalarCount: stateSize.scalars, integerCount: stateSize.integers)
    }

    /// The length in bytes of this engine's state file (`makeState().encoded()`), known without
    /// allocating one: the only length a loadable file can have, so a reader can refuse a larger
    /// file before reading it.
    public var encodedStateSize: Int {
        SeparatorState<T>.encodedSize(scalars: stateSize.scalars, integers: stateSize.integers)
    }

    /// Copies the learnt state and the configuration into `state`, between two `process` calls:
    /// no allocation, no lock.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func copyState(into state: SeparatorState<T>) throws(SeparatorStateError) {
        try checkCompatible(state)
        var transfer = state.transfer(.save)
        transferState(&transfer)
        state.configuration = configuration
    }

    /// Continues from `state` exactly as the engine that saved it would have, live parameters
    /// included (call `apply` afterwards to impose others). Refuses, changing nothing, a state of
    /// another shape or with an index out of range. No allocation, no lock.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func loadState(_ state: SeparatorState<T>) throws(SeparatorStateError) {
        try checkCompatible(state)
        var verify = state.transfer(.verify)
        transferState(&verify)
        guard verify.isValid else { throw .malformed("a frame index or counter is out of range") }
        var transfer = state.transfer(.load)
        transferState(&transfer)
        configuration = state.configuration
        if case .fir(let stage) = stage { stage.trustLoadedState() }
        switch family {
        case .iva(let family): family.adoptLiveParameters(of: state.configuration)
        case .clustering(let family): family.adoptLiveParameters(of: state.configuration)
        }
        publishFilters()
    }

    private func checkCompatible(_ state: SeparatorState<T>) throws(SeparatorStateError) {
        guard configuration.hasSameShape(as: state.configuration) else {
            throw .shapeMismatch(state: state.configuration, engine: configuration)
        }
        guard state.scalarCount == stateSize.scalars, state.integerCount == stateSize.integers else {
            throw .malformed("it holds \(state.scalarCount) values and \(state.integerCount) counters; "
                + "an engine of its shape has \(stateSize.scalars) and \(stateSize.integers)")
        }
    }

    /// The engine's state, part by part: the analysis, the output stage, the family, the
    /// statistics.
    func transferState(_ transfer: inout StateTransfer<T>) {
        analyzer.transferState(&transfer)
        switch stage {
        case .stft(let stage): stage.transferState(&transfer)
        case .fir(let stage):
            stage.transferState(&transfer)
            transferPendingHop(&transfer)
        }
        switch family {
        case .iva(let family): family.transferState(&transfer)
        case .clustering(let family): family.transferState(&transfer)
        }
        transfer.counter(&statistics.frames)
        transfer.counter(&statistics.nonFiniteSamples)
        transfer.counter(&statistics.binResets)
        transfer.counter(&statistics.singularSolves)
    }
}

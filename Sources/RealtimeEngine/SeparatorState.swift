/// Everything an `OnlineSeparator` has learnt, as plain values: enough that an engine of the same
/// shape which loads it continues bit-exactly like the engine that saved it.
///
/// The storage is allocated once, off the processing thread (`OnlineSeparator.makeState()` or
/// `init(decoding:)`), and reused: `copyState(into:)` and `loadState(_:)` only copy, so the
/// control plane can snapshot a running engine without disturbing the audio. The contents are
/// two flat arrays in the order the engine's components list their state (`StateTransfer`):
/// demixing matrices and inverses, projection-back scales, covariance past, frame history, source
/// model statistics, STFT overlap buffers, counters. Only the engine reads them; what a caller
/// sees is the configuration and the bytes (`encoded()`).
///
/// Like the engine, an instance is used from one thread at a time.
public final class SeparatorState<T: EngineScalar> {
    /// The configuration of the engine that saved the state, live fields included.
    public internal(set) var configuration: SeparatorConfiguration
    let scalars: UnsafeMutablePointer<T>
    let scalarCount: Int
    let integers: UnsafeMutablePointer<Int64>
    let integerCount: Int

    init(configuration: SeparatorConfiguration, scalarCount: Int, integerCount: Int) {
        self.configuration = configuration
        self.scalarCount = scalarCount
        self.integerCount = integerCount
        scalars = .allocate(capacity: Swift.max(scalarCount, 1))
        scalars.initialize(repeating: 0, count: Swift.max(scalarCount, 1))
        integers = .allocate(capacity: Swift.max(integerCount, 1))
        integers.initialize(repeating: 0, count: Swift.max(integerCount, 1))
    }

    deinit {
        scalars.deallocate()
        integers.deallocate()
    }

    func transfer(_ direction: StateTransfer<T>.Direction) -> StateTransfer<T> {
        StateTransfer(direction, scalars: scalars, integers: integers)
    }
}

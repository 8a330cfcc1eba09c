import EngineParameters
import RealtimeEngine
import RealtimeSupport
import Testing

/// Saving and restoring an engine's state: a restored engine must continue exactly as the saved
/// one, and every way a state file can be wrong must be refused with a precise error.
@Suite("Separator state")
struct SeparatorStateTests {
    static func configuration(_ structure: SourceStructure = .spherical, channels: Int = 2) -> SeparatorConfiguration {
        var configuration = SeparatorConfiguration(channels: channels)
        configuration.frameLength = 512
        configuration.hop = 128
        configuration.history = 4
        configuration.block = 2
        configuration.structure = structure
        // ILRMA's warm-up is 2 / (1 − α) frames: 20 here, so the save happens after it.
        configuration.forgetting = 0.9
        return configuration
    }

    /// Bytes of a state saved from a 2×2 engine that has run a while.
    static func savedBytes<T: EngineScalar>(_: T.Type, _ configuration: SeparatorConfiguration = configuration()) throws -> [UInt8] {
        let separator = try OnlineSeparator<T>(configuration: configuration)
        _ = TestStream<T>(channels: configuration.channels, hop: 128, hops: 10).process(separator, hops: 0..<10)
        let state = separator.makeState()
        try separator.copyState(into: state)
        return state.encoded()
    }

    @Test("An engine that loads a saved state continues bit-exactly", arguments: SourceStructure.allCases)
    func continuation(structure: SourceStructure) throws {
        try expectContinuation(Float.self, structure)
        try expectContinuation(Double.self, structure)
    }

    private func expectContinuation<T: EngineScalar>(_: T.Type, _ structure: SourceStructure) throws {
        let configuration = Self.configuration(structure)
        let stream = TestStream<T>(hop: 128, hops: 75)
        let saver = try OnlineSeparator<T>(configuration: configuration)
        _ = stream.process(saver, hops: 0..<30)
        // Live parameters are part of the state: the loading engine starts without them.
        var live = configuration
        live.updateRule = .iss
        live.density = .laplace
        #expect(saver.apply(live))
        _ = stream.process(saver, hops: 30..<45)
        let state = saver.makeState()
        try saver.copyState(into: state)
        let loader = try OnlineSeparator<T>(configuration: configuration)
        try loader.loadState(SeparatorState<T>(decoding: state.encoded()))
        #expect(loader.configuration == live)

        let expected = stream.process(saver, hops: 45..<75)
        #expect(stream.process(loader, hops: 45..<75) == expected, "\(T.self) \(structure)")
        #expect(loader.statistics == saver.statistics)
        let fresh = try OnlineSeparator<T>(configuration: live)
        #expect(stream.process(fresh, hops: 45..<75) != expected, "a fresh engine is no different: the test shows nothing")
    }

    /// K < M adds the mixture covariance to the state: every update reads it (the steering vectors
    /// and the background), so a loader without it would not continue bit-exactly.
    @Test("An overdetermined engine (K < M) that loads a saved state continues bit-exactly")
    func overdeterminedContinuation() throws {
        try expectOverdeterminedContinuation(Float.self)
        try expectOverdeterminedContinuation(Double.self)
    }

    private func expectOverdeterminedContinuation<T: EngineScalar>(_: T.Type) throws {
        var configuration = Self.configuration(channels: 3)
        configuration.sources = 2
        let stream = TestStream<T>(channels: 3, hop: 128, hops: 60)
        let saver = try OnlineSeparator<T>(configuration: configuration)
        _ = stream.process(saver, hops: 0..<30)
        let state = saver.makeState()
        try saver.copyState(into: state)
        let loader = try OnlineSeparator<T>(configuration: configuration)
        try loader.loadState(SeparatorState<T>(decoding: state.encoded()))
        let expected = stream.process(saver, hops: 30..<60)
        #expect(stream.process(loader, hops: 30..<60) == expected, "\(T.self)")
        #expect(loader.statistics == saver.statistics)
        let fresh = try OnlineSeparator<T>(configuration: configuration)
        #expect(stream.process(fresh, hops: 30..<60) != expected, "a fresh engine is no different: the test shows nothing")
    }

    @Test("A state of another number of sources is refused, naming both")
    func sourcesMismatch() throws {
        var overdetermined = Self.configuration(channels: 3)
        overdetermined.sources = 2
        let state = try SeparatorState<Float>(decoding: try Self.savedBytes(Float.self, overdetermined))
        #expect(state.configuration.sources == 2)
        let square = try OnlineSeparator<Float>(configuration: Self.configuration(channels: 3))
        do {
            try square.loadState(state)
            Issue.record("a 2-source state loaded into a 3-source engine")
        } catch {
            guard case .shapeMismatch = error else { throw error }
            #expect(error.description.contains("3 microphones × 2 sources"), "\(error)")
            #expect(error.description.contains("3 microphones × 3 sources"), "\(error)")
            #expect(error.description.contains("sources"), "\(error)")
        }
    }

    @Test("Encoding and decoding round-trip")
    func roundTrip() throws {
        var configuration = Self.configuration(.lowRank)
        configuration.density = .generalizedGaussian(beta: 0.5)
        configuration.referenceMic = 1
        configuration.loading = 0.02
        configuration.overrides[1] = .init(structure: .spherical, density: .gaussian)
        let bytes = try Self.savedBytes(Double.self, configuration)
        #expect(Array(bytes.prefix(8)) == Array("BSSDSTAT".utf8))
        let decoded = try SeparatorState<Double>(decoding: bytes)
        #expect(decoded.configuration == configuration)
        #expect(decoded.encoded() == bytes)
    }

    @Test("Bytes that are not a state, or from another format version, are refused")
    func foreignBytes() throws {
        var bytes = try Self.savedBytes(Float.self)
        #expect(throws: SeparatorStateError.notAStateFile) { try SeparatorState<Float>(decoding: [UInt8]("[engine]\nalpha = 0.97\n".utf8)) }
        #expect(throws: SeparatorStateError.notAStateFile) { try SeparatorState<Float>(decoding: []) }
        #expect(SeparatorStateError.notAStateFile.description.contains("not a bssd state file"))
        // Version 2 (no separation family) is the format before this one.
        bytes[8] = 2
        #expect(throws: SeparatorStateError.unsupportedVersion(2, supported: 5)) { try SeparatorState<Float>(decoding: bytes) }
    }

    @Test("Truncated and damaged files are refused")
    func damagedBytes() throws {
        let bytes = try Self.savedBytes(Float.self)
        #expect(throws: SeparatorStateError.truncated(expectedBytes: bytes.count, foundBytes: bytes.count - 100)) {
            try SeparatorState<Float>(decoding: Array(bytes.dropLast(100)))
        }
        #expect(throws: SeparatorStateError.self) { try SeparatorState<Float>(decoding: Array(bytes.prefix(12))) }
        for offset in [30, bytes.count / 2, bytes.count - 9] {
            var flipped = bytes
            flipped[offset] ^= 0x10
            #expect(throws: SeparatorStateError.checksumMismatch) { try SeparatorState<Float>(decoding: flipped) }
        }
    }

    @Test("A state of another precision or shape is refused, naming both")
    func mismatches() throws {
        let float = try Self.savedBytes(Float.self)
        #expect(throws: SeparatorStateError.scalarMismatch(state: "Float", engine: "Double")) {
            try SeparatorState<Double>(decoding: float)
        }
        let state = try SeparatorState<Float>(decoding: float)
        let other = try OnlineSeparator<Float>(configuration: Self.configuration(channels: 3))
        do {
            try other.loadState(state)
            Issue.record("a 2×2 state loaded into a 3×3 engine")
        } catch {
            guard case .shapeMismatch = error else { throw error }
            #expect(error.description.contains("2 microphones × 2 sources"), "\(error)")
            #expect(error.description.contains("3 microphones × 3 sources"), "\(error)")
            #expect(error.description.contains("channels, sources"), "\(error)")
        }
        #expect(throws: SeparatorStateError.self) { try other.copyState(into: state) }
        var longer = Self.configuration()
        longer.history = 8
        #expect(throws: SeparatorStateError.shapeMismatch(state: Self.configuration(), engine: longer)) {
            try OnlineSeparator<Float>(configuration: longer).loadState(state)
        }
    }

    /// A file whose checksum is right but whose contents index out of bounds (here the newest
    /// history slot) is refused before anything is overwritten.
    @Test("An index out of range is refused and the engine is left as it was")
    func outOfRange() throws {
        var bytes = try Self.savedBytes(Float.self)
        // The header is 561 bytes; the first integer is the slot of the history's newest frame.
        bytes[561] = 99
        let checksum = fnv1a(bytes.dropLast(8))
        for i in 0..<8 { bytes[bytes.count - 8 + i] = UInt8(truncatingIfNeeded: checksum >> (8 * UInt64(i))) }
        let state = try SeparatorState<Float>(decoding: bytes)
        let stream = TestStream<Float>(hop: 128, hops: 20)
        let separator = try OnlineSeparator<Float>(configuration: Self.configuration())
        _ = stream.process(separator, hops: 0..<10)
        let twin = try OnlineSeparator<Float>(configuration: Self.configuration())
        _ = stream.process(twin, hops: 0..<10)
        #expect(throws: SeparatorStateError.self) { try separator.loadState(state) }
        #expect(stream.process(separator, hops: 10..<20) == stream.process(twin, hops: 10..<20))
    }

    @Test("copyState and loadState allocate nothing", arguments: SourceStructure.allCases)
    func noAllocations(structure: SourceStructure) throws {
        try expectNoAllocations(Float.self, structure)
        try expectNoAllocations(Double.self, structure)
    }

    private func expectNoAllocations<T: EngineScalar>(_: T.Type, _ structure: SourceStructure) throws {
        let separator = try OnlineSeparator<T>(configuration: Self.configuration(structure))
        _ = TestStream<T>(hop: 128, hops: 10).process(separator, hops: 0..<10)
        let state = separator.makeState()
        // The first call may instantiate generic metadata in unspecialised (debug) code, as any
        // first pass may (see AllocationCounter); release builds measured 0 without it.
        try separator.copyState(into: state)
        let (_, allocations) = try AllocationCounter.count {
            try separator.copyState(into: state)
            try separator.loadState(state)
        }
        #expect(allocations == 0, "\(allocations) allocations saving and loading a \(T.self) \(structure) engine")
    }
}

/// FNV-1a 64, as the format specifies, to forge a file whose checksum is right.
private func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
    bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
}

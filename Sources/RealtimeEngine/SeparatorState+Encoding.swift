import EngineParameters

/// The state file format, version 5. All numbers little-endian:
///
///     magic "BSSDSTAT" | version u32 | total length u64 (including the checksum)
///     scalar size u8 (4 Float, 8 Double)
///     configuration: channels, sources, frame, hop, history, block, bases, reference mic,
///       iterations, group-sparse bands (u32 each); structure (name, 16 bytes zero-padded); update rule, density kind
///       (u8 each); density shape, forgetting, loading (f64 each); then for each of the 16
///       override slots: which halves are set (u8: 1 structure, 2 density), structure name (16
///       bytes), density kind (u8), density shape (f64); family, mixture model (u8 each); largest
///       delay, mask floor (f64 each); clusters, NMF stage bases (u32 each)
///     integer count u64 | scalar count u64
///     integers (i64 each) | scalars (IEEE bit patterns of the scalar size)
///     FNV-1a 64 of every byte before it (u64)
///
/// The length comes before everything that can vary, so an interrupted write reads as
/// "truncated" rather than as a checksum error, and the version before the length, so a later
/// format may lay out the rest differently. The full configuration is kept, not just the shape,
/// because loading restores the live parameters too. Version 1 had no per-source models and one
/// low-rank state for all sources; version 2 had no separation family (IVA only); version 3 no
/// cluster count nor NMF stage; version 4 neither the sparse, group-sparse, harmonic and
/// plug-and-play structures nor the automatic choice. All are refused by version.
extension SeparatorState {
    static var magic: [UInt8] { Array("BSSDSTAT".utf8) }
    static var formatVersion: Int { 5 }
    /// Magic, version and total length: what must be read before anything else makes sense.
    private static var prefixSize: Int { 8 + 4 + 8 }
    private static var headerSize: Int {
        prefixSize + 1 + 10 * 4 + ConfigurationCode.nameSize + 2 + 3 * 8
            + SourceModelOverrides.capacity * (1 + ConfigurationCode.nameSize + 1 + 8) + 2 + 2 * 8 + 2 * 8 + 2 * 4
    }
    private static var checksumSize: Int { 8 }

    /// The length of `encoded()` for a state of these counts.
    static func encodedSize(scalars: Int, integers: Int) -> Int {
        headerSize + integers * 8 + scalars * MemoryLayout<T>.size + checksumSize
    }

    /// The state as bytes for a file. Allocates: call it off the processing thread.
    public func encoded() -> [UInt8] {
        let total = Self.encodedSize(scalars: scalarCount, integers: integerCount)
        var writer = StateByteWriter(capacity: total)
        writer.bytes.append(contentsOf: Self.magic)
        writer.integer(UInt32(Self.formatVersion))
        writer.integer(UInt64(total))
        writer.integer(UInt8(MemoryLayout<T>.size))
        writer.configuration(configuration)
        writer.integer(UInt64(integerCount))
        writer.integer(UInt64(scalarCount))
        for i in 0..<integerCount { writer.integer(integers[i]) }
        for i in 0..<scalarCount { writer.scalar(scalars[i]) }
        writer.integer(fnv1a(writer.bytes))
        return writer.bytes
    }

    /// Reads bytes written by `encoded()`, checking magic, version, length, checksum, precision
    /// and the configuration, in that order, so the error names the first thing wrong.
    public convenience init(decoding bytes: [UInt8]) throws(SeparatorStateError) {
        try self.init(decoding: bytes, structures: SourceStructure.allCases)
    }

    /// The same, knowing the structures of `structures` by name (a registry with structures of
    /// its own, in tests).
    convenience init(decoding bytes: [UInt8], structures: [SourceStructure]) throws(SeparatorStateError) {
        guard bytes.count >= Self.magic.count, bytes.prefix(Self.magic.count).elementsEqual(Self.magic) else {
            throw .notAStateFile
        }
        guard bytes.count >= Self.prefixSize else {
            throw .truncated(expectedBytes: Self.headerSize, foundBytes: bytes.count)
        }
        var reader = StateByteReader(bytes: bytes, offset: Self.magic.count)
        let version = Int(try reader.integer(UInt32.self))
        guard version == Self.formatVersion else {
            throw .unsupportedVersion(version, supported: Self.formatVersion)
        }
        guard let total = Int(exactly: try reader.integer(UInt64.self)), total >= Self.headerSize + Self.checksumSize else {
            throw .malformed("its length field is impossible")
        }
        guard bytes.count >= total else { throw .truncated(expectedBytes: total, foundBytes: bytes.count) }
        guard bytes.count == total else { throw .malformed("\(bytes.count - total) bytes follow the end of the state") }
        var trailer = StateByteReader(bytes: bytes, offset: total - Self.checksumSize)
        guard try trailer.integer(UInt64.self) == fnv1a(bytes.prefix(total - Self.checksumSize)) else {
            throw .checksumMismatch
        }
        let scalarSize = Int(try reader.integer(UInt8.self))
        guard scalarSize == MemoryLayout<T>.size else {
            throw .scalarMismatch(state: scalarName(size: scalarSize), engine: "\(T.self)")
        }
        let configuration = try reader.configuration(structures: structures)
        do { try configuration.validate() } catch { throw .malformed("\(error)") }
        let integers = try reader.integer(UInt64.self), scalars = try reader.integer(UInt64.self)
        let payload = UInt64(total - Self.headerSize - Self.checksumSize)
        guard integers <= payload / 8, scalars <= payload / UInt64(scalarSize),
              integers * 8 + scalars * UInt64(scalarSize) == payload else {
            throw .malformed("its value counts do not match its length")
        }
        self.init(configuration: configuration, scalarCount: Int(scalars), integerCount: Int(integers))
        for i in 0..<integerCount { self.integers[i] = try reader.integer(Int64.self) }
        for i in 0..<scalarCount { self.scalars[i] = try reader.scalar(T.self) }
    }
}

private func scalarName(size: Int) -> String {
    switch size {
    case 4: "Float"
    case 8: "Double"
    default: "\(size)-byte scalar"
    }
}

/// FNV-1a, 64 bit: catches any flipped byte and every truncation the length field misses; the
/// file is not a security boundary, so a cryptographic hash would buy nothing.
private func fnv1a<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
}

/// Stable one-byte codes for the configuration's enumerations: raw strings or case order could
/// change without anyone thinking of old state files.
private enum ConfigurationCode {
    /// Structures are stored by name (a registered structure joins the format without a code);
    /// a name none of the reader's structures has reads as unknown.
    static let nameSize = 16

    static func structure(_ code: [UInt8], among structures: [SourceStructure]) -> SourceStructure? {
        structures.first { nameBytes($0) == code }
    }

    static func nameBytes(_ structure: SourceStructure) -> [UInt8] {
        let name = Array(structure.rawValue.utf8.prefix(nameSize))
        return name + Array(repeating: 0, count: nameSize - name.count)
    }

    static func rule(_ value: SeparatorConfiguration.UpdateRule) -> UInt8 {
        switch value {
        case .ip: 0
        case .iss: 1
        }
    }

    static func rule(_ code: UInt8) -> SeparatorConfiguration.UpdateRule? {
        [0: .ip, 1: .iss][code]
    }

    static func density(_ value: SourceDensityKind) -> (code: UInt8, shape: Double) {
        switch value {
        case .laplace: (0, 0)
        case .generalizedGaussian(let beta): (1, beta)
        case .studentT(let nu): (2, nu)
        case .gaussian: (3, 0)
        }
    }

    static func density(code: UInt8, shape: Double) -> SourceDensityKind? {
        switch code {
        case 0: .laplace
        case 1: .generalizedGaussian(beta: shape)
        case 2: .studentT(nu: shape)
        case 3: .gaussian
        default: nil
        }
    }
}

private struct StateByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func integer<I: FixedWidthInteger>(_ value: I) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func scalar<T: EngineScalar>(_ value: T) {
        switch MemoryLayout<T>.size {
        case 4: integer(unsafeBitCast(value, to: UInt32.self))
        case 8: integer(unsafeBitCast(value, to: UInt64.self))
        default: fatalError("state files hold Float or Double, not \(T.self)")
        }
    }

    mutating func configuration(_ c: SeparatorConfiguration) {
        for field in [c.channels, c.sources, c.frameLength, c.hop, c.history, c.block, c.nmfBases, c.referenceMic, c.iterations, c.groups] {
            integer(UInt32(truncatingIfNeeded: field))
        }
        let density = ConfigurationCode.density(c.density)
        bytes.append(contentsOf: ConfigurationCode.nameBytes(c.structure))
        integer(ConfigurationCode.rule(c.updateRule))
        integer(density.code)
        integer(density.shape.bitPattern)
        integer(c.forgetting.bitPattern)
        integer(c.loading.bitPattern)
        for k in 0..<SourceModelOverrides.capacity {
            let override = c.overrides[k]
            let density = ConfigurationCode.density(override.density ?? c.density)
            integer(UInt8((override.structure == nil ? 0 : 1) | (override.density == nil ? 0 : 2)))
            bytes.append(contentsOf: ConfigurationCode.nameBytes(override.structure ?? c.structure))
            integer(density.code)
            integer(density.shape.bitPattern)
        }
        integer(UInt8(SeparationFamilyKind.allCases.firstIndex(of: c.family)!))
        integer(UInt8(MixtureModelKind.allCases.firstIndex(of: c.mixture)!))
        integer(c.maxDelay.bitPattern)
        integer(c.maskFloor.bitPattern)
        integer(UInt32(truncatingIfNeeded: c.clusters))
        integer(UInt32(truncatingIfNeeded: c.clusterBases))
    }
}

private struct StateByteReader {
    let bytes: [UInt8]
    var offset: Int

    mutating func integer<I: FixedWidthInteger>(_: I.Type) throws(SeparatorStateError) -> I {
        let size = MemoryLayout<I>.size
        guard offset + size <= bytes.count else {
            throw .truncated(expectedBytes: offset + size, foundBytes: bytes.count)
        }
        var value: I = 0
        for i in 0..<size { value |= I(truncatingIfNeeded: bytes[offset + i]) << (8 * i) }
        offset += size
        return value
    }

    mutating func scalar<T: EngineScalar>(_: T.Type) throws(SeparatorStateError) -> T {
        switch MemoryLayout<T>.size {
        case 4: unsafeBitCast(try integer(UInt32.self), to: T.self)
        case 8: unsafeBitCast(try integer(UInt64.self), to: T.self)
        default: fatalError("state files hold Float or Double, not \(T.self)")
        }
    }

    mutating func configuration(structures: [SourceStructure]) throws(SeparatorStateError) -> SeparatorConfiguration {
        var fields: [Int] = []
        for _ in 0..<10 { fields.append(Int(try integer(UInt32.self))) }
        let structureName = try name(), ruleCode = try integer(UInt8.self), densityCode = try integer(UInt8.self)
        let shape = Double(bitPattern: try integer(UInt64.self))
        guard let structure = ConfigurationCode.structure(structureName, among: structures), let rule = ConfigurationCode.rule(ruleCode),
              let density = ConfigurationCode.density(code: densityCode, shape: shape) else {
            throw .malformed("it names an unknown source structure, update rule or source density")
        }
        var c = SeparatorConfiguration(channels: fields[0], sources: fields[1])
        c.frameLength = fields[2]
        c.hop = fields[3]
        c.history = fields[4]
        c.block = fields[5]
        c.nmfBases = fields[6]
        c.referenceMic = fields[7]
        c.iterations = fields[8]
        c.groups = fields[9]
        c.structure = structure
        c.updateRule = rule
        c.density = density
        c.forgetting = Double(bitPattern: try integer(UInt64.self))
        c.loading = Double(bitPattern: try integer(UInt64.self))
        for k in 0..<SourceModelOverrides.capacity {
            let set = try integer(UInt8.self), structureName = try name(), densityCode = try integer(UInt8.self)
            let shape = Double(bitPattern: try integer(UInt64.self))
            guard set & ~3 == 0, let structure = ConfigurationCode.structure(structureName, among: structures),
                  let density = ConfigurationCode.density(code: densityCode, shape: shape) else {
                throw .malformed("source \(k)'s model names an unknown source structure or density")
            }
            c.overrides[k] = .init(structure: set & 1 != 0 ? structure : nil, density: set & 2 != 0 ? density : nil)
        }
        let familyCode = Int(try integer(UInt8.self)), mixtureCode = Int(try integer(UInt8.self))
        guard SeparationFamilyKind.allCases.indices.contains(familyCode), MixtureModelKind.allCases.indices.contains(mixtureCode) else {
            throw .malformed("it names an unknown separation family or mixture model")
        }
        c.family = SeparationFamilyKind.allCases[familyCode]
        c.mixture = MixtureModelKind.allCases[mixtureCode]
        c.maxDelay = Double(bitPattern: try integer(UInt64.self))
        c.maskFloor = Double(bitPattern: try integer(UInt64.self))
        c.clusters = Int(try integer(UInt32.self))
        c.clusterBases = Int(try integer(UInt32.self))
        return c
    }

    mutating func name() throws(SeparatorStateError) -> [UInt8] {
        var name: [UInt8] = []
        for _ in 0..<ConfigurationCode.nameSize { name.append(try integer(UInt8.self)) }
        return name
    }
}

/// Why a saved separator state cannot be used, worded for the operator who has to decide what to
/// do with the file.
public enum SeparatorStateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes do not start with the state magic.
    case notAStateFile
    /// Written by a bssd whose state format this one does not read.
    case unsupportedVersion(Int, supported: Int)
    /// Fewer bytes than the header announces: an interrupted write or copy.
    case truncated(expectedBytes: Int, foundBytes: Int)
    /// The checksum does not match the contents: the file was changed or damaged.
    case checksumMismatch
    /// The checksum matches but the contents make no sense (an invalid setting, an index out of
    /// range): written by something other than bssd, or by a bssd with a bug.
    case malformed(String)
    /// The state was computed in another precision than the engine's.
    case scalarMismatch(state: String, engine: String)
    /// The state is for an engine with other buffers (see `OnlineSeparator.restartKeys`).
    case shapeMismatch(state: SeparatorConfiguration, engine: SeparatorConfiguration)

    public var description: String {
        switch self {
        case .notAStateFile:
            return "not a bssd state file (it does not start with \"BSSDSTAT\")"
        case .unsupportedVersion(let version, let supported):
            return "the state file has format version \(version); this bssd reads version \(supported) only: "
                + "discard the state, the separator will reconverge"
        case .truncated(let expected, let found):
            return "the state file is truncated: \(found) of \(expected) bytes (an interrupted write?)"
        case .checksumMismatch:
            return "the state file is corrupt: its checksum does not match its contents"
        case .malformed(let reason):
            return "the state file is malformed: \(reason)"
        case .scalarMismatch(let state, let engine):
            return "the state was saved by a \(state) engine; this engine computes in \(engine)"
        case .shapeMismatch(let state, let engine):
            let keys = state.shapeKeys(differingFrom: engine).joined(separator: ", ")
            return "the state is for \(state.shapeDescription); this engine runs \(engine.shapeDescription): "
                + "\(keys) differ. Run the engine with the state's settings, or discard the state"
        }
    }
}

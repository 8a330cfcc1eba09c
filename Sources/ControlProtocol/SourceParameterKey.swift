/// `source.N.structure`, `source.N.density`: one source's own half of its model, as `set` and
/// `bssctl set` name it (the config file's `[engine.source.N]`, `bssd --source N=…`).
public struct SourceParameterKey: Sendable, Equatable {
    public let source: Int
    /// `.structure` or `.density`.
    public let parameter: ParameterName

    public init?(source: Int, parameter: ParameterName) {
        guard parameter == .structure || parameter == .density, source >= 0 else { return nil }
        self.source = source
        self.parameter = parameter
    }

    /// Parses `source.N.structure` or `source.N.density`; nil for any other text.
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "source", parts[1].count <= 4, let source = Int(parts[1]),
              let parameter = ParameterName(rawValue: String(parts[2])) else { return nil }
        self.init(source: source, parameter: parameter)
    }

    public var text: String { "source.\(source).\(parameter.rawValue)" }

    /// How the keys are written, for help and refusals.
    public static let spelling = "source.N.structure, source.N.density"
}

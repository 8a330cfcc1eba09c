extension EngineParameter {
    /// The front end a setting is written in, for messages that quote it as the operator would
    /// write it there.
    public enum FrontEnd: Sendable {
        /// A `bssd` option: `--structure lowrank`.
        case commandLine
        /// A config-file key: `engine.structure = "lowrank"`.
        case configFile
        /// A control-protocol parameter: `set structure lowrank`.
        case control
    }

    /// The parameter's name in `frontEnd`.
    public func spelling(in frontEnd: FrontEnd) -> String {
        switch frontEnd {
        case .commandLine: flag
        case .configFile: configKey
        case .control: name
        }
    }

    /// `value` set for this parameter, written as in `frontEnd`.
    public func setting(_ value: String, in frontEnd: FrontEnd) -> String {
        Self.setting(spelling(in: frontEnd), value, in: frontEnd)
    }

    static func setting(_ key: String, _ value: String, in frontEnd: FrontEnd) -> String {
        switch frontEnd {
        case .commandLine: "\(key) \(value)"
        case .configFile: "\(key) = \"\(value)\""
        case .control: "set \(key) \(value)"
        }
    }

    /// The names an earlier release gave parameters, accepted for one more release in every front
    /// end (`--algorithm`, `engine.algorithm`, `set algorithm`) and taken as their replacement.
    /// The one table of deprecations: each front end asks it for the replacement, the translated
    /// value and the words of its warning, so the three cannot disagree.
    public enum Deprecated: String, Sendable, CaseIterable {
        /// The source model's structure, named after the two methods that use one.
        case algorithm
        /// The source model's density.
        case model

        public var replacement: EngineParameter {
            switch self {
            case .algorithm: .structure
            case .model: .density
            }
        }

        public func spelling(in frontEnd: FrontEnd) -> String {
            switch frontEnd {
            case .commandLine: "--\(rawValue)"
            case .configFile: "engine.\(rawValue)"
            case .control: rawValue
            }
        }

        /// The replacement's spelling of an old value (`ilrma` → `lowrank`); nil when the value
        /// was not one of the old spellings. A density keeps its spelling, checked by the new key.
        public func translated(_ value: String) -> String? {
            switch self {
            case .algorithm: Self.structure(algorithm: value)?.rawValue
            case .model: value
            }
        }

        /// What the old name took, for its refusal.
        public var allowed: String {
            switch self {
            case .algorithm:
                Self.structures.sorted { $0.key > $1.key }.map { "\($0.key) (now \($0.value.rawValue))" }.joined(separator: " or ")
            case .model: replacement.allowed
            }
        }

        /// The methods the old `algorithm` named, by the structure each used.
        private static let structures: [String: SourceStructure] = ["iva": .spherical, "ilrma": .lowRank]

        /// The structure an old `algorithm` value names (`ilrma` → low-rank); nil for any other text.
        public static func structure(algorithm value: String) -> SourceStructure? {
            structures[value.lowercased()]
        }

        /// The warning for `value` given under the old name in `frontEnd`: what is deprecated, what
        /// it is taken as, and what to write instead.
        public func warning(_ value: String, in frontEnd: FrontEnd) -> String {
            let new = replacement.setting(translated(value) ?? value, in: frontEnd)
            return "\(EngineParameter.setting(spelling(in: frontEnd), value, in: frontEnd)) is deprecated and will be "
                + "removed in the next release; it is taken as \(new): write that instead"
        }

        /// The refusal when both the old and the new name are given.
        public func conflict(in frontEnd: FrontEnd) -> String {
            let old = spelling(in: frontEnd), new = replacement.spelling(in: frontEnd)
            return "\(old) and \(new) are both given, but \(old) is the deprecated name of \(new): keep only \(new)"
        }
    }
}

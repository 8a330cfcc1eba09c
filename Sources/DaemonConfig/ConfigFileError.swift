/// Why a config file gave no configuration: every problem found in it, so that an operator fixes
/// the file in one round rather than one problem per restart. The description is what the
/// operator reads, one line per problem (`/etc/bssd/bssd.toml: engine.alpha = 1.5 is invalid:
/// allowed is …`), each with the file first, then the dotted key, the value as written and what
/// would be accepted, so it can be fixed without reading the source.
public struct ConfigFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config file, as it was given.
    public let path: String
    /// Never empty; sorted by key, so the lines follow the file's keys rather than the order the
    /// checks happened to run in. Problems without a key (ALSA's sentences) come last.
    public let reasons: [Reason]

    public init(path: String, reasons: [Reason]) {
        precondition(!reasons.isEmpty, "a config file error without a reason")
        self.path = path
        self.reasons = reasons.sorted { first, second in
            switch (first.key, second.key) {
            case let (first?, second?): first < second
            case (.some, nil): true
            default: false
            }
        }
    }

    public init(path: String, reason: Reason) {
        self.init(path: path, reasons: [reason])
    }

    public var description: String {
        reasons.map { $0.line(in: path) }.joined(separator: "\n")
    }

    /// True when nothing is wrong but a file that could not be read at all (the config file, or
    /// one it refers to): sysexits tells that (66) from a file that says something wrong (78), and
    /// a file with both has something to fix in it.
    public var isUnreadable: Bool {
        reasons.allSatisfy(\.isUnreadable)
    }
}

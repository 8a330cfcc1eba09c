import TOMLKit

/// A config file's TOML sorted into what bssd knows and what it does not: the keys of the schema
/// with their values, and a problem for every unknown section or key, all found in one walk.
struct ConfigFileDocument {
    /// Every known key the file sets, with its value as written.
    private(set) var entries: [(key: ConfigFileKey, value: ConfigFileValue)] = []
    /// One `unknownSection` or `unknownKey` per name bssd does not know.
    private(set) var unknownNames: [ConfigFileError.Reason] = []
    /// The known keys a misspelt name most likely meant (`frme` for `engine.frame`): the file
    /// wanted to set them, so keys checked against them must not be checked against the default.
    private(set) var misspelt: Set<String> = []

    /// Parsing stops at the first syntax error: after it, TOML gives no keys to check.
    init(text: String) throws(ConfigFileError.Reason) {
        let document: TOMLTable
        do { document = try TOMLTable(string: text) } catch {
            // TOMLKit throws nothing else; its declaration just does not say so.
            let parseError = error as? TOMLParseError
            let begin = parseError?.source.begin
            throw .syntax(line: begin?.line ?? 0, column: begin?.column ?? 0, message: parseError?.description ?? "\(error)")
        }
        for (sectionName, node) in document {
            guard let section = node.table else {
                let sameName = ConfigFileSchema.keys.first { $0.name == sectionName }?.dotted
                unknownKey(sectionName, suggestion: sameName ?? KeySuggestion.closest(to: sectionName, among: ConfigFileSchema.keys.map(\.dotted)))
                continue
            }
            guard ConfigFileSchema.sections.contains(sectionName) else {
                let suggestion = KeySuggestion.closest(to: sectionName, among: ConfigFileSchema.sections)
                unknownNames.append(.unknownSection(sectionName, suggestion: suggestion))
                if let suggestion { misspelt.formUnion(section.map { "\(suggestion).\($0.0)" }) }
                continue
            }
            for (name, node) in section {
                guard let key = ConfigFileSchema.key(section: sectionName, name: name) else {
                    let known = ConfigFileSchema.keys.filter { $0.section == sectionName }.map(\.name)
                    let suggestion = KeySuggestion.closest(to: name, among: known)
                    unknownKey("\(sectionName).\(name)", suggestion: suggestion.map { "\(sectionName).\($0)" })
                    continue
                }
                entries.append((key, ConfigFileValue(key: key.dotted, node: node)))
            }
        }
    }

    private mutating func unknownKey(_ name: String, suggestion: String?) {
        unknownNames.append(.unknownKey(name, suggestion: suggestion))
        if let suggestion { misspelt.insert(suggestion) }
    }
}

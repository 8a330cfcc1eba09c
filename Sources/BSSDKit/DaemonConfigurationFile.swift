import RealtimeEngine
import TOMLKit

/// `bssd.toml`: the daemon's configuration as a file (documented key by key in
/// `config/bssd.toml`). A file is all or nothing: any unknown key, wrong type or value outside its
/// limits refuses the whole file with one message naming the file, the key and the value, since a
/// daemon that half-applies its file runs a configuration nobody wrote.
public enum DaemonConfigurationFile {
    /// What an empty file gives: the default devices, two microphones, and every other setting at
    /// its default in `DaemonConfiguration` and `SeparatorConfiguration`.
    public static let defaults = DaemonConfiguration(
        captureDevice: "default", playbackDevice: "default", engine: SeparatorConfiguration(channels: 2))

    public static func load(path: String) throws(ConfigFileError) -> DaemonConfiguration {
        let text: String
        do { text = try TextFile.read(path) } catch {
            throw ConfigFileError(path: path, reason: .unreadable(reason: error.reason))
        }
        return try parse(text: text, path: path)
    }

    /// `text` as the contents of the file at `path`, which names the file in errors and anchors
    /// relative paths (`audio.asoundrc`). Runs `DaemonConfiguration.check()`, so what it returns
    /// passes every check that needs no device.
    public static func parse(text: String, path: String) throws(ConfigFileError) -> DaemonConfiguration {
        do {
            let (configuration, written) = try read(text: text, directory: directory(of: path))
            try check(configuration, written: written)
            return configuration
        } catch {
            throw ConfigFileError(path: path, reason: error)
        }
    }

    /// Applies every key of the file to a draft; returns the configuration and the values as
    /// written, by dotted key, to quote them in later messages.
    private static func read(
        text: String, directory: String
    ) throws(ConfigFileError.Reason) -> (DaemonConfiguration, [String: ConfigFileValue]) {
        let document: TOMLTable
        do { document = try TOMLTable(string: text) } catch {
            // TOMLKit throws nothing else; its declaration just does not say so.
            let parseError = error as? TOMLParseError
            let begin = parseError?.source.begin
            throw .syntax(line: begin?.line ?? 0, column: begin?.column ?? 0, message: parseError?.description ?? "\(error)")
        }
        var draft = ConfigFileDraft(directory: directory)
        var written: [String: ConfigFileValue] = [:]
        for (sectionName, node) in document {
            guard let section = node.table else {
                let dotted = ConfigFileSchema.keys.map(\.dotted)
                let sameName = ConfigFileSchema.keys.first { $0.name == sectionName }?.dotted
                throw .unknownKey(sectionName, suggestion: sameName ?? KeySuggestion.closest(to: sectionName, among: dotted))
            }
            guard ConfigFileSchema.sections.contains(sectionName) else {
                throw .unknownSection(
                    sectionName, suggestion: KeySuggestion.closest(to: sectionName, among: ConfigFileSchema.sections))
            }
            for (name, node) in section {
                guard let key = ConfigFileSchema.key(section: sectionName, name: name) else {
                    let known = ConfigFileSchema.keys.filter { $0.section == sectionName }
                    let suggestion = KeySuggestion.closest(to: name, among: known.map(\.name))
                    throw .unknownKey("\(sectionName).\(name)", suggestion: suggestion.map { "\(sectionName).\($0)" })
                }
                let value = ConfigFileValue(key: key.dotted, node: node)
                try key.apply(value, &draft)
                written[key.dotted] = value
            }
        }
        return (draft.configuration(), written)
    }

    /// `configuration.check()` in the file's terms: the dotted key and the value as written.
    private static func check(
        _ configuration: DaemonConfiguration, written: [String: ConfigFileValue]
    ) throws(ConfigFileError.Reason) {
        do { try configuration.check() } catch {
            switch error {
            case let .setting(setting):
                let key = ConfigFileSchema.key(named: setting.key)?.dotted ?? setting.key
                throw .invalid(key: key, value: written[key]?.rendered ?? setting.value, allowed: setting.allowed)
            case let .request(problem):
                throw .rejected(problem)
            }
        }
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

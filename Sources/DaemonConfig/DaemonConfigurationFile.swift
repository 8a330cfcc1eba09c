import RealtimeEngine
import RegularFiles

/// `bssd.toml`: the daemon's configuration as a file (documented key by key in
/// `config/bssd.toml`). A file is all or nothing: any unknown key, wrong type or value outside its
/// limits refuses the whole file, since a daemon that half-applies its file runs a configuration
/// nobody wrote. The refusal lists every such problem at once (`ConfigFileChecks`), each naming
/// the file, the key and the value; only a file that cannot be read or is not TOML stops at one.
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
        let document: ConfigFileDocument
        do { document = try ConfigFileDocument(text: text) } catch {
            throw ConfigFileError(path: path, reason: error)
        }
        let (configuration, reasons) = ConfigFileChecks.read(document, directory: directory(of: path))
        guard reasons.isEmpty else { throw ConfigFileError(path: path, reasons: reasons) }
        var loaded = configuration
        loaded.warnings = configuration.warnings.map { "\(path): \($0)" }
        return loaded
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

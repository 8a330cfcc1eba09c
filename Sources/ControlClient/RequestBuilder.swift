import Foundation
import ControlProtocol
public import EngineParameters

/// The requests `bssctl`'s subcommands send, built from their command-line words. Kept out of the
/// command types so that the mapping is unit-tested without running a command.
public enum RequestBuilder {
    /// `get [NAME]`; names may be written with `-` for `_` (`gain-db`).
    public static func get(name: String?) throws(ControlError) -> ControlMethod {
        guard let name else { return .get(nil) }
        return .get(try parameterName(name))
    }

    static func parameterName(_ text: String) throws(ControlError) -> ParameterName {
        guard let name = ParameterName(rawValue: text.lowercased().replacingOccurrences(of: "-", with: "_")) else {
            throw ControlError(.invalidParams, "unknown parameter '\(text)'; parameters: \(ParameterName.list), \(SourceParameterKey.spelling)")
        }
        return name
    }

    /// The deprecated parameter `text` names (`algorithm`), written as `parameterName` takes it.
    public static func deprecatedName(_ text: String) -> EngineParameter.Deprecated? {
        EngineParameter.Deprecated(rawValue: text.lowercased().replacingOccurrences(of: "-", with: "_"))
    }

    public static func set(name: String, value: String) throws(ControlError) -> ControlMethod {
        .set([try ParameterChange(name: name, text: value)])
    }

    /// `route SOURCE --to CH,CH`; SOURCE `off` silences the channels.
    public static func route(source: String, to channels: String) throws(ControlError) -> ControlMethod {
        let sourceIndex: Int?
        if ["off", "none", "-"].contains(source.lowercased()) {
            sourceIndex = nil
        } else if let index = Int(source) {
            sourceIndex = index
        } else {
            throw ControlError(.invalidParams, "source must be a source index or 'off', got '\(source)'")
        }
        guard let list = ParameterChange.channels(channels) else {
            throw ControlError(.invalidParams, "--to must list playback channel indices separated by commas (e.g. 0,1), got '\(channels)'")
        }
        return .route(source: sourceIndex, channels: list)
    }

    /// `bssctl target N|next|off`.
    public static func target(_ word: String) throws(ControlError) -> ControlMethod {
        switch word.lowercased() {
        case "next": return .target(.next)
        case "off", "none", "-": return .target(.off)
        default:
            guard let index = Int(word) else {
                throw ControlError(.invalidParams, "target takes a source index, 'next' or 'off', got '\(word)'")
            }
            return .target(.source(index))
        }
    }

    public static func bypass(_ word: String) throws(ControlError) -> ControlMethod {
        guard let flag = ParameterChange.flag(word) else {
            throw ControlError(.invalidParams, "bypass takes on or off, got '\(word)'")
        }
        return .set([.bypass(flag)])
    }

    /// The daemon runs in another directory: a relative path is made absolute against the
    /// client's `workingDirectory`.
    public static func absolutePath(_ path: String, workingDirectory: String) -> String {
        if path.hasPrefix("/") { return path }
        let base = workingDirectory.hasSuffix("/") ? String(workingDirectory.dropLast()) : workingDirectory
        return base + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    /// `--socket`, else `BSSD_SOCKET`, else the daemon's default (`SocketPath`); when that does
    /// not exist but the system service's `/run/bssd/control.sock` does, that one.
    public static func socketPath(option: String?, environment: [String: String], uid: UInt32, exists: (String) -> Bool) -> String {
        if let option { return option }
        if let variable = environment["BSSD_SOCKET"], !variable.isEmpty { return variable }
        let personal = SocketPath.defaultPath(environment: environment, uid: uid)
        return !exists(personal) && exists(systemSocket) ? systemSocket : personal
    }

    public static let systemSocket = "/run/bssd/control.sock"
}

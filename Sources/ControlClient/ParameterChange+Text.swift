import Foundation

import ControlProtocol
import EngineParameters
import PlainDecimal

extension ParameterChange {
    /// The change `bssctl set NAME VALUE` asks for. Only the type and spelling are checked here;
    /// the daemon checks ranges against the running engine and explains its refusals.
    public init(name: String, text: String) throws(ControlError) {
        if let old = RequestBuilder.deprecatedName(name) {
            guard let new = old.translated(text) else {
                throw ControlError(.invalidParams, "\(old.rawValue) cannot be '\(text)': allowed is \(old.allowed)")
            }
            try self.init(name: old.replacement.name, text: new)
            return
        }
        if let key = SourceParameterKey(parsing: name.lowercased()) {
            if key.parameter == .density { self = .sourceDensity(source: key.source, text); return }
            guard let structure = SourceStructure(rawValue: text.lowercased()) else {
                throw ControlError(.invalidParams, "\(key.text) cannot be '\(text)': allowed is \(EngineParameter.structure.allowed)")
            }
            self = .sourceStructure(source: key.source, structure)
            return
        }
        let parameter = try RequestBuilder.parameterName(name)
        func invalid() -> ControlError {
            ControlError(.invalidParams, "\(parameter.rawValue) cannot be '\(text)': allowed is \(parameter.allowed)")
        }
        func choice<T: RawRepresentable<String>>(_: T.Type) throws(ControlError) -> T {
            guard let value = T(rawValue: text.lowercased()) else { throw invalid() }
            return value
        }
        switch parameter {
        case .alpha: guard let value = Double(plainDecimal: text) else { throw invalid() }; self = .alpha(value)
        case .iterations: guard let value = Int(text) else { throw invalid() }; self = .iterations(value)
        case .structure: self = .structure(try choice(SourceStructure.self))
        case .update: self = .update(try choice(LiveParameters.UpdateRule.self))
        case .density: self = .density(text)
        case .mixture: self = .mixture(try choice(MixtureModelKind.self))
        case .routing: guard let routes = Self.routes(text) else { throw invalid() }; self = .routing(routes)
        case .gainDB: guard let value = Double(plainDecimal: text) else { throw invalid() }; self = .gainDB(value)
        case .mute: guard let value = Self.flag(text) else { throw invalid() }; self = .mute(value)
        case .bypass: guard let value = Self.flag(text) else { throw invalid() }; self = .bypass(value)
        }
    }

    /// `on`/`off`, `true`/`false`, `yes`/`no`, `1`/`0`.
    public static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "on", "true", "yes", "1": true
        case "off", "false", "no", "0": false
        default: nil
        }
    }

    /// `1,1` or `0,off`: one source index or `off` per playback channel.
    static func routes(_ text: String) -> [Int?]? {
        var routes: [Int?] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            if ["off", "-", "null"].contains(trimmed.lowercased()) { routes.append(nil); continue }
            guard let source = Int(trimmed) else { return nil }
            routes.append(source)
        }
        return routes.isEmpty ? nil : routes
    }

    /// `0,1`: channel indices for `bssctl route`.
    public static func channels(_ text: String) -> [Int]? {
        let channels = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return channels.isEmpty || channels.count != text.split(separator: ",").count ? nil : channels
    }
}

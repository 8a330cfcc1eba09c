import TOMLKit

/// One value of a config file together with the dotted key it was found under, so that every
/// typed read can fail with a message naming both (`engine.frame = "big": expected an integer`).
struct ConfigFileValue {
    let key: String
    let node: any TOMLValueConvertible

    /// The value as TOML would write it, for messages.
    var rendered: String { Self.render(node) }

    func integer() throws(ConfigFileError.Reason) -> Int {
        guard let value = node.int else { throw wrongType("an integer") }
        return value
    }

    /// A float, or an integer where the fraction is zero (`gain_db = 6`). TOML's `inf` and `nan`
    /// are floats too, but no setting means them.
    func number() throws(ConfigFileError.Reason) -> Double {
        if let value = node.double {
            guard value.isFinite else { throw invalid("a finite number") }
            return value
        }
        if let value = node.int { return Double(value) }
        throw wrongType("a number")
    }

    func string() throws(ConfigFileError.Reason) -> String {
        guard let value = node.string else { throw wrongType("a string") }
        return value
    }

    func bool() throws(ConfigFileError.Reason) -> Bool {
        guard let value = node.bool else { throw wrongType("true or false") }
        return value
    }

    /// A string naming one case of `T`, spelled as its raw value.
    func choice<T: RawRepresentable & CaseIterable>() throws(ConfigFileError.Reason) -> T
    where T.RawValue == String {
        let spellings = T.allCases.map { "\"\($0.rawValue)\"" }
        guard let text = node.string else { throw wrongType("one of \(spellings.joined(separator: ", "))") }
        guard let value = T(rawValue: text) else { throw invalid("one of \(spellings.joined(separator: ", "))") }
        return value
    }

    /// The last part of the dotted key: the name a table gave this value.
    var name: String { String(key.split(separator: ".").last ?? "") }

    /// The members of a table, each keyed `key.name`.
    func members() throws(ConfigFileError.Reason) -> [ConfigFileValue] {
        guard let table = node.table else { throw wrongType("a table") }
        return table.map { ConfigFileValue(key: "\(key).\($0.0)", node: $0.1) }
    }

    /// The elements of an array, each keyed `key[i]`.
    func elements() throws(ConfigFileError.Reason) -> [ConfigFileValue] {
        guard let array = node.array else { throw wrongType("an array") }
        return array.enumerated().map { ConfigFileValue(key: "\(key)[\($0.offset)]", node: $0.element) }
    }

    func wrongType(_ expected: String) -> ConfigFileError.Reason {
        .wrongType(key: key, value: rendered, expected: expected)
    }

    func invalid(_ allowed: String) -> ConfigFileError.Reason {
        .invalid(key: key, value: rendered, allowed: allowed)
    }

    private static func render(_ node: any TOMLValueConvertible) -> String {
        switch node.type {
        case .string:
            let escaped = (node.string ?? "").flatMap { $0 == "\"" || $0 == "\\" ? ["\\", $0] : [$0] }
            return "\"" + String(escaped) + "\""
        case .int: return node.int.map(String.init) ?? ""
        case .double: return node.double.map { "\($0)" } ?? ""
        case .bool: return node.bool.map { "\($0)" } ?? ""
        case .array: return "[" + (node.array.map { $0.map(render).joined(separator: ", ") } ?? "") + "]"
        case .table:
            let entries = node.table.map { $0.map { "\($0.0) = \(render($0.1))" } } ?? []
            return "{ " + entries.joined(separator: ", ") + " }"
        case .date, .time, .dateTime: return node.debugDescription
        }
    }
}

/// Typed access to the members of a JSON object, throwing a `ControlError` that names the member,
/// the type found and the type wanted. One reader serves request params (`invalid_params`) and
/// replies decoded by the client (`invalid_reply`), so every message reads the same way.
public struct JSONFields {
    private let members: [JSONMember]
    private let code: ControlError.Code
    private let context: String

    /// `context` names the object in messages ("params", "status").
    public init(_ value: JSONValue, context: String, code: ControlError.Code) throws(ControlError) {
        guard case .object(let members) = value else {
            throw ControlError(code, "\(context) must be an object, got \(value.typeName)")
        }
        self.members = members
        self.code = code
        self.context = context
    }

    public var keys: [String] { members.map(\.key) }

    public func value(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }

    public func failure(_ key: String, _ wanted: String, got value: JSONValue?) -> ControlError {
        ControlError(code, "\(context).\(key) must be \(wanted), got \(value?.typeName ?? "nothing")")
    }

    public func required(_ key: String, _ wanted: String) throws(ControlError) -> JSONValue {
        guard let value = value(key) else { throw ControlError(code, "\(context).\(key) is missing (\(wanted))") }
        return value
    }

    public func double(_ key: String) throws(ControlError) -> Double {
        let value = try required(key, "a number")
        guard let number = value.doubleValue else { throw failure(key, "a number", got: value) }
        return number
    }

    public func int(_ key: String) throws(ControlError) -> Int {
        let value = try required(key, "an integer")
        guard let integer = value.intValue else { throw failure(key, "an integer", got: value) }
        return integer
    }

    public func string(_ key: String) throws(ControlError) -> String {
        let value = try required(key, "a string")
        guard case .string(let text) = value else { throw failure(key, "a string", got: value) }
        return text
    }

    public func bool(_ key: String) throws(ControlError) -> Bool {
        let value = try required(key, "true or false")
        guard case .bool(let flag) = value else { throw failure(key, "true or false", got: value) }
        return flag
    }

    public func array(_ key: String) throws(ControlError) -> [JSONValue] {
        let value = try required(key, "an array")
        guard case .array(let elements) = value else { throw failure(key, "an array", got: value) }
        return elements
    }

    /// An array of integers or nulls (routes: null is silence).
    public func optionalInts(_ key: String) throws(ControlError) -> [Int?] {
        var result: [Int?] = []
        for element in try array(key) {
            if element == .null { result.append(nil); continue }
            guard let integer = element.intValue else { throw failure(key, "an array of integers or nulls", got: element) }
            result.append(integer)
        }
        return result
    }

    public func doubles(_ key: String) throws(ControlError) -> [Double] {
        var result: [Double] = []
        for element in try array(key) {
            // null stands for a non-finite number (the serializer's spelling of -inf dBFS).
            if element == .null { result.append(-.infinity); continue }
            guard let number = element.doubleValue else { throw failure(key, "an array of numbers", got: element) }
            result.append(number)
        }
        return result
    }
}

extension JSONValue {
    /// The number as a `Double`, for integers too.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// The number as an `Int` when it is integral (`3` and `3.0`, not `3.5`), else nil.
    public var intValue: Int? {
        switch self {
        case .integer(let value): value
        case .number(let value): value.rounded() == value && abs(value) < 0x1p53 ? Int(value) : nil
        default: nil
        }
    }
}

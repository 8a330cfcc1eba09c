import ControlProtocol
import Testing

@Suite("JSON parser and serializer")
struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00", "c": {}} "#)
        #expect(value == .object([
            "a": [1, -2500.0, true, false, nil], "b": "x\"\\/\né😀", "c": .object([:]),
        ]))
    }

    @Test func serializationRoundTripsAndStaysOnOneLine() throws {
        let value: JSONValue = .object(["text": "line\nbreak\u{0}\u{2028}\"q\"", "n": 0.98, "i": -7, "list": [nil, 1e-5]])
        let text = value.serialized
        #expect(!text.contains("\n"))
        #expect(try JSONParser.parse(text) == value)
        #expect(JSONValue.number(.infinity).serialized == "null")
        #expect(JSONValue.object(["id": 1, "ok": true]).serialized == #"{"id":1,"ok":true}"#)
    }

    @Test func integersStayIntegersAndHugeNumbersAreRefused() throws {
        #expect(try JSONParser.parse("9007199254740993") == .integer(9_007_199_254_740_993))
        #expect(try JSONParser.parse("1e2") == .number(100))
        #expect(try JSONParser.parse("99999999999999999999") == .number(1e20))
        #expect(throws: JSONSyntaxError(offset: 0, reason: "number 1e400 is out of range")) { try JSONParser.parse("1e400") }
    }

    @Test(arguments: [
        ("", 0, "unexpected end of input"),
        ("{\"a\":1,}", 7, "expected a member name in double quotes"),
        ("[1 2]", 3, "expected ',' or ']' in array"),
        ("01", 1, "unexpected data after the JSON value"),
        ("-", 1, "expected a digit"),
        ("1.", 2, "expected a digit after '.'"),
        ("tru", 3, "invalid literal (expected true)"),
        ("\"a\u{1}\"", 2, "control character 0x1 in string (escape it)"),
        ("\"\\x\"", 3, "invalid escape '\\x'"),
        ("\"\\ud800\"", 7, "unpaired UTF-16 surrogate"),
        ("\"abc", 4, "unterminated string"),
        ("{\"a\":1,\"a\":2}", 7, "duplicate member \"a\""),
        ("@", 0, "unexpected character '@'"),
    ])
    func reportsWhatAndWhere(text: String, offset: Int, reason: String) {
        #expect(throws: JSONSyntaxError(offset: offset, reason: reason)) { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8AndBinary() {
        #expect(throws: JSONSyntaxError(offset: 4, reason: "string is not valid UTF-8")) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONSyntaxError(offset: 0, reason: "unexpected byte 0x0")) { try JSONParser.parse([0]) }
        #expect(throws: JSONSyntaxError(offset: 0, reason: "unexpected byte 0xFF")) { try JSONParser.parse([0xFF]) }
    }

    @Test func boundsTheNestingDepth() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError(offset: JSONParser.maxDepth, reason: "nesting deeper than \(JSONParser.maxDepth) levels")) {
            try JSONParser.parse(deep)
        }
        let allowed = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        #expect(throws: Never.self) { try JSONParser.parse(allowed) }
    }
}

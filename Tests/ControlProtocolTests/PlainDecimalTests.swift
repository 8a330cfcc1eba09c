import PlainDecimal
import Testing

/// Numbers from operators (models, `bssctl set`, options) are plain decimals only.
@Suite("Plain decimal numbers")
struct PlainDecimalTests {
    @Test func signDigitsOnePointAndAnExponentAreAccepted() {
        let accepted: [(String, Double)] = [
            ("5", 5), ("-6", -6), ("+0.25", 0.25), ("0.98", 0.98), (".5", 0.5), ("5.", 5), ("1e-3", 0.001),
            ("2.5E+2", 250), ("-0", 0),
        ]
        for (text, value) in accepted {
            #expect(Double(plainDecimal: text) == value, "\(text)")
        }
    }

    @Test func everythingElseStrtodWouldTakeIsRefused() {
        let refused = [
            "", "-", ".", "e5", "1e", "1e+", "1.2.3", "--1", "+-1", "1e5.0", "5\u{0}", "5\u{0}junk", "\u{0}5",
            "0x1p3", "0x10", "inf", "-inf", "infinity", "nan", "NaN", " 5", "5 ", "\t5", "5\n", "1e999", "５",
        ]
        for text in refused {
            #expect(Double(plainDecimal: text) == nil, "\(text.debugDescription)")
        }
    }
}

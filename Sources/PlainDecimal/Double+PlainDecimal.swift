extension Double {
    /// Parses a plain decimal number, as an operator writes one in a model (`t:50`), a `bssctl set`
    /// value or a command-line option: an optional sign, digits with at most one '.' (at least one
    /// digit in all), and an optional exponent (`e` or `E`, an optional sign, digits). Nothing
    /// else: `Double(String)` (strtod) also takes hex floats (`0x1p3`), `inf` and `nan`, and a
    /// Swift string with an embedded NUL reaches it cut short at the NUL (`"5\0junk"` reads as 5).
    /// Nil as well when the value is too large for a Double.
    public init?(plainDecimal text: some StringProtocol) {
        let bytes = Array(text.utf8)
        var index = 0
        func skip(_ byte: UInt8...) {
            if index < bytes.count, byte.contains(bytes[index]) { index += 1 }
        }
        func digits() -> Int {
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - start
        }
        skip(UInt8(ascii: "+"), UInt8(ascii: "-"))
        var mantissaDigits = digits()
        let beforePoint = index
        skip(UInt8(ascii: "."))
        if index > beforePoint { mantissaDigits += digits() }
        guard mantissaDigits > 0 else { return nil }
        let beforeExponent = index
        skip(UInt8(ascii: "e"), UInt8(ascii: "E"))
        if index > beforeExponent {
            skip(UInt8(ascii: "+"), UInt8(ascii: "-"))
            guard digits() > 0 else { return nil }
        }
        guard index == bytes.count, let value = Double(String(decoding: bytes, as: UTF8.self)), value.isFinite else { return nil }
        self = value
    }
}

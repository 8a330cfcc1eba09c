/// `value` with one decimal (`12.3`), for log lines: Swift's string interpolation prints every
/// digit of a Double, and `String(format:)` needs Foundation, which the daemon's library avoids.
package func tenths(_ value: Double) -> String {
    let scaled = Int((abs(value) * 10).rounded())
    return "\(value < 0 && scaled > 0 ? "-" : "")\(scaled / 10).\(scaled % 10)"
}

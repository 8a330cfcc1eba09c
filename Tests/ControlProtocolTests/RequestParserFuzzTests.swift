import ControlProtocol
import TestSupport
import Testing

/// Seeded fuzzing of the request parser (libFuzzer is not available for this toolchain on this
/// host; see docs/control-protocol.md). Every input must end in a request or a `RejectedRequest`
/// with a message — never a trap, never an empty message — and an accepted request must survive
/// encoding and re-parsing unchanged.
@Suite("Request parser fuzzing")
struct RequestParserFuzzTests {
    static let inputs = 100_000

    /// Valid lines the mutations start from.
    static let seeds: [[UInt8]] = ControlRequestTests.everyMethod.enumerated().map {
        Array(ControlRequest(id: .integer($0.offset), method: $0.element).line.utf8.dropLast())
    }

    /// Bytes that matter to the grammar, so mutations hit interesting paths more often than chance.
    static let tokens: [[UInt8]] = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "null", "true", "-", "0", "1e999", "9999999999999999999999", ".", "e", " ", "\u{0}", "\u{FF}"]
        .map { Array($0.utf8) } + [[0xFF], [0xC3], [0xED, 0xA0, 0x80]]

    static func mutate(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + Int(random.next() % 4)) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count + 1))
            switch random.next() % 5 {
            case 0 where !bytes.isEmpty: bytes.remove(at: min(position, bytes.count - 1))
            case 1: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
            case 2: bytes.insert(contentsOf: tokens[Int(random.next() % UInt64(tokens.count))], at: position)
            case 3 where !bytes.isEmpty: bytes[min(position, bytes.count - 1)] = UInt8(truncatingIfNeeded: random.next())
            default: bytes = Array(bytes[..<position])
            }
        }
        return bytes
    }

    @Test func everyInputYieldsARequestOrARejection() throws {
        var random = SplitMix64(seed: 0xB55D)
        var accepted = 0
        var rejected = 0
        for index in 0..<Self.inputs {
            let input: [UInt8] = index % 4 == 0
                ? (0..<Int(random.next() % 96)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                : Self.mutate(Self.seeds[Int(random.next() % UInt64(Self.seeds.count))], &random)
            do {
                let request = try ControlRequest.parse(input)
                accepted += 1
                #expect(try ControlRequest.parse(Array(request.line.utf8.dropLast())) == request)
            } catch {
                rejected += 1
                #expect(!error.error.message.isEmpty)
                // The reply to any rejection is itself a valid, single-line reply.
                #expect(try ControlReply(line: Array(error.reply.line.utf8.dropLast())) == error.reply)
            }
        }
        #expect(accepted + rejected == Self.inputs)
        #expect(accepted > 300, "mutations should keep some inputs valid (accepted \(accepted))")
        print("request parser fuzz: \(Self.inputs) inputs, \(accepted) accepted, \(rejected) rejected, 0 crashes")
    }
}

// libFuzzer entry point for the control request parser. Not part of the package build (libFuzzer
// supplies `main`); scripts/fuzz-request-parser.sh compiles it into one module with the
// ControlProtocol sources.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestParser(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    do {
        let request = try ControlRequest.parse(bytes)
        // An accepted request must survive its own encoding.
        guard (try? ControlRequest.parse(Array(request.line.utf8.dropLast()))) == request else {
            fatalError("request does not round-trip: \(request)")
        }
    } catch {
        guard !error.error.message.isEmpty, (try? ControlReply(line: Array(error.reply.line.utf8.dropLast()))) == error.reply else {
            fatalError("rejection without a valid reply: \(error)")
        }
    }
    return 0
}

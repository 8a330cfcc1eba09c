import Glibc
import Synchronization

/// Tells the control thread to stop, waking it from `poll`: an atomic flag plus a pipe whose read
/// end sits in the poll set.
final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)
    let readEnd: Int32
    private let writeEnd: Int32

    init() throws(ControlServerError) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0, makeNonBlocking(ends[0]), makeNonBlocking(ends[1]) else {
            throw .system(operation: "pipe", path: "(control thread wake-up)", code: errno)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    var isRaised: Bool { raised.load(ordering: .acquiring) }

    func raise() {
        raised.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    func close() {
        Glibc.close(readEnd)
        Glibc.close(writeEnd)
    }
}

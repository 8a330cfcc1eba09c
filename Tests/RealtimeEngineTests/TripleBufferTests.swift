import Foundation
@testable import RealtimeEngine
import Testing

/// The wait-free hand-over under both the filters and the observation tap: a reader racing the
/// writer gets whole values only, never an older one after a newer.
@Suite("Triple buffer")
struct TripleBufferTests {
    /// Every entry holds the version the writer was about to publish, so a slot the writer was
    /// still filling, or one it refilled under the reader, shows up as mixed entries.
    final class Stamped: TripleBufferSlot {
        var version: UInt64 = 0
        var entries = [UInt64](repeating: 0, count: 1024)
    }

    /// `@unchecked Sendable`: the writer side is used by the test's thread only, the reader side
    /// by the reader thread only, as the buffer's contract says; the counts are read after `finished`.
    final class Shared: @unchecked Sendable {
        let buffer = TripleBuffer { Stamped() }
        let finished = DispatchSemaphore(value: 0)
        private(set) var reads = 0, torn = 0, backwards = 0

        func read(until last: UInt64) {
            var newest: UInt64 = 0
            while newest < last {
                let slot = buffer.latest
                reads += 1
                if slot.version < newest { backwards += 1 }
                newest = slot.version
                if slot.entries.contains(where: { $0 != slot.version }) { torn += 1 }
            }
            finished.signal()
        }
    }

    @Test("A concurrent reader sees whole slots, in order")
    func concurrentReader() {
        let shared = Shared()
        let publications: UInt64 = 20000
        let reader = Thread { shared.read(until: publications) }
        reader.start()
        for version in 1...publications {
            let slot = shared.buffer.writable
            for i in slot.entries.indices { slot.entries[i] = version }
            shared.buffer.publish()
        }
        #expect(shared.finished.wait(timeout: .now() + 60) == .success, "the reader never saw the last version")
        #expect(shared.torn == 0, "\(shared.torn) of \(shared.reads) reads saw a slot being written")
        #expect(shared.backwards == 0)
    }

    @Test("The reader gets the latest publication, once per version")
    func latestOnly() {
        let buffer = TripleBuffer { Stamped() }
        #expect(buffer.latest.version == 0, "nothing published yet")
        for _ in 0..<3 { buffer.publish() }
        #expect(buffer.latest.version == 3, "the newest of several publications")
        #expect(buffer.latest.version == 3, "no newer one: the same slot again")
        buffer.publish()
        #expect(buffer.latest.version == 4)
    }
}

import Glibc
@testable import LivePipeline
import Testing

@Suite("Thread CPU clock")
struct ThreadCPUClockTests {
    @Test("time the thread does not run (a sleep here, standing in for SIGSTOP) is not block time; work is")
    func sleepIsNotBlockTime() {
        let asleep = ThreadCPUClock.measure { usleep(200_000) }
        #expect(asleep < 20_000_000, "\(asleep) ns counted for a 200 ms sleep")
        var sum = 0
        let working = ThreadCPUClock.measure {
            for i in 0..<1_000_000 { sum &+= i &* i }
        }
        #expect(working > 0 && sum != 0)
    }
}

import BSSDDaemon
import Testing

@Suite("watchdog policy")
struct WatchdogPolicyTests {
    /// A frame counter the test moves by hand, standing in for the processing thread's.
    final class Counter {
        var frames = 0
    }

    @Test("pings only when the frame counter moved since the last check")
    func pingsOnProgress() {
        let counter = Counter()
        counter.frames = 1000
        var policy = WatchdogPolicy { counter.frames }
        var pings: [Bool] = []
        pings.append(policy.shouldPing())   // nothing processed since creation
        counter.frames += 256
        pings.append(policy.shouldPing())
        pings.append(policy.shouldPing())   // stalled: no second ping
        pings.append(policy.shouldPing())
        counter.frames += 1
        pings.append(policy.shouldPing())
        #expect(pings == [false, true, false, false, true])
    }

    @Test("a counter restarted by a new pipeline still counts as progress")
    func counterRestart() {
        let counter = Counter()
        counter.frames = 48000
        var policy = WatchdogPolicy { counter.frames }
        counter.frames = 256
        let pings = [policy.shouldPing(), policy.shouldPing()]
        #expect(pings == [true, false])
    }

    @Test("samples the counter once per check")
    func onePerCheck() {
        let counter = Counter()
        var reads = 0
        var policy = WatchdogPolicy { reads += 1; return counter.frames }
        #expect(reads == 1)
        _ = policy.shouldPing()
        _ = policy.shouldPing()
        #expect(reads == 3)
    }
}

@testable import BSSDDaemon
@testable import DaemonLogging
@testable import LivePipeline
import Synchronization
import Testing

@Suite("Event logger")
struct EventLoggerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    static func make(window: Double = 1) -> (AudioEventQueues, EventLogger, Lines) {
        let lines = Lines()
        let log = DaemonLog(level: .info, environment: ["JOURNAL_STREAM": "1:2"]) { line in lines.lines.withLock { $0.append(line) } }
        let queues = AudioEventQueues(capacity: 64)
        let logger = EventLogger(
            queues: queues, log: log,
            context: .init(captureDevice: "hw:Array", playbackDevice: "hw:Ears", lateFallback: .bypass), window: window)
        return (queues, logger, lines)
    }

    @Test("the first event of a kind is explained at once, a burst is summed up in one line")
    func rateLimit() {
        let (queues, logger, lines) = Self.make()
        for n in 1...50 { queues.post(.captureXrun, count: 1, total: n, from: .capture) }
        queues.post(.lateBlock, count: 128, total: 1, from: .playback)
        logger.flush(now: 0)
        #expect(lines.all.count == 2)
        #expect(lines.all.contains { $0.hasPrefix("<4>Capture overrun on hw:Array (xrun 1)") })
        #expect(lines.all.contains { $0.contains("unseparated microphone") })
        logger.flush(now: .max)
        #expect(lines.all.count == 3)
        #expect(lines.all.last?.contains("49 more capture overruns") == true)
        #expect(lines.all.last?.contains("50 in total") == true)
    }

    @Test("a full queue drops new events but the totals still tell how many happened")
    func overflow() {
        let (queues, logger, lines) = Self.make(window: 0)
        for n in 1...200 { queues.post(.captureOverrun, count: 256, total: n * 256, from: .capture) }
        logger.flush(now: .max)
        #expect(lines.all.count == 64)
        #expect(lines.all.first?.contains("256 captured frames dropped (256 in total)") == true)
    }

    @Test("a pipeline that follows another numbers its events on from the daemon's totals, as status counts them")
    func numberingAcrossPipelines() {
        let (queues, logger, lines) = Self.make(window: 0)
        // The first pipeline: three late blocks and two capture xruns.
        for n in 1...3 { queues.post(.lateBlock, count: 64, total: n, from: .playback) }
        for n in 1...2 { queues.post(.captureXrun, count: 1, total: n, from: .capture) }
        var totals = DaemonTotals()
        totals.lateBlocks = 3
        totals.captureXruns = 2
        queues.continueNumbering(after: totals)
        // The next pipeline's threads count from zero again.
        queues.post(.lateBlock, count: 64, total: 1, from: .playback)
        queues.post(.captureXrun, count: 1, total: 1, from: .capture)
        logger.flush(now: .max)
        let late = lines.all.filter { $0.contains("Late block") }
        #expect(late.count == 4 && late.last?.contains("Late block 4:") == true, "\(late)")
        #expect(lines.all.filter { $0.contains("Capture overrun") }.last?.contains("(xrun 3)") == true)
    }

    @Test("messages below the level are not written; journald lines carry the syslog priority")
    func levels() {
        let lines = Lines()
        let log = DaemonLog(level: .warning, environment: ["JOURNAL_STREAM": "1:2"]) { line in lines.lines.withLock { $0.append(line) } }
        log.info("hidden")
        log.warning("shown")
        log.setLevel(.debug)
        log.debug("now shown")
        #expect(lines.all == ["<4>shown\n", "<7>now shown\n"])
    }
}

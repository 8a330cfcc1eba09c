import BSSDDaemon
import Glibc
import Testing

/// The notification protocol against a datagram socket standing in for systemd: the exact bytes
/// systemd would read, for a socket path and for an abstract name.
@Suite("systemd notifier")
struct SystemdNotifierTests {
    @Test("each call sends its fields as one datagram to a socket path")
    func messagesToPath() throws {
        let listener = try NotifyListener(.path)
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.isEnabled)

        try notifier.ready()
        #expect(try listener.receive() == "READY=1")
        try notifier.ready(status: "separating 2 sources\nfrom hw:1")
        #expect(try listener.receive() == "READY=1\nSTATUS=separating 2 sources from hw:1")
        try notifier.status("capture lost, reopening")
        #expect(try listener.receive() == "STATUS=capture lost, reopening")
        try notifier.stopping()
        #expect(try listener.receive() == "STOPPING=1")
        try notifier.watchdog()
        #expect(try listener.receive() == "WATCHDOG=1")
    }

    @Test("RELOADING=1 carries the CLOCK_MONOTONIC time of the call")
    func reloadingTimestamp() throws {
        let listener = try NotifyListener(.path)
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        let before = monotonicMicroseconds()
        try notifier.reloading()
        let after = monotonicMicroseconds()

        let fields = try listener.receive().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(fields.count == 2)
        #expect(fields.first == "RELOADING=1")
        let stamp = try #require(fields.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? Int($0.dropFirst(15)) : nil })
        #expect((before...after).contains(stamp))
    }

    @Test("an '@' address reaches the abstract socket namespace")
    func abstractNamespace() throws {
        let listener = try NotifyListener(.abstract)
        #expect(listener.address.hasPrefix("@"))
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        try notifier.ready(status: "up")
        #expect(try listener.receive() == "READY=1\nSTATUS=up")
    }

    @Test("without NOTIFY_SOCKET every call is a no-op")
    func unsetIsNoOp() throws {
        for environment in [[:], ["NOTIFY_SOCKET": ""]] {
            let notifier = try SystemdNotifier(environment: environment)
            #expect(!notifier.isEnabled)
            #expect(notifier.socketAddress == nil)
            try notifier.ready(status: "up")
            try notifier.reloading()
            try notifier.watchdog()
            try notifier.stopping()
        }
    }

    @Test("a socket that is gone is a typed error naming it")
    func missingSocket() throws {
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/bssd-notify"])
        let error = #expect(throws: SystemdNotifyError.self) { try notifier.ready() }
        #expect(error == .cannotSend(socket: "/nonexistent/bssd-notify", message: "READY=1", code: ENOENT))
        #expect(error?.description == "Cannot send 'READY=1' to systemd at /nonexistent/bssd-notify: "
            + "No such file or directory (errno 2).")
    }

    @Test("a receiver that stops reading makes a send fail at once, never wait", .timeLimit(.minutes(1)))
    func fullQueue() throws {
        let listener = try NotifyListener(.path, reading: .stalled)
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        // The kernel queues net.unix.max_dgram_qlen datagrams (10 by default, 512 at most here);
        // the send after the last one that fits must come back with the full queue, not block.
        var sent = 0
        var refusal: SystemdNotifyError?
        while refusal == nil, sent < 100_000 {
            do throws(SystemdNotifyError) {
                try notifier.watchdog()
                sent += 1
            } catch {
                refusal = error
            }
        }
        #expect(sent > 0)
        #expect(refusal == .notReading(socket: listener.address, message: "WATCHDOG=1"))
        #expect(refusal?.description.contains("not reading its notification socket") == true)
    }

    @Test("addresses that are not Unix sockets are refused at start-up")
    func badAddresses() {
        #expect(throws: SystemdNotifyError.unsupportedSocketAddress("vsock:2:1234")) {
            try SystemdNotifier(environment: ["NOTIFY_SOCKET": "vsock:2:1234"])
        }
        let long = "/" + String(repeating: "x", count: 107)
        #expect(throws: SystemdNotifyError.socketAddressTooLong(long)) {
            try SystemdNotifier(environment: ["NOTIFY_SOCKET": long])
        }
        // 106 characters plus the NUL fill sun_path exactly: still valid.
        #expect(throws: Never.self) {
            try SystemdNotifier(environment: ["NOTIFY_SOCKET": String(long.dropLast())])
        }
    }

    @Test("WATCHDOG_USEC sets the timeout, and pings go at half of it")
    func watchdogInterval() throws {
        let notifier = try SystemdNotifier(environment: ["WATCHDOG_USEC": "5000000"], processID: 42)
        #expect(notifier.watchdogTimeout == .seconds(5))
        #expect(notifier.watchdogInterval == .milliseconds(2500))

        let none = try SystemdNotifier(environment: [:], processID: 42)
        #expect(none.watchdogTimeout == nil)
        #expect(none.watchdogInterval == nil)
    }

    @Test("WATCHDOG_PID limits the watchdog to the process it names")
    func watchdogPID() throws {
        let mine = try SystemdNotifier(environment: ["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "42"], processID: 42)
        #expect(mine.watchdogTimeout == .seconds(3))
        let other = try SystemdNotifier(environment: ["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "41"], processID: 42)
        #expect(other.watchdogTimeout == nil)
        // The default process ID is this process's.
        let real = try SystemdNotifier(environment: ["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "\(getpid())"])
        #expect(real.watchdogTimeout == .seconds(3))
    }

    @Test("malformed watchdog variables are errors, not a silently disabled watchdog",
          arguments: [("WATCHDOG_USEC", "0"), ("WATCHDOG_USEC", "-1"), ("WATCHDOG_USEC", "5s"), ("WATCHDOG_PID", "abc")])
    func malformedWatchdog(name: String, value: String) {
        var environment = ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "42"]
        environment[name] = value
        #expect(throws: SystemdNotifyError.invalidWatchdogSetting(name: name, value: value)) {
            try SystemdNotifier(environment: environment, processID: 42)
        }
    }
}

private func monotonicMicroseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int(now.tv_sec) * 1_000_000 + Int(now.tv_nsec) / 1000
}

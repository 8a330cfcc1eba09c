import ControlProtocol
import DaemonLogging
import Glibc
import RealtimeSupport
import SystemCalls

/// The control thread's loop: poll, accept, read, dispatch, write, time out, until stopped.
///
/// `@unchecked Sendable`: built on the starting thread, then used by the control thread alone.
final class ServerLoop: @unchecked Sendable {
    private let listener: ListeningSocket
    private let stopFlag: StopFlag
    private let policy: PeerPolicy
    private let maxClients: Int
    private let limits: ControlServer.Limits
    private let dispatcher: ControlDispatcher
    private let log: ControlServer.Log
    private var clients: [ClientConnection] = []
    /// The refusals of each kind since start (the occurrence each window keeps as its last).
    private var refusalTotals: [Refusal: Int] = [:]
    private var refusals: LogRateLimit<Refusal, Int>

    init(
        listener: ListeningSocket, stopFlag: StopFlag, policy: PeerPolicy, maxClients: Int, limits: ControlServer.Limits,
        dispatcher: ControlDispatcher, log: @escaping ControlServer.Log
    ) {
        self.listener = listener
        self.stopFlag = stopFlag
        self.policy = policy
        self.maxClients = maxClients
        self.limits = limits
        self.dispatcher = dispatcher
        self.log = log
        refusals = LogRateLimit(windowNanoseconds: Self.nanoseconds(limits.refusalLogWindow))
    }

    func run() {
        var entries: [pollfd] = []
        while !stopFlag.isRaised {
            entries.removeAll(keepingCapacity: true)
            entries.append(pollfd(fd: stopFlag.readEnd, events: Int16(POLLIN), revents: 0))
            entries.append(pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0))
            for client in clients {
                let events = (client.closing ? 0 : POLLIN) | (client.pendingBytes > 0 ? POLLOUT : 0)
                entries.append(pollfd(fd: client.descriptor, events: Int16(events), revents: 0))
            }
            let timeout = timeoutMilliseconds(now: MonotonicClock.now)
            do throws(Errno) {
                _ = try Errno.retryingOnInterrupt { poll(&entries, nfds_t(entries.count), timeout) }
            } catch {
                log(.error, "control socket: poll failed: \(error); control socket stopped")
                break
            }
            let now = MonotonicClock.now
            // Clients first, with the entries built for them; new clients join the next round.
            for (client, entry) in zip(clients, entries.dropFirst(2)) where entry.revents != 0 {
                service(client, events: entry.revents, now: now)
            }
            if entries[1].revents != 0 { acceptAll(now: now) }
            runTimers(now: now)
            clients.removeAll { client in
                guard let closeBy = client.closeBy, client.pendingBytes == 0 || now >= closeBy else { return false }
                close(client.descriptor)
                return true
            }
        }
        for client in clients { close(client.descriptor) }
        clients.removeAll()
        refusals.closeDue(now: .max, summarize: summarize)
        listener.close()
    }

    /// Until the next subscription update or idle deadline, at most a second (which is also how
    /// late a refusal summary may come).
    private func timeoutMilliseconds(now: Double) -> Int32 {
        var next = now + 1
        for client in clients {
            next = min(next, client.closeBy ?? client.subscription?.due ?? client.lastRequest + limits.idleTimeout)
        }
        return Int32(max(0, ((next - now) * 1000).rounded(.up)))
    }

    private func acceptAll(now: Double) {
        while true {
            let descriptor: Int32
            do throws(Errno) {
                descriptor = try Errno.retryingOnInterrupt { accept(listener.descriptor, nil, nil) }
            } catch {
                // A client that gave up while queued is no reason to stop accepting the others.
                if error.code == ECONNABORTED { continue }
                if error.code != EAGAIN { log(.warning, "control socket: accept failed: \(error)") }
                return
            }
            guard makeNonBlocking(descriptor) else {
                close(descriptor)
                continue
            }
            admit(descriptor, now: now)
        }
    }

    private func admit(_ descriptor: Int32, now: Double) {
        guard let peer = PeerCredentials.of(descriptor: descriptor) else {
            return refuse(descriptor, .noCredentials, ControlError(.forbidden, "the daemon cannot identify you (no peer credentials)"), because: "a peer without credentials", now: now)
        }
        guard policy.admits(peer) else {
            return refuse(descriptor, .forbidden, ControlError(.forbidden, "uid \(peer.uid) gid \(peer.gid) may not use this control socket; allowed are root, the daemon's user and the configured uids/gids"), because: "peer \(peer) is not allowed", now: now)
        }
        guard clients.count < maxClients else {
            return refuse(descriptor, .busy, ControlError(.busy, "the daemon already serves \(maxClients) control clients; try again later"), because: "\(maxClients) clients already connected (peer \(peer))", now: now)
        }
        clients.append(ClientConnection(descriptor: descriptor, peer: peer, now: now))
    }

    /// Sends one error line, best effort (a fresh socket's buffer takes it), and closes. Closing
    /// with the client's request unread is safe on a Unix socket: the line is already in the
    /// client's receive queue, which the close does not discard (unlike a TCP reset), and a
    /// client whose send then fails reads it there (see `ControlConnection.send`).
    ///
    /// The first refusal of a kind in a window is logged with its reason and advice; the rest are
    /// counted into one summary line when the window closes.
    private func refuse(_ descriptor: Int32, _ refusal: Refusal, _ error: ControlError, because reason: String, now: Double) {
        note(refusal, "refused a connection: \(reason); it was told \(error.code).", now: now)
        let line = Array(ControlReply(id: .null, outcome: .failure(error)).line.utf8)
        _ = line.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        close(descriptor)
    }

    /// Logs `what` happened, rate-limited per kind: the first of a window with its advice, the
    /// rest summed up when the window closes.
    private func note(_ refusal: Refusal, _ what: String, now: Double) {
        let total = refusalTotals[refusal, default: 0] + 1
        refusalTotals[refusal] = total
        if refusals.record(refusal, total, at: Self.nanoseconds(now), summarize: summarize) {
            log(refusal.level, "control socket: \(what) \(refusal.advice) "
                + "Further ones like it are summed up every \(tenths(limits.refusalLogWindow)) s.")
        }
    }

    private func service(_ client: ClientConnection, events: Int16, now: Double) {
        if events & Int16(POLLIN | POLLHUP | POLLERR) != 0, !client.closing {
            switch client.read(maxLineBytes: limits.maxLineBytes) {
            case .closed:
                return client.drop(now: now)
            case .lineTooLong:
                client.queue(ControlReply(id: .null, outcome: .failure(ControlError(.lineTooLong, "request line longer than \(limits.maxLineBytes) bytes; closing the connection"))))
                client.beginClosing(now: now)
                note(.lineTooLong, "closed a connection that sent a line over \(limits.maxLineBytes) bytes (peer \(client.peer)).", now: now)
            case .lines(let lines):
                for line in lines where !client.closing { handle(line, from: client, now: now) }
            }
        }
        deliver(client, now: now)
    }

    private func handle(_ line: [UInt8], from client: ClientConnection, now: Double) {
        client.lastRequest = now
        let request: ControlRequest
        do {
            request = try ControlRequest.parse(line)
        } catch {
            return client.queue(error.reply)
        }
        let (reply, effect) = dispatcher.reply(to: request)
        client.queue(reply)
        switch effect {
        case .none: break
        case .subscribe(let interval): client.subscription = .init(id: request.id, interval: interval, due: now + interval)
        case .shutdown:
            deliver(client, now: now)
            log(.notice, "control socket: shutdown requested by peer \(client.peer)")
            dispatcher.handler.shutdown()
        }
    }

    /// Writes what the client has pending; drops it when the write failed or it lets too much pile up.
    private func deliver(_ client: ClientConnection, now: Double) {
        guard client.flush() else { return client.drop(now: now) }
        if client.pendingBytes > limits.maxPendingBytes {
            note(.notReading, "dropped a client that does not read its replies (\(client.pendingBytes) bytes pending, peer \(client.peer)).", now: now)
            client.drop(now: now)
        }
    }

    private func summarize(_ refusal: Refusal, _ window: LogRateLimit<Refusal, Int>.Window) {
        log(refusal.level, "control socket: \(window.suppressed) more \(refusal.summary) \(window.span); \(window.last) in total since start.")
    }

    private static func nanoseconds(_ seconds: Double) -> Int { Int(seconds * 1e9) }

    private func runTimers(now: Double) {
        refusals.closeDue(now: Self.nanoseconds(now), summarize: summarize)
        for client in clients where !client.closing {
            if var subscription = client.subscription {
                guard now >= subscription.due else { continue }
                client.queue(ControlReply(id: subscription.id, outcome: .success(dispatcher.handler.status().json)))
                // Skipping missed updates rather than bursting them keeps a stalled client bounded.
                let next = subscription.due + subscription.interval
                subscription.due = next > now ? next : now + subscription.interval
                client.subscription = subscription
                deliver(client, now: now)
            } else if now >= client.lastRequest + limits.idleTimeout {
                client.queue(ControlReply(id: .null, outcome: .failure(ControlError(.timeout, "no request for \(limits.idleTimeout) s; closing the connection"))))
                client.beginClosing(now: now)
                deliver(client, now: now)
            }
        }
    }
}

#!/usr/bin/env python3
"""Hostile-input soak of a running bssd's control socket (driven by scripts/soak-control.sh).

    soak_control.py SOCKET DAEMON_PID WORKDIR [REQUESTS] [CLIENTS]

Sends REQUESTS (default 100000) requests over CLIENTS (default 4) concurrent connections, drawn
from every kind the protocol accepts, valid and invalid: ping, status, get, set (every parameter,
in range and out of it, NUL bytes and hex floats in numbers and model strings), route, reset,
save_state and load_state (real files, and device nodes, FIFOs with and without a writer,
directories, a 200 MB sparse file, symbolic links), subscribe, reload, unknown methods, garbage
bytes, lines over the 64 KiB limit, wrong versions. Every request must be answered within 5 s.

Prints one JSON object: requests sent and answered, replies by code, the slowest reply, the
daemon's resident memory (VmRSS) after a warm-up and at the end, and its audio counters (xruns,
late blocks, overrun frames) and processed frames before and after. Exits 1 when a request goes
unanswered, the daemon's memory grows by 5 MB or more, an audio counter moves, or processing stops.
"""
import json
import os
import random
import socket
import sys
import threading
import time

REPLY_TIMEOUT = 5.0


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Client:
    def __init__(self, path):
        self.path = path
        self.sock = None
        self.buffer = b""
        self.connect()

    def connect(self):
        if self.sock:
            self.sock.close()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(REPLY_TIMEOUT)
        self.sock.connect(self.path)
        self.buffer = b""

    def line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the daemon")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def exchange(self, raw):
        """Sends one raw request line and returns its reply (a dict)."""
        self.sock.sendall(raw)
        return self.line()


def request(rid, method, params=None, version=1):
    body = {"id": rid, "version": version, "method": method}
    if params is not None:
        body["params"] = params
    return (json.dumps(body) + "\n").encode()


def kinds(work):
    """(weight, name, function of id -> raw line) for every kind of request."""
    state = os.path.join(work, "soak.state")
    special_reads = [
        "/dev/zero", "/dev/urandom", os.path.join(work, "empty.fifo"), os.path.join(work, "held.fifo"),
        work, os.path.join(work, "huge.bin"), os.path.join(work, "zero.link"), os.path.join(work, "missing"),
    ]
    special_writes = [os.path.join(work, "out.fifo"), os.path.join(work, "out.link"), work]
    if os.path.exists(os.path.join(work, "null.node")):
        special_writes.append(os.path.join(work, "null.node"))
    valid_sets = [
        {"alpha": 0.97}, {"alpha": 0.98}, {"iterations": 1}, {"iterations": 2}, {"update": "iss"}, {"update": "ip"},
        {"density": "t:50"}, {"density": "laplace"}, {"density": "ggd:0.5"}, {"structure": "lowrank"},
        {"structure": "spherical"}, {"algorithm": "iva"}, {"model": "t:50"},
        {"routing": [1, 0]}, {"routing": [0, 1]}, {"gain_db": -6}, {"gain_db": 0}, {"mute": True}, {"mute": False},
        {"bypass": True}, {"bypass": False},
    ]
    invalid_sets = [
        {"alpha": 1.5}, {"alpha": -1}, {"iterations": 0}, {"iterations": 1 << 40}, {"density": "t:5\u0000"},
        {"density": "t:0x1p3"}, {"density": "t:inf"}, {"density": ""}, {"routing": [0, 7]}, {"routing": []},
        {"gain_db": 1e308}, {"structure": "nmf"}, {"algorithm": "lowrank"}, {"algorithm": "iva", "structure": "spherical"},
        {"nope": 1}, {"alpha": "0.9"},
    ]
    raw_lines = [
        b"\xff\xfe garbage\n", b"{\"id\":1,\"method\":\n", b"[]\n", b"{}\n", b"null\n",
        b"{\"id\":1,\"version\":1,\"method\":\"status\",\"params\":" + b"[" * 200 + b"]" * 200 + b"}\n",
        b"{\"id\":1e999,\"version\":1,\"method\":\"ping\"}\n", b"{\"id\":\"\x00\",\"version\":1,\"method\":\"ping\"}\n",
    ]
    return [
        (20, "ping", lambda i: request(i, "ping")),
        (15, "status", lambda i: request(i, "status")),
        (8, "get", lambda i: request(i, "get")),
        (4, "get name", lambda i: request(i, "get", {"name": random.choice(["alpha", "model", "routing", "bogus"])})),
        (8, "set", lambda i: request(i, "set", random.choice(valid_sets))),
        (8, "set invalid", lambda i: request(i, "set", random.choice(invalid_sets))),
        (3, "route", lambda i: request(i, "route", {"source": random.choice([0, 1, 5]), "channels": [0, 1]})),
        (1, "reset", lambda i: request(i, "reset")),
        (0.3, "save_state", lambda i: request(i, "save_state", {"path": state})),
        (0.3, "load_state", lambda i: request(i, "load_state", {"path": state})),
        (6, "load_state special", lambda i: request(i, "load_state", {"path": random.choice(special_reads)})),
        (4, "save_state special", lambda i: request(i, "save_state", {"path": random.choice(special_writes)})),
        (0.2, "reload", lambda i: request(i, "reload")),
        (4, "unknown method", lambda i: request(i, random.choice(["shutdown!", "x" * 300, "STATUS"]))),
        (4, "wrong version", lambda i: request(i, "ping", version=random.choice([0, 2, "1"]))),
        (6, "garbage", lambda i: random.choice(raw_lines)),
        (0.2, "subscribe", None),
        (0.1, "line too long", None),
    ]


class Worker(threading.Thread):
    def __init__(self, path, work, count, seed):
        super().__init__()
        self.path, self.count = path, count
        self.rng = random.Random(seed)
        self.kinds = kinds(work)
        self.weights = [k[0] for k in self.kinds]
        self.codes = {}
        self.slowest = 0.0
        self.unanswered = []
        self.sent = 0

    def tally(self, reply):
        code = "ok" if reply.get("ok") else reply.get("error", {}).get("code", "?")
        self.codes[code] = self.codes.get(code, 0) + 1

    def run(self):
        client = Client(self.path)
        for i in range(self.count):
            weight, name, make = self.rng.choices(self.kinds, self.weights)[0]
            start = time.monotonic()
            self.sent += 1
            try:
                if name == "subscribe":
                    client.sock.sendall(request(i, "subscribe", {"interval_s": 0.05}))
                    for _ in range(3):
                        self.tally(client.line())
                    client.connect()  # leaves by closing, as a subscriber does
                elif name == "line too long":
                    reply = client.exchange(b"{\"id\":1,\"pad\":\"" + b"a" * (100 << 10) + b"\"}\n")
                    self.tally(reply)
                    client.connect()  # the daemon closes after line_too_long
                else:
                    self.tally(client.exchange(make(i)))
            except (OSError, ConnectionError, ValueError) as error:
                self.unanswered.append(f"{name}: {error}")
                client.connect()
            self.slowest = max(self.slowest, time.monotonic() - start)


def status(path):
    client = Client(path)
    reply = client.exchange(request("soak", "status"))
    client.sock.close()
    return reply["result"]


def main():
    path, pid, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    total = int(sys.argv[4]) if len(sys.argv) > 4 else 100_000
    clients = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    audio = ["xruns_capture", "xruns_playback", "late_blocks", "overrun_frames"]

    # Warm-up: every kind once or more, so first-use allocations are not counted as growth.
    warm = [Worker(path, work, 2000, 1000 + n) for n in range(clients)]
    for w in warm:
        w.start()
    for w in warm:
        w.join()
    time.sleep(1)
    before, rss_before, started = status(path), rss_kib(pid), time.monotonic()

    workers = [Worker(path, work, total // clients, n) for n in range(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    time.sleep(1)
    after, rss_after = status(path), rss_kib(pid)

    codes = {}
    for w in workers:
        for code, count in w.codes.items():
            codes[code] = codes.get(code, 0) + count
    unanswered = [u for w in workers for u in w.unanswered]
    result = {
        "requests": sum(w.sent for w in workers),
        "seconds": round(elapsed, 1),
        "replies": codes,
        "unanswered": len(unanswered),
        "unanswered_examples": unanswered[:5],
        "slowest_reply_s": round(max(w.slowest for w in workers), 3),
        "rss_kib_before": rss_before,
        "rss_kib_after": rss_after,
        "rss_growth_kib": rss_after - rss_before,
        "audio_counters_before": {k: before[k] for k in audio},
        "audio_counters_after": {k: after[k] for k in audio},
        "frames_processed_during": after["frames_processed"] - before["frames_processed"],
        "state_after": after["state"],
    }
    print(json.dumps(result, indent=1))
    failed = (unanswered or rss_after - rss_before >= 5 * 1024
              or any(before[k] != after[k] for k in audio)
              or after["frames_processed"] <= before["frames_processed"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

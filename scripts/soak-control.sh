#!/usr/bin/env bash
# Hostile-input soak of the live daemon's control plane at real-time pace, on the paced ALSA rig
# (scripts/rig/paced-alsa.sh; no sound card needed).
#
#   bash scripts/soak-control.sh [REQUESTS] [CLIENTS]        # default: 100000 requests, 4 clients
#
# Starts the rig (16 kHz, period 256, 2 channels) and a release `bssd run` from a config file (so
# `reload` reloads it), prepares the hostile paths (FIFOs with and without a writer, a 200 MB
# sparse file, links to /dev/zero and to a file, a character device node of its own when run as
# root — never a system one), then runs scripts/soak_control.py against the control socket: every
# request kind, valid and not, while the daemon separates at real pace. Prints the figures (replies
# by code, slowest reply, the daemon's resident memory before and after, its audio counters) and
# exits non-zero if a request went unanswered, memory grew by 5 MB or more, or an audio counter
# moved.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

REQUESTS=${1:-100000}
CLIENTS=${2:-4}
RIG=scripts/rig/paced-alsa.sh
WORK=$(mktemp -d)
export BSS_RIG_DIR=$WORK/rig BSS_JACK_SERVER=bssd-soak-$$

swift build -c release --product bssd >/dev/null
BSSD=$(swift build -c release --show-bin-path)/bssd

daemon="" writer=""
cleanup() {
    [ -n "$writer" ] && kill "$writer" 2>/dev/null || true
    if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then kill -TERM "$daemon"; wait "$daemon" || true; fi
    bash "$RIG" stop >/dev/null 2>&1 || true
    [ -z "${KEEP:-}" ] && rm -rf "$WORK" || echo "kept $WORK"
}
trap cleanup EXIT

bash "$RIG" clean >/dev/null 2>&1 || true
eval "$(bash "$RIG" start --rate 16000 --period 256 --capture 2 --playback 2 2>/dev/null)"
cat >"$WORK/bssd.toml" <<EOF
[audio]
capture = "bss_capture"
playback = "bss_playback"
channels = 2
asoundrc = "rig/asoundrc"

[control]
socket = "$WORK/control.sock"

[realtime]
priority = 0
lock_memory = false
EOF

mkfifo "$WORK/empty.fifo" "$WORK/held.fifo" "$WORK/out.fifo"
sleep 100000 <>"$WORK/held.fifo" &   # a writer that never writes
writer=$!
truncate -s 200M "$WORK/huge.bin"
ln -s /dev/zero "$WORK/zero.link"
echo keep >"$WORK/target"
ln -s "$WORK/target" "$WORK/out.link"
if [ "$(id -u)" = 0 ]; then mknod "$WORK/null.node" c 1 3; fi

"$BSSD" run --config "$WORK/bssd.toml" 2>"$WORK/bssd.log" &
daemon=$!
bash "$RIG" wait-daemon 20 || { cat "$WORK/bssd.log" >&2; exit 1; }
sleep 2

status=0
python3 scripts/soak_control.py "$WORK/control.sock" "$daemon" "$WORK" "$REQUESTS" "$CLIENTS" || status=$?

# Nothing the soak named was replaced.
for path in "$WORK/empty.fifo" "$WORK/held.fifo" "$WORK/out.fifo"; do
    [ -p "$path" ] || { echo "soak: $path is no longer a FIFO" >&2; status=1; }
done
[ -L "$WORK/out.link" ] && [ "$(cat "$WORK/target")" = keep ] || { echo "soak: the link or its target was replaced" >&2; status=1; }
if [ -e "$WORK/null.node" ]; then [ -c "$WORK/null.node" ] || { echo "soak: the device node was replaced" >&2; status=1; }; fi
kill -0 "$daemon" 2>/dev/null || { echo "soak: the daemon died" >&2; cat "$WORK/bssd.log" >&2; exit 1; }
echo "soak: log lines written by the daemon: $(wc -l <"$WORK/bssd.log")"
exit "$status"

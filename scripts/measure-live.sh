#!/usr/bin/env bash
# Measures the live daemon (release build of `bssd run`) at real-time pace on the paced ALSA rig
# (scripts/rig/paced-alsa.sh): end-to-end latency, CPU load and xruns, for each microphone count.
#
#   bash scripts/measure-live.sh [SECONDS] [CHANNELS...]      # default: 24 s, M = 2 and 4
#
# Per M: starts the rig (16 kHz, JACK period 256), runs `bssd run` at its defaults (frame 4096,
# hop 1024, period 256 × 3, prefill 1) with --test-stall-signal, plays a generated reverberant
# M-talker mixture (measure_live.py) into bss_feed while recording bss_tap (input and output on
# one clock), then prints:
#   latency   input -> output delay on the tap (cross-correlation), ms
#   cpu       the daemon's utime + stime over the played part / its wall time, % of one core
#   xruns     the daemon's own summary (capture, playback, late blocks) and the rig's JACK xruns
#             (JACK xruns mean the rig itself was overloaded: the run is then not a clean one)
# With STALL=1 a SIGUSR1 in the middle stalls the capture thread 200 ms (the summary then shows it).
# Needs python3 with numpy (scripts/requirements.txt).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_TO_PLAY=${1:-24}
shift || true
CHANNEL_COUNTS=("${@:-2 4}")
read -r -a CHANNEL_COUNTS <<<"${CHANNEL_COUNTS[*]}"
RATE=16000
RIG=scripts/rig/paced-alsa.sh
WORK=$(mktemp -d)
export BSS_RIG_DIR=$WORK/rig BSS_JACK_SERVER=bssd-measure-$$

swift build -c release --product bssd >/dev/null
BSSD=$(swift build -c release --show-bin-path)/bssd

daemon=""
cleanup() {
    if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then kill -TERM "$daemon"; wait "$daemon" || true; fi
    bash "$RIG" stop >/dev/null 2>&1 || true
    [ -z "${KEEP:-}" ] && rm -rf "$WORK" || echo "kept $WORK"
}
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

for M in "${CHANNEL_COUNTS[@]}"; do
    python3 scripts/measure_live.py make "$WORK/mix.wav" "$M" "$SECONDS_TO_PLAY" "$RATE"
    eval "$(bash "$RIG" start --rate "$RATE" --period 256 --capture "$M" --playback "$M" 2>/dev/null)"
    "$BSSD" run --capture bss_capture --playback bss_playback --channels "$M" --asoundrc "$BSS_RIG_DIR/asoundrc" \
        --test-stall-signal 2>"$WORK/bssd.log" &
    daemon=$!
    bash "$RIG" wait-daemon 20 || { cat "$WORK/bssd.log" >&2; exit 1; }
    sleep 1   # past the start-up's JACK notifications
    jack_before=$(bash "$RIG" xruns)
    bash "$RIG" record "$WORK/tap.wav" "$((SECONDS_TO_PLAY + 1))" --with-input &
    recorder=$!
    kill -0 "$daemon" 2>/dev/null || { cat "$WORK/bssd.log" >&2; exit 1; }
    ticks_before=$(cpu_ticks "$daemon")
    t0=$(date +%s.%N)
    if [ "${STALL:-0}" = 1 ]; then (sleep "$((SECONDS_TO_PLAY / 2))"; kill -USR1 "$daemon") & fi
    bash "$RIG" play "$WORK/mix.wav"
    ticks_after=$(cpu_ticks "$daemon")
    t1=$(date +%s.%N)
    wait "$recorder"
    jack_after=$(bash "$RIG" xruns)
    kill -TERM "$daemon"
    wait "$daemon" || true
    daemon=""
    bash "$RIG" stop >/dev/null 2>&1
    latency=$(python3 scripts/measure_live.py latency "$WORK/tap.wav" "$M")
    cpu=$(awk -v a="$ticks_before" -v b="$ticks_after" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.1f %% of one core (%.2f s CPU in %.2f s)", 100 * (b - a) / hz / (t1 - t0), (b - a) / hz, t1 - t0 }')
    echo "M=$M: latency $latency; cpu $cpu; JACK xruns during the run $((jack_after - jack_before))"
    grep -E "Latency|frames captured|warning" "$WORK/bssd.log" | sed "s/^/M=$M: /"
done

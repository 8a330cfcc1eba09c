#!/usr/bin/env bash
# paced-alsa.sh - real-time-paced ALSA PCMs for bssd's end-to-end tests, on machines with no sound
# card (CI containers have no /dev/snd and no sound modules).
#
# A JACK2 server with the timer-driven "dummy" backend is the clock; bsshub (bsshub.c, beside this
# script, compiled on start) gives stable ports; the ALSA "jack" PCM plugin (libasound2-plugins)
# turns them into ALSA PCMs:
#
#   test -> bss_feed -> bsshub:feed_K -> bsshub:capture_K -> bss_capture -> bssd
#   bssd -> bss_playback -> bsshub:playback_K -> bsshub:monitor_K -> bss_monitor -> test
#   bss_tap = capture_1..N + monitor_1..M in one PCM: what bssd got and what it played, on one clock
#
# The rig adds no latency and no resampling (float in, float out, same JACK cycle).
#
# Usage:  paced-alsa.sh start [--rate R] [--period P] [--capture N] [--playback M] [--realtime]
#         eval "$(paced-alsa.sh env)"     # JACK_DEFAULT_SERVER, JACK_NO_START_SERVER, ALSA_CONFIG_PATH, BSS_RIG_DIR
#         paced-alsa.sh wait-daemon [TIMEOUT_S]   # until a client uses bss_capture and bss_playback
#         paced-alsa.sh play FILE.wav             # into bss_feed at real pace (blocks)
#         paced-alsa.sh record OUT.wav SECONDS [--with-input]   # bss_monitor, or bss_tap with the input
#         paced-alsa.sh xruns | status | stop
#         paced-alsa.sh install                   # only the apt packages (start does it too)
#         paced-alsa.sh clean                     # with no jackd alive: drop JACK's stale registry
#
# BSS_RIG_DIR (state folder) and BSS_JACK_SERVER (server name) keep parallel rigs apart. The PCM
# definitions are in $BSS_RIG_DIR/asoundrc (for bssd run --asoundrc, or ALSA_CONFIG_PATH).
# Order matters: start the rig before the daemon, stop the daemon before the rig (a jack PCM whose
# server has gone blocks forever in poll). JACK xrun notifications ("xruns") mean the rig itself
# was overloaded: a measurement window that contains one is invalid, not a daemon failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RIG_DIR=${BSS_RIG_DIR:-${TMPDIR:-/tmp}/bssd-rig}
SERVER=${BSS_JACK_SERVER:-bssd-rig}
HUB=bsshub
export JACK_NO_START_SERVER=1   # a client must never auto-start jackd (it would try the alsa backend)

log() { echo "paced-alsa: $*" >&2; }
die() { log "error: $*"; exit 1; }

missing_packages() {
    local missing=()
    command -v jackd >/dev/null || missing+=(jackd2)
    command -v jack_lsp >/dev/null || missing+=(jackd2)
    command -v aplay >/dev/null || missing+=(alsa-utils)
    command -v cc >/dev/null || missing+=(gcc libc6-dev)
    [ -e /usr/include/jack/jack.h ] || missing+=(libjack-jackd2-dev)
    ls /usr/lib/*/alsa-lib/libasound_module_pcm_jack.so >/dev/null 2>&1 || missing+=(libasound2-plugins)
    echo "${missing[@]:-}"
}

ensure_packages() {
    local packages; packages=$(missing_packages)
    [ -z "${packages// /}" ] && return 0
    log "installing: $packages"
    local sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends $packages >"$RIG_DIR/apt.log" 2>&1; then
        "${sudo[@]}" apt-get update -qq >>"$RIG_DIR/apt.log" 2>&1 || true
        # shellcheck disable=SC2086
        "${sudo[@]}" apt-get install -y -qq --no-install-recommends $packages >>"$RIG_DIR/apt.log" 2>&1 \
            || die "apt-get install failed, see $RIG_DIR/apt.log"
    fi
    packages=$(missing_packages)
    [ -z "${packages// /}" ] || die "still missing after install: $packages"
}

build_hub() {
    mkdir -p "$RIG_DIR/bin"
    if [ ! -x "$RIG_DIR/bin/$HUB" ] || ! cmp -s "$HERE/bsshub.c" "$RIG_DIR/bin/bsshub.c.built"; then
        cc -O2 -Wall -o "$RIG_DIR/bin/$HUB" "$HERE/bsshub.c" -ljack || die "cannot compile bsshub.c"
        cp "$HERE/bsshub.c" "$RIG_DIR/bin/bsshub.c.built"
    fi
}

load_config() {
    [ -f "$RIG_DIR/config" ] || die "rig not started (no $RIG_DIR/config); run: $0 start"
    # shellcheck disable=SC1091
    . "$RIG_DIR/config"
    export JACK_DEFAULT_SERVER="$SERVER" ALSA_CONFIG_PATH="$ALSA_CONF:$RIG_DIR/asoundrc"
}

# alive PIDFILE NAME: the pid in PIDFILE runs NAME and is not a zombie (init here reaps no orphans).
alive() {
    local pid
    [ -f "$1" ] || return 1
    pid=$(cat "$1"); [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
    [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)" != Z ]
}

# ports PREFIX COUNT -> "0 bsshub:PREFIX_1 1 bsshub:PREFIX_2 ..."
ports() {
    local k out=""
    for ((k = 0; k < $2; k++)); do out+=" $k $HUB:$1_$((k + 1))"; done
    echo "$out"
}

write_asoundrc() {
    local tap="" k i=0
    for ((k = 1; k <= NCAP; k++)); do tap+=" $i $HUB:capture_$k"; i=$((i + 1)); done
    for ((k = 1; k <= NPLAY; k++)); do tap+=" $i $HUB:monitor_$k"; i=$((i + 1)); done
    cat >"$RIG_DIR/asoundrc" <<ASOUNDRC
# paced-alsa.sh: ${RATE} Hz, JACK period ${PERIOD}, capture ${NCAP} ch, playback ${NPLAY} ch, server ${SERVER}.
# *_raw: the bare jack plugin (FLOAT only, the JACK rate, periods a multiple of the JACK period);
# the plain names wrap them in plug for other sample formats.
pcm.bss_capture_raw { type jack name "bss_capture" capture_ports { $(ports capture "$NCAP") } }
pcm.bss_capture { type plug slave.pcm "bss_capture_raw" }
pcm.bss_playback_raw { type jack name "bss_playback" playback_ports { $(ports playback "$NPLAY") } }
pcm.bss_playback { type plug slave.pcm "bss_playback_raw" }
pcm.bss_feed_raw { type jack name "bss_feed" playback_ports { $(ports feed "$NCAP") } }
pcm.bss_feed { type plug slave.pcm "bss_feed_raw" }
pcm.bss_monitor_raw { type jack name "bss_monitor" capture_ports { $(ports monitor "$NPLAY") } }
pcm.bss_monitor { type plug slave.pcm "bss_monitor_raw" }
pcm.bss_tap_raw { type jack name "bss_tap" capture_ports { $tap } }
pcm.bss_tap { type plug slave.pcm "bss_tap_raw" }
ASOUNDRC
}

print_env() {
    echo "export JACK_DEFAULT_SERVER=$SERVER"
    echo "export JACK_NO_START_SERVER=1"
    echo "export ALSA_CONFIG_PATH=$ALSA_CONF:$RIG_DIR/asoundrc"
    echo "export BSS_RIG_DIR=$RIG_DIR"
}

stop_pid() { # stop_pid PIDFILE NAME: only the process this script started, by its saved pid
    local pid i
    if alive "$1" "$2"; then
        pid=$(cat "$1")
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 50); do alive "$1" "$2" || break; sleep 0.1; done
        alive "$1" "$2" && kill -KILL "$pid" 2>/dev/null || true
        log "stopped $2 (pid $pid)"
    fi
    rm -f "$1"
}

# True when some jackd process is alive (zombies do not count: on these machines init does not
# reap them, and they hold nothing).
any_live_jackd() {
    local stat
    for stat in /proc/[0-9]*/stat; do
        read -r _ comm state _ <"$stat" 2>/dev/null || continue
        [ "$comm" = "(jackd)" ] && [ "$state" != Z ] && return 0
    done
    return 1
}

# A jackd that was killed leaves its entry in JACK's server registry, plus sockets and semaphores
# in /dev/shm; JACK allows 8 servers, and after enough killed rigs every start fails with "Too many
# servers already active". With no jackd alive at all, all of it is stale: remove it. Only between
# test processes: a process that has used libjack keeps the old registry mapped and would not see
# servers registered in a new one.
cmd_clean() {
    if any_live_jackd; then
        log "clean: a jackd is running; leaving JACK's registry alone"
        return 0
    fi
    rm -rf /dev/shm/jack-shm-registry /dev/shm/jack-[0-9]* /dev/shm/jack_* 2>/dev/null || true
    log "clean: removed JACK's stale server registry"
}

cmd_start() {
    local RATE=${BSS_RATE:-16000} PERIOD=${BSS_PERIOD:-256} NCAP=${BSS_CAPTURE_CHANNELS:-2}
    local NPLAY=${BSS_PLAYBACK_CHANNELS:-} REALTIME=${BSS_REALTIME:-0}
    while [ $# -gt 0 ]; do
        case $1 in
            --rate) RATE=$2; shift 2 ;;
            --period) PERIOD=$2; shift 2 ;;
            --capture) NCAP=$2; shift 2 ;;
            --playback) NPLAY=$2; shift 2 ;;
            --realtime) REALTIME=1; shift ;;
            *) die "start: unknown option $1" ;;
        esac
    done
    NPLAY=${NPLAY:-$NCAP}
    mkdir -p "$RIG_DIR"
    alive "$RIG_DIR/jackd.pid" jackd && die "already running (pid $(cat "$RIG_DIR/jackd.pid")); stop it first"
    ensure_packages
    build_hub
    local ALSA_CONF f
    for f in /usr/share/alsa/alsa.conf /usr/local/share/alsa/alsa.conf /etc/alsa/alsa.conf; do
        [ -f "$f" ] && { ALSA_CONF=$f; break; }
    done
    [ -n "${ALSA_CONF:-}" ] || die "cannot find alsa.conf"
    export JACK_DEFAULT_SERVER=$SERVER
    jack_lsp >/dev/null 2>&1 && die "a JACK server named '$SERVER' is running and was not started here (set BSS_JACK_SERVER)"
    local rt=-r; [ "$REALTIME" = 1 ] && rt=-R
    rm -f "$RIG_DIR/xruns"
    # -r: no realtime rights needed; -C 0 -P 0: no system ports, the hub provides them.
    nohup jackd $rt -n "$SERVER" -t 500 -d dummy -r "$RATE" -p "$PERIOD" -C 0 -P 0 </dev/null >"$RIG_DIR/jackd.log" 2>&1 &
    echo $! >"$RIG_DIR/jackd.pid"
    local i attempt
    for i in $(seq 100); do jack_lsp >/dev/null 2>&1 && break; sleep 0.1; done
    jack_lsp >/dev/null 2>&1 || { cat "$RIG_DIR/jackd.log" >&2; cmd_stop; die "jackd did not come up"; }
    for attempt in 1 2 3; do   # a fresh server can refuse a client in its first instants: retry
        sleep 0.3
        nohup "$RIG_DIR/bin/$HUB" "$HUB" "$NCAP" "$NPLAY" "$RIG_DIR/xruns" </dev/null >"$RIG_DIR/hub.log" 2>&1 &
        echo $! >"$RIG_DIR/hub.pid"
        for i in $(seq 50); do grep -q ready "$RIG_DIR/hub.log" && break; alive "$RIG_DIR/hub.pid" $HUB || break; sleep 0.1; done
        grep -q ready "$RIG_DIR/hub.log" && break
        stop_pid "$RIG_DIR/hub.pid" $HUB
    done
    grep -q ready "$RIG_DIR/hub.log" || { cat "$RIG_DIR/hub.log" >&2; cmd_stop; die "bsshub did not come up"; }
    printf 'RATE=%s\nPERIOD=%s\nNCAP=%s\nNPLAY=%s\nSERVER=%s\nALSA_CONF=%s\n' \
        "$RATE" "$PERIOD" "$NCAP" "$NPLAY" "$SERVER" "$ALSA_CONF" >"$RIG_DIR/config"
    write_asoundrc
    log "started: jackd pid $(cat "$RIG_DIR/jackd.pid"), bsshub pid $(cat "$RIG_DIR/hub.pid"); $RATE Hz, period $PERIOD, capture $NCAP ch, playback $NPLAY ch"
    print_env
}

cmd_wait_daemon() {
    load_config
    local i
    for i in $(seq $((${1:-10} * 10))); do
        if jack_lsp -c "$HUB:capture_1" | grep -q bss_capture && jack_lsp -c "$HUB:playback_1" | grep -q bss_playback; then
            return 0
        fi
        sleep 0.1
    done
    die "no client on $HUB:capture_1 and $HUB:playback_1 after ${1:-10} s"
}

cmd_play() {
    [ $# -ge 1 ] || die "usage: play FILE.wav"
    load_config
    exec aplay -q -D bss_feed "$1"
}

cmd_record() {
    [ $# -ge 2 ] || die "usage: record OUT.wav SECONDS [--with-input]"
    load_config
    local device=bss_monitor channels=$NPLAY
    [ "${3:-}" = --with-input ] && { device=bss_tap; channels=$((NCAP + NPLAY)); }
    exec arecord -q -D "$device" -c "$channels" -r "$RATE" -f FLOAT_LE -s "$(awk "BEGIN{printf \"%d\", $2*$RATE}")" "$1"
}

cmd_xruns() { load_config; cat "$RIG_DIR/xruns" 2>/dev/null || echo 0; }

cmd_status() {
    [ -f "$RIG_DIR/config" ] || { echo "not started"; return 1; }
    load_config
    alive "$RIG_DIR/jackd.pid" jackd && echo "jackd pid $(cat "$RIG_DIR/jackd.pid")" || { echo "jackd not running"; return 1; }
    alive "$RIG_DIR/hub.pid" $HUB && echo "bsshub pid $(cat "$RIG_DIR/hub.pid")" || { echo "bsshub not running"; return 1; }
    echo "JACK xruns: $(cat "$RIG_DIR/xruns" 2>/dev/null || echo 0)"
    jack_lsp -c
}

cmd_stop() {
    local others
    if alive "$RIG_DIR/jackd.pid" jackd; then
        others=$(JACK_DEFAULT_SERVER=$SERVER jack_lsp 2>/dev/null | sed -n 's/:.*//p' | sort -u | grep -v -x "$HUB" | tr '\n' ' ' || true)
        [ -z "$others" ] || log "warning: JACK clients still open: $others(they block forever once the server is gone)"
    fi
    stop_pid "$RIG_DIR/hub.pid" $HUB
    stop_pid "$RIG_DIR/jackd.pid" jackd
    rm -f "$RIG_DIR/config"
}

case ${1:-} in
    install) mkdir -p "$RIG_DIR"; ensure_packages ;;
    start) shift; cmd_start "$@" ;;
    env) load_config; print_env ;;
    wait-daemon) shift; cmd_wait_daemon "$@" ;;
    play) shift; cmd_play "$@" ;;
    record) shift; cmd_record "$@" ;;
    xruns) cmd_xruns ;;
    status) cmd_status ;;
    stop) cmd_stop ;;
    clean) cmd_clean ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac

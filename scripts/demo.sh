#!/usr/bin/env bash
# bssd's "main job": from a fresh Debian 12 machine to a separated example, in one command.
#
#   bash scripts/demo.sh
#
#  1. installs the Debian packages bssd and the scripts need, when missing
#     (libfftw3-dev libasound2-dev pkg-config espeak-ng sox alsa-utils; apt-get, sudo if not root)
#     and the Python packages of scripts/requirements.txt when they are not importable
#  2. builds bssd and bssctl (swift build -c release)
#  3. generates an example mixture (two synthetic talkers, 2 mics, reverberant room)
#     into out/example/ unless it is already there (scripts/make_example.py)
#  4. separates it:  .build/release/bssd separate MIX -o out/example-separated.wav
#  5. runs the live daemon (bssd run) on ALSA file-plugin devices that read the mixture and write
#     the separated sources: capture, processing and playback threads, no sound card needed
#  6. scores the separation with scripts/evaluate.py (SDR / SIR improvement, real-time factor)
#     and tells you how to listen to the result.
#
# Safe to run again: installed packages, the build and the example are reused.
# No sound card is needed (listening is optional).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)

CASE_DIR=out/example/example01_2mic_speech
MIX=$CASE_DIR/mix.wav
SEPARATED=out/example-separated.wav
EVAL_DIR=out/example-eval
BSSD=.build/release/bssd
APT_PACKAGES=(libfftw3-dev libasound2-dev pkg-config espeak-ng sox alsa-utils)
PY_MODULES=(numpy scipy soundfile fast_bss_eval)

STEP="start"
step() { STEP="$*"; printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf '\ndemo.sh: %s\n' "$*" >&2; exit 1; }
trap 'rc=$?; printf "\ndemo.sh: failed (exit %s) during: %s\n" "$rc" "$STEP" >&2' ERR

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    SUDO=()
fi

APT_UPDATED=0
apt_install() {  # apt_install PKG...: install those of PKG that are not installed yet
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get: install them by hand"
    if [[ $(id -u) -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
        die "missing Debian packages: ${missing[*]} -- run as root or install sudo"
    fi
    info "installing Debian packages: ${missing[*]}"
    local log
    log=$(mktemp /tmp/bssd-demo-apt.XXXXXX)
    if [[ $APT_UPDATED -eq 0 ]]; then
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >"$log" 2>&1 \
            || { tail -n 20 "$log" >&2; die "apt-get update failed (log: $log)"; }
        APT_UPDATED=1
    fi
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1 \
        || { tail -n 20 "$log" >&2; die "apt-get install ${missing[*]} failed (log: $log)"; }
    rm -f "$log"
}

py_ok() {  # py_ok PYTHON: can it import every module the scripts need?
    "$1" -c "import $(IFS=,; echo "${PY_MODULES[*]}")" >/dev/null 2>&1
}

# --------------------------------------------------------------------------------------------
step "1/6 Checking system packages (${APT_PACKAGES[*]})"
command -v python3 >/dev/null 2>&1 || apt_install python3
apt_install "${APT_PACKAGES[@]}"
info "system packages OK"

step "1/6 Checking Python packages (${PY_MODULES[*]})"
PY=python3
if py_ok python3; then
    :
elif [[ -x .venv/bin/python ]] && py_ok .venv/bin/python; then
    PY=.venv/bin/python
else
    # Debian's own python3 refuses system-wide pip installs (PEP 668): use a virtual environment.
    if python3 -c 'import sys, sysconfig, pathlib; sys.exit(0 if sys.prefix == sys.base_prefix and pathlib.Path(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED").exists() else 1)'; then
        info "python3 is managed by Debian: installing into a virtual environment in .venv/"
        apt_install python3-venv
        [[ -x .venv/bin/python ]] || python3 -m venv .venv
        PY=.venv/bin/python
    else
        python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    fi
    [[ -f scripts/requirements.txt ]] || die "scripts/requirements.txt is missing"
    info "pip install -r scripts/requirements.txt"
    "$PY" -m pip install -q -r scripts/requirements.txt
    py_ok "$PY" || die "the Python packages still do not import with $PY"
fi
info "Python packages OK ($PY)"

# --------------------------------------------------------------------------------------------
step "2/6 Building bssd and bssctl (swift build -c release; the first build takes a few minutes)"
command -v swift >/dev/null 2>&1 || die "the Swift toolchain (swift 6) is not on PATH: install it from https://www.swift.org/install/linux/ and run this script again"
swift build -c release
[[ -x $BSSD ]] || die "the build did not produce $BSSD"
info "built $BSSD"

# --------------------------------------------------------------------------------------------
if [[ -f $CASE_DIR/meta.json && -f $MIX ]]; then
    step "3/6 Example mixture already there: $CASE_DIR/"
else
    step "3/6 Generating the example mixture into $CASE_DIR/ (two synthetic talkers, 2 mics 5 cm apart, RT60 0.2 s)"
    "$PY" scripts/make_example.py --out "$CASE_DIR"
fi

# --------------------------------------------------------------------------------------------
step "4/6 Separating: $BSSD separate $MIX -o $SEPARATED"
mkdir -p "$(dirname "$SEPARATED")"
"$BSSD" separate "$MIX" -o "$SEPARATED"

# --------------------------------------------------------------------------------------------
step "5/6 The live daemon: $BSSD run --config config/demo.toml over ALSA file-plugin devices (no sound card needed)"
# ALSA's `file` plugin turns a raw file into a capture device and a playback device into a raw
# file; freewheel pacing (config/demo.toml) runs the three audio threads as fast as the files
# allow instead of at the pace of a sound card's clock. On real hardware: bssd run --config config/bssd.toml (edit its [audio]
# devices), or bssd run --capture hw:1 --playback default --channels 2
DAEMON_DIR=out/daemon
mkdir -p "$DAEMON_DIR"
sox "$MIX" -t raw -e floating-point -b 32 "$DAEMON_DIR/mics.f32"
cat >"$DAEMON_DIR/asoundrc" <<ALSA
pcm.bssd_demo_mics { type file slave.pcm null file "/dev/null" infile "$REPO/$DAEMON_DIR/mics.f32" format raw }
pcm.bssd_demo_out { type file slave.pcm null file "$REPO/$DAEMON_DIR/separated.f32" format raw }
ALSA
SECONDS_IN=$(soxi -D "$MIX")
# config/demo.toml names those two PCMs, loads $DAEMON_DIR/asoundrc and turns off real-time
# pacing, SCHED_FIFO and mlock; the command line adds the run's length.
"$BSSD" --config config/demo.toml --check
"$BSSD" run --config config/demo.toml --duration "$SECONDS_IN"
sox -t raw -e floating-point -b 32 -r 16000 -c 2 "$DAEMON_DIR/separated.f32" "$DAEMON_DIR/separated.wav"
info "the daemon's output: $REPO/$DAEMON_DIR/separated.wav (delayed by its latency: STFT frame − hop + playback prefill)"

# --------------------------------------------------------------------------------------------
if [[ -f scripts/evaluate.py ]]; then
    step "6/6 Scoring bssd separate: $PY scripts/evaluate.py --corpus out/example --out $EVAL_DIR --jobs 1"
    "$PY" scripts/evaluate.py --corpus out/example --out "$EVAL_DIR" --jobs 1
else
    step "6/6 Scoring skipped (scripts/evaluate.py is not there)"
fi

STEP="summary"
cat <<EOF

==> Done.
    mixture   : $REPO/$MIX   (2 mics)
    separated : $REPO/$SEPARATED   (channel 1 = one talker, channel 2 = the other)
    daemon    : $REPO/out/daemon/separated.wav   (the same, from the live pipeline)
    references: $REPO/$CASE_DIR/refs/src0.wav, src1.wav   (each talker alone, at mic 0)

    Listen (needs a sound card; or copy the files to any machine with an audio player):
      aplay $MIX
      play $SEPARATED remix 1      # talker 1 (play comes with sox)
      play $SEPARATED remix 2      # talker 2
    or write 16-bit mono files that aplay and every player understand:
      sox $SEPARATED -b 16 out/example-talker1.wav remix 1 norm -1 && aplay out/example-talker1.wav
      sox $SEPARATED -b 16 out/example-talker2.wav remix 2 norm -1 && aplay out/example-talker2.wav
EOF

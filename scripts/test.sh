#!/usr/bin/env bash
# bssd's test command (the README's second command; CI runs exactly this).
#
#   bash scripts/test.sh
#
# Installs the Debian packages the build and the tests need when they are missing
# (build: libfftw3-dev libasound2-dev pkg-config; tests: sox, make systemd man-db for the install
# test, jackd2 libjack-jackd2-dev libasound2-plugins alsa-utils gcc for the paced ALSA rig;
# apt-get, sudo when not root), then runs:
#   1. `swift test`: STFT round trips, WAV, separation quality on generated reverberant mixtures,
#      zero allocations in steady state, file and daemon runs on ALSA file-plugin devices, config
#      files, the control socket and bssctl (with a seeded fuzzer), the systemd notify protocol;
#   2. the paced end-to-end tests (scripts/rig/paced-alsa.sh: JACK's dummy clock behind ALSA's jack
#      plugin, about 45 s) and the hearing-aid latency test (impulses through the FIR stage with
#      1 ms periods, about 40 s; it needs SCHED_FIFO for the rig's JACK and says so when it is
#      refused) in a release build, where the engine keeps up with real time (a debug build does
#      not, so there they report themselves skipped);
#   3. scripts/test-install.sh: `make install` / `uninstall` into a staging directory and
#      `systemd-analyze verify` on the installed unit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(libfftw3-dev libasound2-dev pkg-config sox make systemd man-db
    jackd2 libjack-jackd2-dev libasound2-plugins alsa-utils gcc)
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    echo "==> installing Debian packages: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null 2>&1 || { echo "test.sh: swift is not on PATH; install the Swift 6 toolchain (swift.org) first" >&2; exit 1; }

echo "==> swift test"
swift test

echo "==> swift test -c release --filter PacedRigTests (live pipeline on the paced ALSA rig, hearing-aid latency included)"
bash scripts/rig/paced-alsa.sh clean
swift test -c release --filter PacedRigTests

bash scripts/test-install.sh

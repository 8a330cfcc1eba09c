#!/usr/bin/env bash
# bssd's test command (the README's second command; CI runs exactly this).
#
#   bash scripts/test.sh
#
# Installs the Debian packages the build and the tests need when they are missing
# (libfftw3-dev libasound2-dev pkg-config sox; apt-get, sudo when not root), then runs the
# whole Swift test suite: STFT round trips, WAV reader/writer, separation quality on generated
# reverberant mixtures, zero allocations in steady state, file separation end to end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(libfftw3-dev libasound2-dev pkg-config sox)
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

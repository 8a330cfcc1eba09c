#!/usr/bin/env bash
# The operations layer, end to end: `make install` into a staging directory puts every file where
# the README says, the installed unit passes `systemd-analyze verify` (with its real binary and
# man page), a re-install keeps an edited config, and `make uninstall` removes exactly what
# install put. Run by scripts/test.sh; needs make, systemd (systemd-analyze) and man-db.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
expect_file() { [[ -f $stage/$1 ]] || fail "make install did not install /$1"; }

echo "==> make (release build, man pages)"
make --no-print-directory

echo "==> make install DESTDIR=$stage PREFIX=/usr"
make --no-print-directory install DESTDIR="$stage" PREFIX=/usr >/dev/null
for f in usr/bin/bssd usr/bin/bssctl; do
    expect_file "$f"
    [[ -x $stage/$f ]] || fail "/$f is not executable"
done
for page in bssd bssd-run bssd-separate bssd-bench bssctl; do expect_file "usr/share/man/man1/$page.1"; done
expect_file usr/lib/systemd/system/bssd.service
expect_file etc/bssd/bssd.toml
expect_file etc/bssd/bssd.toml.default
# Output captured first: `cmd | grep -q` fails under pipefail when grep exits before cmd is done.
help=$("$stage/usr/bin/bssd" run --help) && [[ $help == *--capture* ]] || fail "the installed bssd does not run"

unit=$stage/usr/lib/systemd/system/bssd.service
grep -qx 'ExecStart=/usr/bin/bssd run --config /etc/bssd/bssd.toml' "$unit" || fail "ExecStart not rendered for PREFIX=/usr"
! grep -n '@[A-Z]*@' "$unit" || fail "placeholders left in the installed unit"
grep -q 'NU ≤ 1000' "$stage/usr/share/man/man1/bssd-run.1" || fail "bssd-run(1) lost the help text's characters"

echo "==> systemd-analyze verify (installed unit, ExecStart pointed at the staged binary)"
# verify needs ExecStart's binary and Documentation='s man page to exist on this machine; it
# exits 0 on unknown keys and bad values (only warning), so any output is a failure too.
sed "s|^ExecStart=/usr/bin/bssd|ExecStart=$stage/usr/bin/bssd|" "$unit" >"$stage/bssd.service"
if ! report=$(MANPATH=$stage/usr/share/man systemd-analyze verify "$stage/bssd.service" 2>&1) || [[ -n $report ]]; then
    fail "systemd-analyze verify: ${report:-non-zero exit}"
fi
rm "$stage/bssd.service"

echo "==> re-install and uninstall keep an edited config"
echo "# edited by the operator" >>"$stage/etc/bssd/bssd.toml"
make --no-print-directory install DESTDIR="$stage" PREFIX=/usr >/dev/null
grep -q 'edited by the operator' "$stage/etc/bssd/bssd.toml" || fail "make install overwrote an edited config"
make --no-print-directory uninstall DESTDIR="$stage" PREFIX=/usr >/dev/null
left=$(cd "$stage" && find . -type f | sort)
[[ $left == "./etc/bssd/bssd.toml" ]] || fail "after uninstall with an edited config, expected only it left, found: $left"

echo "==> uninstall removes an unedited config and everything else"
rm "$stage/etc/bssd/bssd.toml"
make --no-print-directory install DESTDIR="$stage" PREFIX=/usr >/dev/null
make --no-print-directory uninstall DESTDIR="$stage" PREFIX=/usr >/dev/null
left=$(cd "$stage" && find . -type f)
[[ -z $left ]] || fail "make uninstall left files: $left"
[[ ! -e $stage/etc/bssd ]] || fail "make uninstall left /etc/bssd"

if [[ $failures -gt 0 ]]; then
    echo "test-install.sh: $failures failure(s)" >&2
    exit 1
fi
echo "test-install.sh: install layout, unit verification and uninstall OK"

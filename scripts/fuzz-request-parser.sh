#!/usr/bin/env bash
# Fuzzes the control request parser with libFuzzer (+ AddressSanitizer) for a bounded number of
# inputs. Usage: scripts/fuzz-request-parser.sh [RUNS] (default 1000000). Exits non-zero on a crash;
# the crashing input is left as ./crash-*.
set -euo pipefail
runs="${1:-1000000}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The seed corpus: one valid line per request, as the documentation shows them.
mkdir -p "$work/corpus"
i=0
while IFS= read -r line; do
    printf '%s' "$line" > "$work/corpus/seed-$i"
    i=$((i + 1))
done < <(grep -h '^{"id"' "$root/docs/control-protocol.md" | grep '"method"')

# The entry point is compiled into the same module as the parser (libFuzzer supplies main).
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name ControlProtocolFuzz \
    "$root"/Sources/ControlProtocol/*.swift "$root/Fuzz/RequestParserFuzzer.swift" -o "$work/fuzz-request-parser"
"$work/fuzz-request-parser" -runs="$runs" -max_len=4096 -print_final_stats=1 "$work/corpus"

#!/usr/bin/env bash
# ci/tests/classify-test.sh REPLAY_BINARY KNOWN_BAD_PROG - ctest ci.classify:
# ci/lib.sh's classify() names the oracle from the one oracle line
# ("fencefuzz: ORACLE <kind> <sig>") that a real known-bad run prints, and the
# first oracle of a log wins (ours or a sanitizer's). Exit 0 iff all hold.
set -euo pipefail
cd "$(dirname "$0")/../.."
source ci/lib.sh
bin="$1" prog="$2" tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
expect() { # LOG WANTED-PREFIX
  local got; got=$(classify "$1"); got="${got%%|*}"
  if [[ "$got" == "$2"* ]]; then echo "ok: $got"; else echo "FAIL: $(basename "$1"): got '$got', want '$2...'"; fails=$((fails + 1)); fi
}
# A real divergence: the line comes from the harness (the names contract,
# catalog.h post(), fires before the model's comparison).
"$bin" --quiet "$prog" >"$tmp/model.log" 2>&1 && { echo "FAIL: $bin did not fail on $prog"; exit 1; }
grep -q '^fencefuzz: ORACLE contract ' "$tmp/model.log" || { echo "FAIL: no oracle line in:"; cat "$tmp/model.log"; exit 1; }
expect "$tmp/model.log" contract-names
# First one wins: a TSan report before a torture violation, and after one.
printf 'WARNING: ThreadSanitizer: data race (pid=1)\nfencefuzz: ORACLE torture slot_history\n' >"$tmp/tsan-first.log"
expect "$tmp/tsan-first.log" tsan-data-race
printf 'fencefuzz: ORACLE torture slot_history\nWARNING: ThreadSanitizer: data race (pid=1)\n' >"$tmp/torture-first.log"
expect "$tmp/torture-first.log" torture-slot-history
printf 'fencefuzz: ORACLE trap unloaded-module-release\n==1==ERROR: AddressSanitizer: SEGV on unknown address\n' >"$tmp/trap.log"
expect "$tmp/trap.log" trap-unloaded-module-release
printf '==1==ERROR: AddressSanitizer: heap-use-after-free on address\n' >"$tmp/asan.log"
expect "$tmp/asan.log" asan-heap-use-after-free
printf 'Segmentation fault\n' >"$tmp/crash.log"
expect "$tmp/crash.log" crash-
[ "$fails" -eq 0 ]

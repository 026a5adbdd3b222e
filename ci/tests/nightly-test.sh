#!/usr/bin/env bash
# ci/tests/nightly-test.sh - ctest ci.nightly.triage: ci/nightly's triage and
# history logic on fixtures (ci/tests/nightly-fixtures/), without fuzzing:
# crash signatures (oracle + top 3 core/ frames, no addresses, the same when
# only addresses and lines move), the crash database (new -> count 1 and NEW;
# the same signature again -> known, count 2), the history line and the
# regression warning of ci/nightly-report.py, and ci/nightly's usage errors
# (exit 2 before anything is built). Exit 0 iff all hold.
set -euo pipefail
cd "$(dirname "$0")/../.."
source ci/lib.sh
fx=ci/tests/nightly-fixtures tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # WHAT GOT WANT
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$2', want '$3'"; fails=$((fails + 1)); fi
}

# Signatures.
check "asan: first stack's core/ frames" "$(crash_signature $fx/asan-uaf.log)" \
  "asan-heap-use-after-free@fence::list_empty>dma_fence_signal_timestamp_locked>signal_and_put"
sed -E 's/0x[0-9a-f]+/0xdeadbeef/g; s/\.(cpp|h):[0-9]+:[0-9]+/.\1:1:1/g' $fx/asan-uaf.log >"$tmp/moved.log"
check "addresses and lines do not matter" "$(crash_signature "$tmp/moved.log")" \
  "$(crash_signature $fx/asan-uaf.log)"
check "oracle + deadly signal: report functions skipped" "$(crash_signature $fx/oracle-deadly.log)" \
  "lockdep-suspicious-rcu-dereference-check-usage@fence::rcu_lockdep_complain>dma_fence_set_deadline"
check "a zoo variant's patched core/src; return types and templates dropped" \
  "$(crash_signature $fx/lockdep-zoo-variant.log)" "lockdep-rcu-h-210@rcu_dereference>dma_fence_set_deadline"
check "no stack: the oracle alone" "$(crash_signature $fx/model-nostack.log)" "model-names-return-value"
case "$(crash_signature $fx/asan-uaf.log)" in *0x*|*.cpp*|*:[0-9]*) check "no addresses" bad good ;; esac

# The crash database.
db="$tmp/crashes.tsv" sig="asan-heap-use-after-free@fence::list_empty>dma_fence_signal_timestamp_locked>signal_and_put"
check "first find is new" "$(crashdb_update "$db" "$sig" 2026-12-01T02:00:00Z api_fuzz libfuzzer /s/crashes/a.prog)" new
check "count 1" "$(awk -F'\t' -v s="$sig" '$1 == s { print $4 }' "$db")" 1
check "same signature again is known" \
  "$(crashdb_update "$db" "$sig" 2026-12-02T02:00:00Z module_fuzz libfuzzer /s/crashes/b.prog)" "known 2"
check "count 2, both harnesses, first reproducer, last seen" \
  "$(awk -F'\t' -v s="$sig" '$1 == s { print $2, $3, $4, $5, $7 }' "$db")" \
  "2026-12-01T02:00:00Z 2026-12-02T02:00:00Z 2 api_fuzz,module_fuzz /s/crashes/a.prog"
check "another signature is new" "$(crashdb_update "$db" model-names-return-value 2026-12-02T02:00:00Z api_fuzz libfuzzer /s/x.prog)" new
check "one row per signature" "$(tail -n +2 "$db" | wc -l)" 2

# History: a night's line, and the regression warning against the median.
state="$tmp/state" work="$tmp/work" report="$tmp/state/reports/night"
mkdir -p "$work" "$report"
cp $fx/history-slow.jsonl "$state/history.jsonl"
printf 'api_fuzz\t60000\t100\t4300\t7400\t520\t650\t1660\t7500\t1660\t7500\tok\tstate\n' >"$work/harness-stats.tsv"
printf 'module_fuzz\t200000\t100\t2800\t6600\t495\t600\t1650\t6700\t1650\t6700\tok\tstate\n' >>"$work/harness-stats.tsv"
: >"$work/night-new.txt"; : >"$work/night-known.txt"; : >"$work/night-cmds.tsv"
python3 ci/nightly-report.py --state "$state" --report "$report" --work "$work" --date 2026-12-01T02:00:00Z \
  --commit ddddddd --engine libfuzzer --minutes 5 --jobs 2 --bdir build/fuzz --command test >/dev/null
check "one history line appended" "$(wc -l <"$state/history.jsonl")" 4
check "the line's numbers" "$(tail -n 1 "$state/history.jsonl" | python3 -c 'import json,sys; n=json.load(sys.stdin); print(n["commit"], n["harnesses"]["api_fuzz"]["exec_s"], n["harnesses"]["api_fuzz"]["corpus"], n["crashes_new"])')" \
  "ddddddd 600 520 0"
check "regression warning (api_fuzz 600 exec/s vs median 3000)" \
  "$(python3 ci/nightly-report.py regressions "$state/history.jsonl" | grep -c 'api_fuzz exec/s 600 is 20% of the median')" 1
check "no warning for module_fuzz (faster)" "$(python3 ci/nightly-report.py regressions "$state/history.jsonl" | grep -c module_fuzz || true)" 0
check "warning at the top of the report" "$(sed -n 3p "$report/report.md" | grep -c '^\*\*WARNING: api_fuzz exec/s')" 1
check "no warning on a steady history" "$(head -n 3 $fx/history-slow.jsonl >"$tmp/h.jsonl"; python3 ci/nightly-report.py regressions "$tmp/h.jsonl" | wc -l)" 0
[ -f "$report/index.html" ] || check "index.html written" no yes

# Usage errors: exit 2, nothing built, no state folder made.
expect2() { # MESSAGE-REGEX ARGS...
  local re="$1" out rc; shift
  set +e; out=$(ci/nightly --state "$tmp/never" "$@" 2>&1); rc=$?; set -e
  if [ "$rc" -eq 2 ] && grep -qE "$re" <<<"$out"; then echo "ok: ci/nightly $*"
  else echo "FAIL: ci/nightly $* -> exit $rc: $out"; fails=$((fails + 1)); fi
}
expect2 'needs a value' --minutes
expect2 'positive integer' --minutes 0
expect2 'positive number' --hours abc
expect2 'libfuzzer or afl' --engine honggfuzz
expect2 "no zoo bug 'nosuch'" --inject-bug nosuch
expect2 "unknown option '--bogus'" --bogus
set +e; out=$(ci/nightly --engine afl --state /tmp/ff-nightly-never 2>&1); rc=$?; set -e
check "--engine afl refuses a state under /tmp (afl-cmin does)" "$rc$([ -e /tmp/ff-nightly-never ] && echo " made")" 2
[ ! -e "$tmp/never" ] || check "no state folder on a usage error" made none
ci/nightly --help | grep -q -- '--inject-bug' || check "--help" missing shown
[ "$fails" -eq 0 ]

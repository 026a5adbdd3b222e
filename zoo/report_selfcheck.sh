#!/usr/bin/env bash
# zoo/report_selfcheck.sh - ci/zoo-report's own checks must fire: a report on
# the clean core fails the run, a bug no detector found fails it, a missed
# best detector fails --fast; a clean matrix passes. Run from the source root
# (ctest zoo.report.selfcheck). Prints "N passed, N failed".
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
run() { # NAME EXPECT_EXIT EXPECT_REGEX FAST RESULT...
  local name="$1" want="$2" re="$3" fast="$4"; shift 4
  local d="$tmp/$name"; mkdir -p "$d/results"
  local i=0
  for r in "$@"; do
    set -- $r # bug detector found
    i=$((i + 1))
    printf '{"bug": "%s", "detector": "%s", "seed": 1, "found": %s, "seconds": 0.5, "budget": 30, "oracle": "model", "signature": "x", "reproducer": "-", "log": "-"}\n' \
      "$1" "$2" "$3" >"$d/results/$i.json"
  done
  out=$(python3 ci/zoo-report --out "$d" --bugs cb-order --fast "$fast" 2>&1); rc=$?
  if [ "$rc" = "$want" ] && grep -qE "$re" <<<"$out"; then
    pass=$((pass + 1)); echo "ok   $name"
  else
    fail=$((fail + 1)); echo "FAIL $name (exit $rc, wanted $want and /$re/)"; tail -n 5 <<<"$out"
  fi
}
run clean-matrix 0 'ci/zoo: 2 passed, 0 failed' 0 "cb-order api_fuzz true" "clean api_fuzz false"
run false-positive 1 'FAIL clean core: FALSE POSITIVE' 0 "cb-order api_fuzz true" "clean api_fuzz true"
run not-found 1 'FAIL cb-order: FOUND BY NO DETECTOR' 0 "cb-order api_fuzz false" "clean api_fuzz false"
run fast-missed 1 'FAIL cb-order: best detector api_fuzz: MISSED' 1 "cb-order api_fuzz false" "clean api_fuzz false"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

#!/usr/bin/env bash
# ci/tests/script-args-test.sh - ctest ci.scripts.bad-arguments: the ci/
# scripts refuse a missing option value or an unknown zoo bug with a usage
# message and exit status 2, before they set up or build anything.
set -euo pipefail
cd "$(dirname "$0")/../.."
fails=0
expect2() { # MESSAGE-REGEX COMMAND...
  local re="$1" out rc; shift
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  if [ "$rc" -eq 2 ] && grep -qE "$re" <<<"$out"; then echo "ok: $*"
  else echo "FAIL: $* -> exit $rc: $out"; fails=$((fails + 1)); fi
}
expect2 'needs a value' ci/fuzz --seconds
expect2 'needs a value' ci/fuzz --harness
expect2 'needs a number' ci/fuzz --seed abc
expect2 "no zoo bug 'nosuch'" ci/fuzz --inject-bug nosuch
[ ! -e build/fuzz-bug-nosuch ] || { echo "FAIL: ci/fuzz --inject-bug nosuch made build/fuzz-bug-nosuch"; fails=$((fails + 1)); }
expect2 "no bug 'nosuch'" ci/zoo --bugs nosuch
expect2 "unknown detector" ci/zoo --detectors nosuch
expect2 'needs a value' ci/oss-fuzz-check --engine
expect2 'must be libfuzzer or afl' ci/oss-fuzz-check --engine honggfuzz
expect2 'MSan is not supported' ci/oss-fuzz-check --sanitizer memory
expect2 'positive integer' ci/oss-fuzz-check --seconds 0
[ "$fails" -eq 0 ]

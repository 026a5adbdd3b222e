#!/bin/sh
# props/selfcheck.sh PROP_BIN FILTER OUT_DIR REPLAY_BIN
#
# Self-check of a property on a core built with an injected bug: run the
# property with a fixed seed, print the shrunk counterexample it wrote, then
# replay that file with the same variant's api_fuzz_replay (the interpreter
# that fence-repro drives). ctest matches the output: a counterexample of at
# most 10 ops that replays to a model divergence (exit 134, abort).
set -u
bin=$1 filter=$2 out=$3 replay=$4
rm -rf "$out"
# The variant leaks what a diverged run leaves behind: not what is tested here.
FENCEFUZZ_PROPS_OUT="$out" RC_PARAMS="seed=1 max_success=1000" \
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$bin" --gtest_filter="$filter" 2>&1
found=0
for f in "$out"/*.prog; do
  [ -e "$f" ] || continue
  found=1
  echo "---- $f"
  cat "$f"
  "$replay" --quiet "$f" 2>&1
  echo "replay-exit=$?"
done
[ "$found" = 1 ] || echo "selfcheck: no counterexample written to $out"

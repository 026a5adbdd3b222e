#!/bin/sh
# ktree/tests/tree-zoo-selftests.sh [--expect caught|missed|any] [--timeout SEC] BINARY
#
# Runs "BINARY --run all" (a ktree_selftests_bug_<bug> of the tree zoo, or
# the clean ktree_selftests as a control) and says whether the kernel's own
# selftests caught the bug, on one line:
#
#   tree-zoo: <binary>: caught (<why>)     or     tree-zoo: <binary>: missed
#
# <why> is the first of: a sanitizer report (its first line), a leak report
# of the runner, a timeout (the run hung), the runner's own verdict line,
# else the exit status. --expect caught (the tree-zoo.selftests.<bug>
# ctests) exits 0 only if caught, --expect missed only if missed (the clean
# control), --expect any (the matrix) always 0 unless the binary is missing.
# The full output is kept in BINARY.log.
set -u
expect=any timeout_s=240
while [ $# -gt 1 ]; do
  case $1 in
    --expect) expect=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--expect caught|missed|any] [--timeout SEC] BINARY" >&2; exit 2; }
bin=$1
name=$(basename "$bin")
[ -x "$bin" ] || { echo "tree-zoo: $bin: not built" >&2; exit 2; }
log=$bin.log
timeout -k 10 "$timeout_s" "$bin" --run all >"$log" 2>&1
rc=$?
why=""
report=$(grep -m1 -E "ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer" "$log")
if [ -n "$report" ]; then
  why="sanitizer: $(echo "$report" | sed 's/^[=0-9]*//' | cut -c1-160)"
elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  why="timeout: no exit within ${timeout_s}s"
elif [ $rc -ne 0 ]; then
  line=$(grep -m1 -E "^ktree_selftests[^:]*: |leak: |WARN|lockdep|spinlock recursion|BUG" "$log" | cut -c1-160)
  why="exit $rc${line:+: $line}"
fi
if [ -n "$why" ]; then
  verdict=caught
  echo "tree-zoo: $name: caught ($why)"
else
  verdict=missed
  echo "tree-zoo: $name: missed"
fi
if [ "$verdict" = caught ]; then
  grep -E "^ERR|ERROR|WARN|leak:|lockdep|recursion|timed out" "$log" | head -n 8 | sed 's/^/  | /'
fi
case $expect in
  any) exit 0 ;;
  "$verdict") exit 0 ;;
  *) echo "tree-zoo: $name: expected $expect (log: $log)" >&2; tail -n 20 "$log" >&2; exit 1 ;;
esac

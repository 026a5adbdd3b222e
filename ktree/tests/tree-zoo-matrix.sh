#!/bin/bash
# ktree/tests/tree-zoo-matrix.sh [--runs N] [--timeout SEC] BUILD-DIR [BUG...]
#
# Which tree-zoo bugs the kernel's own selftests catch: builds each
# ktree_selftests_bug_<bug> in BUILD-DIR (one at a time, -j1), runs its
# "--run all" N times (default 3: the race bugs may need luck) through
# ktree/tests/tree-zoo-selftests.sh, and the clean ktree_selftests as the
# control. Prints a markdown table (also BUILD-DIR/ktree-zoo/matrix.md):
# bug, kind, race, caught in how many runs (a timeout stops the runs: it
# would recur), the first reason.
# Exports the tests' sanitizer options (cmake/sanitizer-options.cmake), as
# ctest would. Exits 1 if the clean control is caught.
set -u
runs=3 timeout_s=240
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--runs N] [--timeout SEC] BUILD-DIR [BUG...]" >&2; exit 2; }
build=$1; shift
src=$(cd "$(dirname "$0")/../.." && pwd)
opt() { sed -n "s/^set($1 \"\(.*\)\")/\1/p" "$src/cmake/sanitizer-options.cmake"; }
ASAN_OPTIONS=$(opt FENCEFUZZ_TEST_ASAN_OPTIONS)
UBSAN_OPTIONS=$(opt FENCEFUZZ_TEST_UBSAN_OPTIONS)
export ASAN_OPTIONS UBSAN_OPTIONS
bugs=("$@")
if [ ${#bugs[@]} -eq 0 ]; then
  for c in "$src"/ktree/zoo/*.cocci; do bugs+=("$(basename "$c" .cocci)"); done
fi
key() { sed -n "s|^// $2: ||p" "$src/ktree/zoo/$1.cocci" | head -n1; }
one() { # binary -> "caught/ran|first reason"; a timeout ends the runs (it would recur)
  local bin=$1 hits=0 ran=0 why="" i line
  for i in $(seq 1 "$runs"); do
    line=$("$src/ktree/tests/tree-zoo-selftests.sh" --timeout "$timeout_s" "$bin" | head -n1)
    case $line in
      "tree-zoo: "*": caught ("*|"tree-zoo: "*": missed") ;;
      *) echo "tree-zoo-matrix: no verdict from $bin" >&2; exit 1 ;;
    esac
    ran=$i
    case $line in
      *": caught ("*)
        hits=$((hits + 1))
        if [ -z "$why" ]; then
          why=${line#*: caught (}; why=${why%)}; why=${why%% on address*}; why=${why%% at pc *}
        fi
        case $line in *"caught (timeout"*) break ;; esac ;;
    esac
  done
  echo "$hits/$ran|$why"
}
mkdir -p "$build/ktree-zoo"
out=$build/ktree-zoo/matrix.md
{
  echo "| bug | kind | race | caught by the selftests | first report |"
  echo "|---|---|---|---|---|"
} >"$out"
cmake --build "$build" -j1 --target ktree_selftests >/dev/null || exit 1
r=$(one "$build/ktree/ktree_selftests") || exit 1
echo "| (clean tree) | | | ${r%%|*} | ${r#*|} |" >>"$out"
clean_hits=${r%%/*}
for b in "${bugs[@]}"; do
  if ! blog=$(cmake --build "$build" -j1 --target "ktree_selftests_bug_$b" 2>&1); then
    echo "| $b | $(key "$b" kind) | $(key "$b" race) | does not build | $(echo "$blog" | grep -m1 -E 'tree zoo|error' | cut -c1-160) |" >>"$out"
    continue
  fi
  r=$(one "$build/ktree/ktree_selftests_bug_$b") || exit 1
  echo "| $b | $(key "$b" kind) | $(key "$b" race) | ${r%%|*} | ${r#*|} |" >>"$out"
done
cat "$out"
[ "$clean_hits" -eq 0 ]

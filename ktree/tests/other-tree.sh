#!/usr/bin/env bash
# other-tree.sh - FENCEFUZZ_KERNEL_TREE points the build at another tree; bad trees are refused.
#
# Usage: ktree/tests/other-tree.sh TREE WORKDIR [CMAKE_ARG...]
#
# Makes, under WORKDIR (emptied first), a copy of TREE's dma-buf files with
# an edit a developer's patch could make (selftest.c's sanitycheck prints a
# marker line instead of its pr_debug), configures fencefuzz with
# FENCEFUZZ_KERNEL_TREE=<copy> and CMAKE_ARGs (the calling tree's compiler,
# build type and sanitizer), builds ktree_selftests, runs every selftest
# (--run all) and checks that the marker came from the copy. Then checks
# that a configure against a copy missing drivers/dma-buf/dma-resv.c, and
# against one too old (include/linux/dma-fence.h without
# dma_fence_timestamp()), stops with a FATAL_ERROR naming the file.
# Exit 0 if all hold, 1 otherwise.
set -euo pipefail
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
[ $# -ge 2 ] && [ -d "$1" ] || { echo "usage: $0 TREE WORKDIR [CMAKE_ARG...] (try --help)" >&2; exit 2; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
tree="$(cd "$1" && pwd)" work="$2"
shift 2
rm -rf "$work"
mkdir -p "$work"

copy_tree() { # copy_tree DEST
  mkdir -p "$1"
  (cd "$tree" && tar -cf - Makefile drivers/dma-buf include) | (cd "$1" && tar -xf -)
}

copy_tree "$work/tree"
marker="fencefuzz other-tree fixture: this selftest.c is the copy's"
sed -i "s|pr_debug(\"Hello World!\\\\n\");|pr_info(\"$marker\\\\n\");|" "$work/tree/drivers/dma-buf/selftest.c"
grep -qF "$marker" "$work/tree/drivers/dma-buf/selftest.c" ||
  { echo "FAIL: the edit did not apply to the copy's selftest.c"; exit 1; }

echo "== configure and build against $work/tree"
cmake -S "$root" -B "$work/build" -G Ninja -DFENCEFUZZ_BUILD_TESTS=OFF \
  -DFENCEFUZZ_KERNEL_TREE="$work/tree" "$@" >"$work/configure.log" 2>&1 ||
  { tail -n 20 "$work/configure.log"; echo "FAIL: configure"; exit 1; }
grep -F "kernel tree backend: $work/tree" "$work/configure.log" ||
  { echo "FAIL: configure did not use $work/tree"; exit 1; }
nice -n 5 cmake --build "$work/build" --target ktree_selftests >"$work/build.log" 2>&1 ||
  { tail -n 20 "$work/build.log"; echo "FAIL: build"; exit 1; }

echo "== run every selftest of the copy"
"$work/build/ktree/ktree_selftests" --run all >"$work/run.log" 2>&1 ||
  { tail -n 30 "$work/run.log"; echo "FAIL: ktree_selftests --run all"; exit 1; }
grep -c "dma-buf: Running " "$work/run.log" | sed 's/^/(sub)tests started: /'
grep -qF "$marker" "$work/run.log" || { echo "FAIL: the marker of the copy's selftest.c was not printed"; exit 1; }
echo "ok: built from and ran the copy (its marker printed)"

refuse() { # refuse NAME EDIT-COMMAND EXPECTED-REGEX
  local name="$1" edit="$2" want="$3"
  copy_tree "$work/$name"
  (cd "$work/$name" && eval "$edit")
  if cmake -S "$root" -B "$work/build-$name" -G Ninja -DFENCEFUZZ_BUILD_TESTS=OFF \
      -DFENCEFUZZ_KERNEL_TREE="$work/$name" "$@" >"$work/$name.log" 2>&1; then
    echo "FAIL: configure accepted the $name tree"; return 1
  fi
  # CMake wraps long messages: match on the joined text.
  tr -s ' \n' '  ' <"$work/$name.log" >"$work/$name.joined"
  if ! grep -qE "$want" "$work/$name.joined"; then
    tail -n 10 "$work/$name.log"; echo "FAIL: $name: no message matching '$want'"; return 1
  fi
  echo "ok: $name tree refused: $(grep -oE "kernel tree backend: [^.]*\.[^.]*" "$work/$name.joined" | head -n 1)"
}
status=0
refuse missing-file "rm drivers/dma-buf/dma-resv.c" "has no drivers/dma-buf/dma-resv\\.c" "$@" || status=1
refuse too-old "sed -i 's/dma_fence_timestamp/dma_fence_stamp_old/g' include/linux/dma-fence.h" \
  "too old: include/linux/dma-fence\\.h has no dma_fence_timestamp" "$@" || status=1
[ $status = 0 ] && rm -rf "$work"
exit $status

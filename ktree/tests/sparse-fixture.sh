#!/usr/bin/env bash
# sparse-fixture.sh - ci/sparse reproduces the seed's sparse report on a patched copy of a tree.
#
# Usage: ktree/tests/sparse-fixture.sh TREE
#
# Copies TREE's dma-buf files to a temporary folder and gives the copy the
# seed's first header hunk as a one-line substitution in
# include/linux/dma-fence.h (struct dma_fence's "const struct dma_fence_ops *ops;"
# becomes "const struct dma_fence_ops __rcu *ops;"). Then checks that
#  - ci/sparse on the unpatched TREE prints no "different address spaces"
#    warning inside dma_fence_is_array() or dma_fence_is_chain();
#  - ci/sparse on the copy reports "incompatible types in comparison
#    expression (different address spaces)" at a line inside
#    dma_fence_is_array() and at a line inside dma_fence_is_chain(), as the
#    seed's report does.
# Exit 0 if both hold, 1 otherwise (saying which), 2 on bad usage.
set -euo pipefail
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: $0 TREE (try --help)" >&2; exit 2; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
tree="$(cd "$1" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# functions_at HEADER REPORT: "function line" for each comparison warning's
# line of HEADER in REPORT: the function of HEADER that contains it.
functions_at() {
  local header="$1" report="$2" line
  { grep -F 'incompatible types in comparison expression (different address spaces)' "$report" || true; } |
    { grep -F "include/linux/dma-fence.h:" || true; } | sed -E 's/.*dma-fence\.h:([0-9]+):.*/\1/' | sort -un |
    while read -r line; do
      # The last function definition that starts at or above the line.
      awk -v n="$line" 'NR <= n && /^(static inline )?[a-z_ ]+[ *]+([a-z_0-9]+)\(/ {
          f = $0; sub(/\(.*/, "", f); sub(/.*[ *]/, "", f) } NR == n { print f, n; exit }' "$header"
    done | sort -u
}

status=0
"$root/ci/sparse" --tree "$tree" >"$tmp/clean.txt" || true
functions_at "$tree/include/linux/dma-fence.h" "$tmp/clean.txt" >"$tmp/clean.fn"
if grep -qE '^dma_fence_is_(array|chain) ' "$tmp/clean.fn"; then
  echo "FAIL: the unpatched tree already has the warning in: $(tr '\n' ' ' <"$tmp/clean.fn")"
  status=1
else
  echo "ok: unpatched $tree: no 'different address spaces' comparison warning in dma_fence_is_array/_is_chain"
fi

mkdir -p "$tmp/tree"
(cd "$tree" && tar -cf - drivers/dma-buf include/linux/dma-*.h include/trace/events/dma_fence.h) |
  (cd "$tmp/tree" && tar -xf -)
h="$tmp/tree/include/linux/dma-fence.h"
sed -i 's/^\(\s*\)const struct dma_fence_ops \*ops;/\1const struct dma_fence_ops __rcu *ops;/' "$h"
if ! grep -q 'const struct dma_fence_ops __rcu \*ops;' "$h"; then
  echo "FAIL: the substitution did not apply to $h (no 'const struct dma_fence_ops *ops;' member)"
  exit 1
fi
"$root/ci/sparse" --tree "$tmp/tree" >"$tmp/patched.txt" || true
functions_at "$h" "$tmp/patched.txt" >"$tmp/patched.fn"
for fn in dma_fence_is_array dma_fence_is_chain; do
  if line=$(grep -m1 "^$fn " "$tmp/patched.fn"); then
    echo "ok: patched copy: $fn: $(grep -m1 -F "dma-fence.h:${line#* }:" "$tmp/patched.txt" | sed "s|$tmp/tree/||")"
  else
    echo "FAIL: patched copy: no 'incompatible types in comparison expression (different address spaces)' in $fn"
    status=1
  fi
done
exit $status

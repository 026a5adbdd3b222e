#!/bin/sh
# ktree/tests/tree-zoo-newer.sh SPATCH TREE ZOO-DIR OUT-DIR
#
# The tree-zoo.newer-shape ctest: every tree-zoo bug must also apply to a
# newer (7.x-style) dma-fence.c and dma-fence.h. No newer tree is stored or
# downloaded: the configured tree's two files are copied into OUT-DIR/tree
# and given, by identifier-level rewrites, the shapes a 2026 tree has where
# the zoo's patterns match:
#   - every test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &x->flags) becomes
#     dma_fence_test_signaled_flag(x) (the helper of the 2025 series);
#   - dma_fence_signal_timestamp_locked() returns void ("return;", no
#     "return 0;");
#   - dma_fence_release() tests the pending-callbacks condition in a plain
#     if and WARN(1, ...)s inside it (the names fetched through RCU helpers);
#   - __dma_fence_is_later() takes the fence and tests a SEQNO64 flag bit
#     instead of ops->use_64bit_seqno.
# Each rewrite must change the copy (else the base tree changed shape and
# this test says which rewrite no longer matches). Then
# ktree/tests/tree-zoo-apply.sh runs on the derived tree.
set -u
[ $# -eq 4 ] || { echo "usage: $0 SPATCH TREE ZOO-DIR OUT-DIR" >&2; exit 2; }
spatch=$1 tree=$2 zoo=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out/tree"
mkdir -p "$out/tree/drivers/dma-buf" "$out/tree/include/linux" || exit 1
python3 - "$tree" "$out/tree" <<'PY' || exit 1
import re, sys
src, dst = sys.argv[1], sys.argv[2]

def rewrite(text, what, pattern, repl, flags=0):
    new, n = re.subn(pattern, repl, text, flags=flags)
    if n == 0:
        sys.exit("tree-zoo-newer: the rewrite '%s' matches nothing in this tree" % what)
    return new

def function(text, name):
    """(start, end) of the body of the function definition NAME."""
    m = re.search(r"^[^\n;]*\b%s\([^;{]*\)\s*\{" % re.escape(name), text, re.M)
    if not m:
        sys.exit("tree-zoo-newer: no definition of %s()" % name)
    depth, i = 1, m.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return m.start(), i

def in_function(text, name, what, pattern, repl, flags=0):
    a, b = function(text, name)
    return text[:a] + rewrite(text[a:b], what, pattern, repl, flags) + text[b:]

c = open(src + "/drivers/dma-buf/dma-fence.c").read()
c = rewrite(c, "dma_fence_test_signaled_flag()",
            r"test_bit\(DMA_FENCE_FLAG_SIGNALED_BIT,\s*&(\w+)->flags\)",
            r"dma_fence_test_signaled_flag(\1)")
c = in_function(c, "dma_fence_signal_timestamp_locked", "void return",
                r"^int (dma_fence_signal_timestamp_locked)", r"void \1", re.M)
c = in_function(c, "dma_fence_signal_timestamp_locked", "return;",
                r"return -EINVAL;", "return;")
c = in_function(c, "dma_fence_signal_timestamp_locked", "no return 0",
                r"\n\treturn 0;\n", "\n")
c = in_function(c, "dma_fence_release", "if + WARN(1)",
                r"if \(WARN\((.*?),\s*(\"[^\"]*\"),\s*(.*?)\)\) \{\n(\t\tunsigned long flags;\n)",
                r"if (\1) {\n\4\n\t\tWARN(1, \2, \3);\n", re.S)
open(dst + "/drivers/dma-buf/dma-fence.c", "w").write(c)

h = open(src + "/include/linux/dma-fence.h").read()
h = in_function(h, "__dma_fence_is_later", "fence argument",
                r"__dma_fence_is_later\(u64 f1, u64 f2,\s*const struct dma_fence_ops \*ops\)",
                "__dma_fence_is_later(struct dma_fence *fence, u64 f1, u64 f2)")
h = in_function(h, "__dma_fence_is_later", "SEQNO64 flag",
                r"ops->use_64bit_seqno", "test_bit(DMA_FENCE_FLAG_SEQNO64_BIT, &fence->flags)")
open(dst + "/include/linux/dma-fence.h", "w").write(h)
PY
"$here/tree-zoo-apply.sh" "$spatch" "$out/tree" "$zoo" "$out/applied"

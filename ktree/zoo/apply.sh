#!/bin/sh
# ktree/zoo/apply.sh SPATCH BUG.cocci TREE-FILE OUT-FILE
#
# Applies one tree-zoo semantic patch to a copy of one file of the kernel
# tree: copies TREE-FILE to OUT-FILE.orig, runs spatch on the copy into
# OUT-FILE.tmp and, only if spatch succeeded and the output differs from the
# copy, renames it to OUT-FILE (OUT-FILE.diff keeps the change for reading).
# Fails, saying why, if spatch fails or if the patch leaves the file as it
# was (it no longer matches this tree: rebase it, ktree/zoo/README.md).
#
# The options are pinned so that one spatch version gives one output:
# no include files are parsed (--no-includes), no diff or progress is
# printed, one process, and HOME points at the output folder so that no
# ~/.cocciconfig changes the run (spatch is started in that folder too).
set -u
[ $# -eq 4 ] || { echo "usage: $0 SPATCH BUG.cocci TREE-FILE OUT-FILE" >&2; exit 2; }
spatch=$1 cocci=$2 in=$3 out=$4
bug=$(basename "$cocci" .cocci)
dir=$(dirname "$out")
mkdir -p "$dir" || exit 1
case $cocci in /*) ;; *) cocci=$(pwd)/$cocci ;; esac
case $in in /*) ;; *) in=$(pwd)/$in ;; esac
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
[ -f "$cocci" ] || { echo "tree zoo: $bug: no semantic patch $cocci" >&2; exit 1; }
[ -f "$in" ] || { echo "tree zoo: $bug: the tree has no $in" >&2; exit 1; }
rm -f "$out" "$out.tmp" "$out.diff"
cp "$in" "$out.orig" || exit 1
log=$out.log
(cd "$dir" && HOME=$dir "$spatch" --very-quiet --no-show-diff --no-includes --jobs 1 \
    --timeout 120 --sp-file "$cocci" "$out.orig" -o "$out.tmp") >"$log" 2>&1
rc=$?
# spatch 1.1 exits 255 with this message when nothing matched.
if [ $rc -ne 0 ] && grep -q "no modified files" "$log"; then
  rc=0
fi
if [ $rc -ne 0 ]; then
  echo "tree zoo: $bug: spatch failed (exit $rc) on $in:" >&2
  sed 's/^/  /' "$log" >&2
  rm -f "$out.tmp"
  exit 1
fi
if [ ! -f "$out.tmp" ] || cmp -s "$out.orig" "$out.tmp"; then
  echo "tree zoo: $bug: $(basename "$cocci") does not change $in: the semantic patch no longer" \
       "applies to this tree (rebase it, see ktree/zoo/README.md)" >&2
  [ -s "$log" ] && sed 's/^/  /' "$log" >&2
  rm -f "$out.tmp"
  exit 1
fi
diff -u "$out.orig" "$out.tmp" >"$out.diff"
mv "$out.tmp" "$out"

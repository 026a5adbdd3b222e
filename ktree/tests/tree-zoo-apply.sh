#!/bin/sh
# ktree/tests/tree-zoo-apply.sh SPATCH TREE ZOO-DIR OUT-DIR
#
# The tree-zoo.apply ctest: every ZOO-DIR/<bug>.cocci applies to TREE and
# changes the file it names (ZOO-DIR/apply.sh, the build's own spatch step,
# into OUT-DIR/<bug>/), and its header has the keys ktree/zoo/README.md
# lists: bug (= the file name), breaks, symptom, history, kind, race, and
# either "best: selftests" / "check: selftests" or a "blind: selftests: why".
# Prints one line per bug and fails if any bug fails.
set -u
[ $# -eq 4 ] || { echo "usage: $0 SPATCH TREE ZOO-DIR OUT-DIR" >&2; exit 2; }
spatch=$1 tree=$2 zoo=$3 out=$4
fail=0 n=0
key() { sed -n "s|^// $2: ||p" "$1"; }
for cocci in "$zoo"/*.cocci; do
  [ -f "$cocci" ] || continue
  n=$((n + 1))
  bug=$(basename "$cocci" .cocci)
  file=$(key "$cocci" file | head -n1)
  [ -n "$file" ] || file=drivers/dma-buf/dma-fence.c
  problems=""
  [ "$(key "$cocci" bug | head -n1)" = "$bug" ] || problems="$problems; 'bug:' is not '$bug'"
  for k in breaks symptom history kind race; do
    [ -n "$(key "$cocci" $k)" ] || problems="$problems; no '$k:'"
  done
  case $(key "$cocci" kind | head -n1) in semantic|race|memory|deadlock) ;; *) problems="$problems; kind is not semantic|race|memory|deadlock" ;; esac
  case $(key "$cocci" race | head -n1) in yes|no) ;; *) problems="$problems; race is not yes|no" ;; esac
  if ! key "$cocci" best | grep -qw selftests && ! key "$cocci" check | grep -qw selftests &&
     ! key "$cocci" blind | grep -q "^selftests: ."; then
    problems="$problems; neither 'best: selftests' nor 'blind: selftests: <why>'"
  fi
  if ! msg=$("$zoo/apply.sh" "$spatch" "$cocci" "$tree/$file" "$out/$bug/$file" 2>&1); then
    problems="$problems; $msg"
  fi
  if [ -n "$problems" ]; then
    echo "tree-zoo: $bug: FAIL${problems}"
    fail=$((fail + 1))
  else
    echo "tree-zoo: $bug: applies to $file ($(( $(grep -c '^[-+]' "$out/$bug/$file.diff") - 2 )) diff lines)"
  fi
done
[ $n -gt 0 ] || { echo "tree-zoo: no .cocci in $zoo" >&2; exit 1; }
echo "tree-zoo: $((n - fail)) of $n bugs apply to $tree"
[ $fail -eq 0 ]

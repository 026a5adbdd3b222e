# ci/lib.sh - shell functions the ci/ scripts share (sourced, not run).

# classify LOG -> "<oracle>-<sig>|<frame>": which oracle fired first in a
# crash or failure log, a short signature, and the first core/harness frame.
# Every fencefuzz oracle prints one line "fencefuzz: ORACLE <kind> <sig>"
# (core/include/fence/oracle.h): model, leak, lockdep, warn, bug, trap,
# deadlock, contract, torture, props. The sanitizers' reports are read from their own
# first lines: asan (AddressSanitizer, and SEGVs it reports), tsan, lsan,
# ubsan. Whichever comes first in the log wins; with neither it is a crash
# (any other signal, a timeout, out-of-memory).
classify() {
  local log="$1" first kind sig frame
  first=$(grep -m1 -E 'fencefuzz: ORACLE |ERROR: AddressSanitizer|(WARNING|ERROR): ThreadSanitizer|ERROR: LeakSanitizer|runtime error:' "$log" || true)
  case "$first" in
    *"fencefuzz: ORACLE "*)
      kind=$(sed -E 's/.*fencefuzz: ORACLE ([^ ]+).*/\1/' <<<"$first")
      sig=$(sed -E 's/.*fencefuzz: ORACLE [^ ]+ ?//' <<<"$first") ;;
    *AddressSanitizer*) kind=asan; sig=$(grep -o 'AddressSanitizer: [a-z-]*' <<<"$first" | sed 's/.*: //') ;;
    *ThreadSanitizer*) kind=tsan; sig=$(grep -o 'ThreadSanitizer: [a-z -]*' <<<"$first" | sed 's/.*: //') ;;
    *LeakSanitizer*) kind=lsan; sig=leak ;;
    *"runtime error:"*) kind=ubsan; sig=$(grep -o 'runtime error: [a-z ]*' <<<"$first" | sed 's/runtime error: //') ;;
    *) kind=crash; sig=$(grep -m1 -o 'deadly signal\|Timeout\|out-of-memory' "$log" || echo unknown) ;;
  esac
  sig=$(tr -c 'A-Za-z0-9\n' '-' <<<"$sig" | tr -s '-' | sed 's/^-//;s/-$//' | cut -c1-40)
  frame=$(grep -m1 -E '#[0-9]+ 0x[0-9a-f]+ in .*(core|harness)/' "$log" | sed -E 's/.* in ([^ ]+) .*/\1/' || true)
  echo "$kind-${sig:-unknown}|${frame}"
}

# sanitizer_option NAME: the value of set(NAME "...") in
# cmake/sanitizer-options.cmake, the one place the options live (CMake gives
# the TEST ones to every ctest).
sanitizer_option() {
  local f v
  f="$(dirname "${BASH_SOURCE[0]}")/../cmake/sanitizer-options.cmake"
  v=$(sed -n "s/^set($1 \"\(.*\)\")\$/\1/p" "$f")
  [ -n "$v" ] || { echo "ci/lib.sh: no $1 in $f" >&2; return 1; }
  echo "$v"
}

# export_sanitizer_options [campaign|test] [keep]: export ASAN/UBSAN/TSAN_OPTIONS
# (campaign: ci/fuzz, ci/zoo; test: what ctest uses, for ci/props and
# ci/stress); with "keep", a variable the caller already set stays. A report
# must stop the run: halt_on_error everywhere.
export_sanitizer_options() {
  local set="${1:-campaign}" keep="${2:-}" s v val
  s=$(tr a-z A-Z <<<"$set")
  for v in ASAN UBSAN TSAN; do
    if [ "$keep" = keep ] && [ -n "$(printenv "${v}_OPTIONS" || true)" ]; then continue; fi
    val=$(sanitizer_option "FENCEFUZZ_${s}_${v}_OPTIONS") || return 1
    export "${v}_OPTIONS=$val"
  done
}

# seeds_to_binary FENCE_PROG HARNESS DIR: corpora/HARNESS/seeds/*.prog as
# binary programs in DIR (what the fuzz engines take as their seed corpus).
seeds_to_binary() {
  local fprog="$1" h="$2" dir="$3" s
  mkdir -p "$dir"
  for s in corpora/"$h"/seeds/*.prog; do
    "$fprog" --harness "$h" to-binary "$s" "$dir/$(basename "${s%.prog}").bin"
  done
}

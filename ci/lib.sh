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

# fuzz_bin BDIR HARNESS, tool_bin BDIR TOOL: a build's fuzzer (api_fuzz, ...)
# and tool (fence-prog, fence-repro) for the backend FF_BACKEND: port (the
# default; BDIR/fuzz/, BDIR/tools/) or tree (the kernel tree backend's twins,
# BDIR/ktree/<harness>_tree and <tool>-tree: ktree/catalog.cmake).
fuzz_bin() {
  if [ "${FF_BACKEND:-port}" = tree ]; then echo "$1/ktree/$2_tree"; else echo "$1/fuzz/$2"; fi
}
tool_bin() {
  if [ "${FF_BACKEND:-port}" = tree ]; then echo "$1/ktree/$2-tree"; else echo "$1/tools/$2"; fi
}

# seeds_to_binary FENCE_PROG HARNESS DIR: corpora/HARNESS/seeds/*.prog as
# binary programs in DIR (what the fuzz engines take as their seed corpus).
seeds_to_binary() {
  local fprog="$1" h="$2" dir="$3" s
  mkdir -p "$dir"
  for s in corpora/"$h"/seeds/*.prog; do
    # A seed that names an op this core lacks (the tree backend) is left out,
    # with fence-prog's reason.
    "$fprog" --harness "$h" to-binary "$s" "$dir/$(basename "${s%.prog}").bin" ||
      echo "  (seed $(basename "$s") left out)"
  done
}

# crash_frames LOG: the top 3 frames (function names, no addresses, argument
# lists or file:line) of the log's first stack that has frames inside core/
# or a kernel tree (ktree/, build/kernel/; a zoo variant's patched copy of
# core/src, build/*/zoo/<bug>/src/, counts as core/), joined by '>'; empty
# without one. Line numbers, addresses, return types, template and function
# arguments move with every edit; function names do not.
# The reporting functions every oracle goes through (fence_oracle, the WARN
# and BUG paths) are left out: they name the report, not the bug.
crash_frames() {
  awk -v skip='^(fence_oracle|fence_warn_slow|fence_bug|fence_die)$' '
    /^ *#[0-9]+ 0x[0-9a-f]+ in / {
      if (!instack) { instack = 1; n = 0 }
      line = $0
      sub(/^ *#[0-9]+ 0x[0-9a-f]+ in /, "", line)
      file = line; fn = line
      if (match(line, / \/[^ ]*$/)) { file = substr(line, RSTART + 1); fn = substr(line, 1, RSTART - 1) }
      else file = ""
      if (file ~ /\/(core|ktree|build\/kernel)\// || file ~ /\/zoo\/[^\/]+\/src\//) {
        gsub(/\(anonymous namespace\)::/, "", fn)
        sub(/\(.*/, "", fn)
        while (gsub(/<[^<>]*>/, "", fn)) { }
        sub(/.* /, "", fn)
        if (fn !~ skip && n < 3) frames[++n] = fn
      }
      next
    }
    instack { instack = 0; if (n > 0) exit }
    END {
      out = ""
      for (i = 1; i <= n && i <= 3; i++) out = out (i > 1 ? ">" : "") frames[i]
      print out
    }' "$1"
}

# crash_signature LOG -> "<kind>-<sig>" (classify's oracle part), then
# "@f1>f2>f3" when the crash has frames inside core/ (crash_frames): one
# name per bug, the same whichever harness or input found it.
crash_signature() {
  local key frames
  key=$(classify "$1"); frames=$(crash_frames "$1")
  echo "${key%%|*}${frames:+@$frames}"
}

# crashdb_update DB SIGNATURE WHEN HARNESS ENGINE REPRODUCER: count one more
# crash in the crash database (TSV: signature, first_seen, last_seen, count,
# harnesses, engine, reproducer; a header line first). Prints "new" for a
# signature the database did not hold (its row is added with count 1), else
# "known COUNT" (last_seen and count updated, the harness added to the
# comma-separated list; the first reproducer stays).
crashdb_update() {
  local db="$1" sig="$2" when="$3" h="$4" engine="$5" repro="$6" tmp
  [ -f "$db" ] || printf 'signature\tfirst_seen\tlast_seen\tcount\tharnesses\tengine\treproducer\n' >"$db"
  if awk -F'\t' -v s="$sig" 'NR > 1 && $1 == s { f = 1 } END { exit !f }' "$db"; then
    tmp="$db.tmp.$$"
    awk -F'\t' -v OFS='\t' -v s="$sig" -v w="$when" -v h="$h" -v e="$engine" '
      NR > 1 && $1 == s {
        $3 = w; $4 = $4 + 1
        if (("," $5 ",") !~ ("," h ",")) $5 = $5 "," h
        if (("," $6 ",") !~ ("," e ",")) $6 = $6 "," e
        c = $4
      }
      { print }
      END { print c > "/dev/stderr" }' "$db" 2>"$tmp.count" >"$tmp"
    mv "$tmp" "$db"
    echo "known $(cat "$tmp.count")"; rm -f "$tmp.count"
  else
    printf '%s\t%s\t%s\t1\t%s\t%s\t%s\n' "$sig" "$when" "$when" "$h" "$engine" "$repro" >>"$db"
    echo new
  fi
}

# minimize_crash ENGINE BDIR HARNESS INPUT OUT_PROG LOG: shrink a crashing
# binary INPUT (libFuzzer -minimize_crash through fence-repro --minimize, or
# afl-tmin) and write its minimized text program to OUT_PROG. Returns 1 (and
# writes nothing) when nothing was minimized; the log says why.
minimize_crash() {
  local engine="$1" bdir="$2" h="$3" in="$4" out="$5" log="$6" tmin
  if [ "$engine" = libfuzzer ]; then
    "$(tool_bin "$bdir" fence-repro)" --minimize --harness "$h" --fuzzer "$(fuzz_bin "$bdir" "$h")" --runs 3000 \
      "$in" >"$log" 2>&1 || true
    [ -f "${in%.*}.min.prog" ] || return 1
    [ "${in%.*}.min.prog" = "$out" ] || mv "${in%.*}.min.prog" "$out"
  else
    tmin="${in%.*}.tmin.bin"
    afl-tmin -m none -i "$in" -o "$tmin" -- "$(fuzz_bin "$bdir" "$h")" >"$log" 2>&1 &&
      "$(tool_bin "$bdir" fence-prog)" --harness "$h" to-text "$tmin" "$out" || { rm -f "$tmin"; return 1; }
    rm -f "$tmin"
  fi
}

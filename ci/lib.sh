# ci/lib.sh - shell functions the ci/ scripts share (sourced, not run).

# classify LOG -> "<oracle>-<sig>|<frame>": which oracle fired first in a
# crash or failure log, a short signature, and the first core/harness frame.
# Every fencefuzz oracle prints one line "fencefuzz: ORACLE <kind> <sig>"
# (core/include/fence/oracle.h): model, leak, lockdep, warn, bug, trap,
# deadlock, torture, props. The sanitizers' reports are read from their own
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

# Sanitizer options for every campaign and detector run (a report must stop
# the run: halt_on_error everywhere).
export_sanitizer_options() {
  export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:symbolize=1:allocator_may_return_null=1:handle_segv=1"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
  export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1"
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

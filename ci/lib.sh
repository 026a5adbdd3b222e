# ci/lib.sh - shell functions the ci/ scripts share (sourced, not run).

# classify LOG -> "<oracle>-<sig>|<frame>": which oracle fired in a crash or
# failure log, a short signature, and the first core/harness frame. The
# oracle names are the ones the zoo matrix reports:
#   deadlock  the deterministic scheduler's deadlock report, or a thread
#             taking a spinlock it holds (lockdep's recursive locking)
#   leak      the harness's teardown check (kmalloc'd objects left)
#   model     a divergence from the reference model (fence-repro explains it)
#   props     a RapidCheck property falsified (a model check, shrunk)
#   torture   a fence_torture invariant (VIOLATION <kind>)
#   trap      an access to an unloaded module (its image or .so is gone)
#   tsan      ThreadSanitizer
#   asan      AddressSanitizer (and SEGVs it reports)
#   lsan      LeakSanitizer
#   ubsan     UndefinedBehaviorSanitizer
#   lockdep   a debug-build check of the locking/RCU rules (BUG_ON in
#             rcu_dereference() outside a read-side section, lockdep_assert_held)
#   warn      a kernel WARN (panic_on_warn)
#   bug       another BUG_ON / fatal core check
#   crash     any other signal, timeout or out-of-memory
classify() {
  local log="$1" kind sig frame
  if grep -q 'fencefuzz: DEADLOCK' "$log"; then
    kind=deadlock; sig=$(grep -m1 -o 'waits for [a-z_ ]*' "$log" || echo threads)
  elif grep -q 'spinlock recursion' "$log"; then
    kind=deadlock; sig=spinlock-recursion
  elif grep -q 'fencefuzz: DIVERGENCE' "$log" && grep -q 'after teardown' "$log"; then
    kind=leak; sig=teardown
  elif grep -q 'fencefuzz: DIVERGENCE' "$log" && ! grep -q '^  op #' "$log"; then
    kind=model; sig=$(grep -m1 '^  then:' "$log" | sed 's/^  then: *//')
  elif grep -q 'fencefuzz: DIVERGENCE' "$log"; then
    kind=model
    sig="$(grep -m1 '^  op #' "$log" | awk '{print $3}')-$(grep -m1 '^  check:' "$log" | sed 's/^  check: *//')"
  elif grep -q 'access to unloaded module' "$log"; then
    kind=trap; sig="unloaded-module-$(grep -m1 -o 'in op [a-z_()]*' "$log" | sed 's/in op //')"
  elif grep -q 'Falsifiable' "$log"; then
    kind=props; sig=$(grep -B1000 -m1 'Falsifiable' "$log" | grep -oE '\[ RUN +\] [A-Za-z_.]+' | tail -n1 | awk '{print $NF}')
  elif grep -qE '(WARNING|ERROR): ThreadSanitizer' "$log"; then
    kind=tsan; sig=$(grep -m1 -o 'ThreadSanitizer: [a-z -]*' "$log" | sed 's/.*: //')
  elif grep -q 'ERROR: AddressSanitizer' "$log"; then
    kind=asan; sig=$(grep -m1 -o 'AddressSanitizer: [a-z-]*' "$log" | sed 's/.*: //')
  elif grep -q 'ERROR: LeakSanitizer' "$log"; then
    kind=lsan; sig=leak
  elif grep -q 'runtime error:' "$log"; then
    kind=ubsan; sig=$(grep -m1 -o 'runtime error: [a-z ]*' "$log" | sed 's/runtime error: //')
  elif grep -q 'fence-torture: VIOLATION ' "$log"; then
    kind=torture; sig=$(grep -m1 -o 'fence-torture: VIOLATION [a-z_]*' "$log" | awk '{print $3}')
  elif grep -qE 'kernel BUG at .*(rcu_read_lock_held|lockdep|_held\()' "$log"; then
    kind=lockdep; sig=$(grep -m1 -oE 'kernel BUG at [^ ]*' "$log" | sed 's/kernel BUG at //')
  elif grep -q 'panic_on_warn' "$log"; then
    kind=warn; sig=$(grep -m1 -o 'WARN_ON([^)]*' "$log" | sed 's/WARN_ON(//')
  elif grep -qE 'kernel BUG at|fencefuzz: fatal:' "$log"; then
    kind=bug; sig=$(grep -m1 -oE 'kernel BUG at [^ ]*|fencefuzz: fatal: [a-z ]*' "$log" | sed 's/kernel BUG at //;s/fencefuzz: fatal: //')
  else
    kind=crash; sig=$(grep -m1 -o 'deadly signal\|Timeout\|out-of-memory' "$log" || echo unknown)
  fi
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

# The sanitizer options of fencefuzz, in one place. Read by CMake (every
# ctest of every preset gets them, see CMakeLists.txt) and by ci/lib.sh
# (export_sanitizer_options: the campaign scripts). One set(NAME "VALUE") per
# line: ci/lib.sh reads exactly that form. A report must stop the run, so
# halt_on_error is on everywhere.

# Tests (ctest, ci/props, ci/stress).
set(FENCEFUZZ_TEST_ASAN_OPTIONS "abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1")
set(FENCEFUZZ_TEST_UBSAN_OPTIONS "halt_on_error=1:print_stacktrace=1")
set(FENCEFUZZ_TEST_TSAN_OPTIONS "halt_on_error=1:second_deadlock_stack=1")

# Campaigns (ci/fuzz, ci/zoo): no stack-use-after-return (it costs the
# fuzzers' throughput), allocator failures return NULL as kmalloc would, and
# ASan reports the unloaded-module trap's SEGV after the trap's own line.
set(FENCEFUZZ_CAMPAIGN_ASAN_OPTIONS "abort_on_error=1:detect_leaks=1:symbolize=1:allocator_may_return_null=1:handle_segv=1")
set(FENCEFUZZ_CAMPAIGN_UBSAN_OPTIONS "halt_on_error=1:print_stacktrace=1")
set(FENCEFUZZ_CAMPAIGN_TSAN_OPTIONS "halt_on_error=1:abort_on_error=1:second_deadlock_stack=1")

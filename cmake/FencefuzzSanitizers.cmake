# One instrumentation per build tree (STYLE.md B7/B8). Included from the top
# level before any target exists, so every target, harness included, gets it.
#
#   FENCEFUZZ_SANITIZER    '', 'address;undefined', 'thread', 'undefined'
#   FENCEFUZZ_FUZZ_ENGINE  replay | libfuzzer | afl | external
#   FENCEFUZZ_COVERAGE     clang source-based coverage

set(_ff_san "${FENCEFUZZ_SANITIZER}")
if("thread" IN_LIST _ff_san AND "address" IN_LIST _ff_san)
  message(FATAL_ERROR "FENCEFUZZ_SANITIZER: ThreadSanitizer and AddressSanitizer cannot be "
                      "combined; use the 'asan' and 'tsan' presets (one build tree each).")
endif()
foreach(_s IN LISTS _ff_san)
  if(NOT _s MATCHES "^(address|undefined|thread)$")
    message(FATAL_ERROR "FENCEFUZZ_SANITIZER: unknown sanitizer '${_s}' "
                        "(allowed: address, undefined, thread)")
  endif()
endforeach()
if(NOT FENCEFUZZ_FUZZ_ENGINE MATCHES "^(replay|libfuzzer|afl|external)$")
  message(FATAL_ERROR "FENCEFUZZ_FUZZ_ENGINE must be replay, libfuzzer, afl or external, "
                      "not '${FENCEFUZZ_FUZZ_ENGINE}'")
endif()
if(FENCEFUZZ_COVERAGE AND _ff_san)
  message(FATAL_ERROR "FENCEFUZZ_COVERAGE cannot be combined with sanitizers")
endif()

if(_ff_san)
  list(JOIN _ff_san "," _ff_san_csv)
  add_compile_options(-fsanitize=${_ff_san_csv} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${_ff_san_csv})
  if("undefined" IN_LIST _ff_san)
    add_compile_options(-fno-sanitize-recover=all)
  endif()
endif()

# Fuzz trees: no delay-injection points (fence/detail/sched-hooks.h); the
# fuzzers run one thread or the deterministic scheduler and never use them.
if(FENCEFUZZ_FUZZ_ENGINE MATCHES "^(libfuzzer|afl)$")
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_compile_definitions(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION FENCE_NO_DELAY_POINTS)
elseif(FENCEFUZZ_FUZZ_ENGINE STREQUAL "external")
  add_compile_definitions(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION FENCE_NO_DELAY_POINTS)
endif()

if(FENCEFUZZ_COVERAGE)
  add_compile_options(-fprofile-instr-generate -fcoverage-mapping)
  add_link_options(-fprofile-instr-generate -fcoverage-mapping)
endif()

# Debug checks (FENCE_ASSERT_DEBUG, rcu_dereference's read-side check,
# lockdep-style signalling annotations) everywhere but release builds.
if(FENCEFUZZ_DEBUG_CHECKS)
  add_compile_definitions(FENCE_DEBUG_CHECKS FENCE_LOCKDEP)
endif()

# Self-check: FENCEFUZZ_INJECT_BUG=<bug> builds the whole tree's core as one
# variant of the bug zoo (core/zoo/<bug>.patch; core/CMakeLists.txt).

# Self-check of concurrent_fuzz (included from fuzz/CMakeLists.txt): for each
# race below, the dsched core built with that zoo bug (core/zoo/<bug>.patch)
# must report it on the reproducer concurrent_fuzz found,
# corpora/selfcheck/<bug>.prog, on every one of 10 replays; the clean core
# must run the same file clean. Proves that a race found once replays every
# time. ASan builds with FENCEFUZZ_SELFCHECK (the asan preset) only.
#
#   selfcheck.<bug>.fires-10-of-10
#   selfcheck.<bug>.clean
#
# bug | what each replay's output must contain (grep -E; "&&" separates
# patterns that must all match)
set(_ff_concurrent_selfchecks
  "free-no-grace|heap-use-after-free&&in dma_fence_get_rcu_safe"
  "release-outside-rcu|rcu_read_lock_held|access to unloaded module .*in op release"
  "unload-no-grace|access to unloaded module"
  "ops-reread-after-detach|member access within null pointer|SEGV on unknown address 0x0")
if(FENCEFUZZ_SELFCHECK AND "address" IN_LIST FENCEFUZZ_SANITIZER)
  foreach(_sc IN LISTS _ff_concurrent_selfchecks)
    string(FIND "${_sc}" "|" _bar)
    string(SUBSTRING "${_sc}" 0 ${_bar} _bug)
    math(EXPR _bar "${_bar} + 1")
    string(SUBSTRING "${_sc}" ${_bar} -1 _re)
    string(REPLACE "-" "_" _id "${_bug}")
    string(REPLACE "&&" "' out.$$ && grep -qE '" _grep "grep -qE '${_re}' out.$$")
    fence_core_variant(fence_core_dsched_bug_${_id} DSCHED BUG ${_bug})
    fence_harness_variant(fence_harness_dsched_bug_${_id} fence_core_dsched_bug_${_id})
    add_executable(concurrent_fuzz_replay_bug_${_id}
                   ${CMAKE_CURRENT_SOURCE_DIR}/concurrent_fuzz.cpp
                   ${CMAKE_CURRENT_SOURCE_DIR}/replay_main.cpp)
    target_link_libraries(concurrent_fuzz_replay_bug_${_id} PRIVATE fence_harness_dsched_bug_${_id})
    # fence-repro-dsched over the same variant: fence-repro --search.
    add_executable(fence_repro_dsched_bug_${_id} ${PROJECT_SOURCE_DIR}/tools/fence_repro.cpp)
    target_link_libraries(fence_repro_dsched_bug_${_id} PRIVATE fence_harness_dsched_bug_${_id})
    target_compile_definitions(fence_repro_dsched_bug_${_id} PRIVATE FENCEFUZZ_TOOL_DSCHED)
    set(_prog ${PROJECT_SOURCE_DIR}/corpora/selfcheck/${_bug}.prog)
    # Ten replays; each must fail (non-zero exit) with the report; the count
    # is matched, so 9 of 10 fails the test.
    add_test(NAME selfcheck.${_bug}.fires-10-of-10
             COMMAND sh -c "n=0; for i in 1 2 3 4 5 6 7 8 9 10; do \
\"$<TARGET_FILE:concurrent_fuzz_replay_bug_${_id}>\" --quiet \"${_prog}\" >out.$$ 2>&1; \
rc=$?; if [ $rc != 0 ] && ${_grep}; then n=$((n+1)); fi; done; rm -f out.$$; echo fired=$n/10")
    set_tests_properties(selfcheck.${_bug}.fires-10-of-10 PROPERTIES
                         LABELS "selfcheck" TIMEOUT 120
                         PASS_REGULAR_EXPRESSION "fired=10/10")
    # fence-repro --search: the same program without its schedule line; some
    # schedule of 2000 (random and PCT) must reproduce the race.
    add_test(NAME selfcheck.${_bug}.search-finds
             COMMAND sh -c "grep -v '^schedule:' '${_prog}' > search.$$.prog; \
\"$<TARGET_FILE:fence_repro_dsched_bug_${_id}>\" --search 2000 search.$$.prog; rc=$?; \
rm -f search.$$.prog; test $rc -eq 1")
    set_tests_properties(selfcheck.${_bug}.search-finds PROPERTIES
                         LABELS "selfcheck" TIMEOUT 300
                         PASS_REGULAR_EXPRESSION "schedule [0-9]+ of 2000 reproduces")
    if(_bug STREQUAL "free-no-grace")
      # ... and the clean core runs 100 of those schedules clean (no false find).
      add_test(NAME selfcheck.${_bug}.search-clean
               COMMAND sh -c "grep -v '^schedule:' '${_prog}' > search.$$.prog; \
\"$<TARGET_FILE:fence-repro-dsched>\" --search 100 search.$$.prog; rc=$?; \
rm -f search.$$.prog; exit $rc")
      set_tests_properties(selfcheck.${_bug}.search-clean PROPERTIES LABELS "selfcheck" TIMEOUT 300)
    endif()
    add_test(NAME selfcheck.${_bug}.clean
             COMMAND concurrent_fuzz_replay --quiet ${_prog})
    set_tests_properties(selfcheck.${_bug}.clean PROPERTIES LABELS "selfcheck" TIMEOUT 60)
  endforeach()
endif()

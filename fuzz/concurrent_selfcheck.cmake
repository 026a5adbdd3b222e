# Self-check of concurrent_fuzz (included from fuzz/CMakeLists.txt): the
# dsched core built with the zoo bug free-no-grace (dma_fence_free
# frees at once instead of after a grace period) must crash with an ASan
# heap-use-after-free on the race that concurrent_fuzz found,
# corpora/selfcheck/free-no-grace.prog, on every one of 10 replays; the clean
# core must run the same file clean. Proves that a race found once replays
# every time. ASan builds with FENCEFUZZ_SELFCHECK (the asan preset) only.
#
#   selfcheck.free-no-grace.fires-10-of-10
#   selfcheck.free-no-grace.clean
if(FENCEFUZZ_SELFCHECK AND "address" IN_LIST FENCEFUZZ_SANITIZER)
  fence_core_variant(fence_core_dsched_bug_free_no_grace DSCHED BUG free-no-grace)
  fence_harness_variant(fence_harness_dsched_bug_free_no_grace
                        fence_core_dsched_bug_free_no_grace)
  add_executable(concurrent_fuzz_replay_bug_free_no_grace
                 ${CMAKE_CURRENT_SOURCE_DIR}/concurrent_fuzz.cpp
                 ${CMAKE_CURRENT_SOURCE_DIR}/replay_main.cpp)
  target_link_libraries(concurrent_fuzz_replay_bug_free_no_grace
                        PRIVATE fence_harness_dsched_bug_free_no_grace)
  set(_prog ${PROJECT_SOURCE_DIR}/corpora/selfcheck/free-no-grace.prog)
  # Ten replays, each must end in the same ASan report (abort_on_error=1:
  # exit status 134); the count is matched, so 9 of 10 fails the test.
  add_test(NAME selfcheck.free-no-grace.fires-10-of-10
           COMMAND sh -c "n=0; for i in 1 2 3 4 5 6 7 8 9 10; do \
\"$<TARGET_FILE:concurrent_fuzz_replay_bug_free_no_grace>\" --quiet \"${_prog}\" >out.$$ 2>&1; \
rc=$?; if [ $rc = 134 ] && grep -q 'heap-use-after-free' out.$$ && \
grep -q 'in dma_fence_get_rcu_safe' out.$$; then n=$((n+1)); fi; done; rm -f out.$$; echo fired=$n/10")
  set_tests_properties(selfcheck.free-no-grace.fires-10-of-10 PROPERTIES
                       LABELS "selfcheck" TIMEOUT 120
                       PASS_REGULAR_EXPRESSION "fired=10/10")
  add_test(NAME selfcheck.free-no-grace.clean
           COMMAND concurrent_fuzz_replay --quiet ${_prog})
  set_tests_properties(selfcheck.free-no-grace.clean PROPERTIES LABELS "selfcheck" TIMEOUT 60)
endif()

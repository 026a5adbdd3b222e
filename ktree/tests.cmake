# The kernel's own dma-buf selftests, one ctest per subtest (label
# kernel-selftest): kernel-selftest.<selftest>.<subtest>, and in trees with
# the deterministic-scheduler core the same against fence_ktree_dsched
# (kernel-selftest-dsched.*: that flavour's runtime, no schedule active,
# since the selftests' kthreads are free-running threads). From the tree's
# selftests.h (the selftest list) and the SUBTEST() entries of the st-*.c
# file that defines each selftest's function. Each runs
# "ktree_selftests --run <selftest>/<subtest>" (st_filter), which fails
# unless the subtest ran, passed and freed everything it allocated.

# Subtests that cannot run under a sanitizer, with the reason (printed at
# configure time, listed in the README). Only what a sanitizer reports about
# the test file itself, never about dma-buf code, goes here.
set(_tsan_skip "dma_fence/race_signal_callback")
set(_tsan_skip_why "st-dma-fence.c's thread_signal_callback() reads cb.seen, which simple_callback() sets with smp_store_mb(), with a plain load and then reuses its stack dma_fence_cb; TSan sees no happens-before from the signalling thread's read of that cb's list node to the reuse and reports a data race (intermittently) on the node")

file(STRINGS "${_tree}/drivers/dma-buf/selftests.h" _lines REGEX "^selftest\\(")
set(FENCE_KTREE_SELFTESTS "")
set(_all_subtests 0)
foreach(_l IN LISTS _lines)
  if(NOT _l MATCHES "^selftest\\(([A-Za-z0-9_]+), *([A-Za-z0-9_]+)\\)")
    message(FATAL_ERROR "kernel tree backend: cannot read '${_l}' in ${_tree}/drivers/dma-buf/selftests.h")
  endif()
  set(_name ${CMAKE_MATCH_1})
  set(_func ${CMAKE_MATCH_2})
  list(APPEND FENCE_KTREE_SELFTESTS ${_name})
  # Which st-*.c defines it, and its subtests.
  set(_subs "")
  foreach(_f IN LISTS FENCE_KTREE_SELFTEST_FILES)
    file(READ "${_tree}/${_f}" _text)
    if(_text MATCHES "\nint ${_func}\\(void\\)")
      string(REGEX MATCHALL "SUBTEST\\([A-Za-z0-9_]+\\)" _m "${_text}")
      foreach(_s IN LISTS _m)
        string(REGEX REPLACE "SUBTEST\\(([A-Za-z0-9_]+)\\)" "\\1" _s "${_s}")
        list(APPEND _subs ${_s})
      endforeach()
    endif()
  endforeach()
  set(_runners kernel-selftest ktree_selftests)
  if(TARGET ktree_selftests_dsched)
    list(APPEND _runners kernel-selftest-dsched ktree_selftests_dsched)
  endif()
  while(_runners)
    list(POP_FRONT _runners _prefix _bin)
    if(_subs)
      foreach(_s IN LISTS _subs)
        if("thread" IN_LIST FENCEFUZZ_SANITIZER AND "${_name}/${_s}" IN_LIST _tsan_skip)
          message(STATUS "kernel-selftest: ${_name}/${_s} not run under TSan: ${_tsan_skip_why}")
          continue()
        endif()
        add_test(NAME ${_prefix}.${_name}.${_s} COMMAND ${_bin} --run ${_name}/${_s})
        set_tests_properties(${_prefix}.${_name}.${_s} PROPERTIES
          LABELS kernel-selftest TIMEOUT 240)
      endforeach()
    else() # a selftest without subtests (sanitycheck)
      add_test(NAME ${_prefix}.${_name} COMMAND ${_bin} --run ${_name})
      set_tests_properties(${_prefix}.${_name} PROPERTIES LABELS kernel-selftest TIMEOUT 60)
    endif()
  endwhile()
  list(LENGTH _subs _n)
  math(EXPR _all_subtests "${_all_subtests} + ${_n}")
endforeach()
if(_all_subtests LESS 10)
  message(FATAL_ERROR "kernel tree backend: found only ${_all_subtests} SUBTEST()s in ${_tree}'s "
                      "st-*.c; expected the 6.12 selftests' 34")
endif()

# The runner sees the same selftests, in the same order, as selftests.h.
list(JOIN FENCE_KTREE_SELFTESTS "\n" _expected)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/selftests.expected "${_expected}\n")
add_test(NAME kernel-selftest.list
         COMMAND sh -c "\"$1\" --list | diff -u \"$2\" -" sh $<TARGET_FILE:ktree_selftests>
                 ${CMAKE_CURRENT_BINARY_DIR}/selftests.expected)
set_tests_properties(kernel-selftest.list PROPERTIES LABELS kernel-selftest)

# Lockdep-lite and leak reports from inside the tree's files name the kernel
# file and line (the messages come from core/shim/src/runtime.cpp).
foreach(_case
    "lockdep|drivers/dma-buf/dma-fence\\.c:[0-9]+: lockdep_assert_held\\(fence->lock\\) failed"
    "recursion|drivers/dma-buf/dma-fence\\.c:[0-9]+: spinlock recursion"
    "resv|drivers/dma-buf/dma-resv\\.c:[0-9]+: lockdep_assert_held\\(&\\(obj\\)->lock\\.base\\) failed"
    "leak|leak: [^\n]*drivers/dma-buf/dma-fence\\.c:[0-9]+: [0-9]+ bytes at"
    "failslab|returned NULL, then a fence")
  string(REPLACE "|" ";" _case "${_case}")
  list(GET _case 0 _mode)
  list(GET _case 1 _re)
  if(_mode STREQUAL "leak" AND NOT FENCEFUZZ_DEBUG_CHECKS)
    continue() # allocation sites are recorded in debug builds only
  endif()
  # The death cases must also exit non-zero, the leak case zero (it found the object).
  if(_mode MATCHES "^(leak|failslab)$")
    set(_rc "exit status 0")
  else()
    set(_rc "exit status [1-9]")
  endif()
  add_test(NAME kernel-selftest.reports.${_mode}
           COMMAND sh -c "\"$1\" \"$2\" 2>&1; echo \"exit status $?\"" sh
                   $<TARGET_FILE:ktree_reports> ${_mode})
  set_tests_properties(kernel-selftest.reports.${_mode} PROPERTIES
    LABELS kernel-selftest PASS_REGULAR_EXPRESSION "${_re}.*${_rc}")
endforeach()

# ci/sparse reproduces the seed's sparse report ("incompatible types in
# comparison expression (different address spaces)" in dma_fence_is_array()
# and dma_fence_is_chain()) on a copy of the tree given the seed's
# "const struct dma_fence_ops __rcu *ops" hunk, and the tree itself has none.
add_test(NAME sparse.seed-report
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/sparse-fixture.sh ${FENCEFUZZ_KERNEL_TREE})
set_tests_properties(sparse.seed-report PROPERTIES LABELS "sparse" TIMEOUT 120)

# FENCEFUZZ_KERNEL_TREE=<another tree>: a copy of this tree with an edit is
# configured, built (this tree's compiler, build type and sanitizer) and its
# selftests run; a tree missing a file or too old is refused at configure
# time with the file named. One nested build, so only in ASan trees.
if("address" IN_LIST FENCEFUZZ_SANITIZER)
  add_test(NAME kernel-selftest.other-tree
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/other-tree.sh ${FENCEFUZZ_KERNEL_TREE}
                   ${CMAKE_CURRENT_BINARY_DIR}/other-tree
                   -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER} -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
                   -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE} "-DFENCEFUZZ_SANITIZER=${FENCEFUZZ_SANITIZER}")
  set_tests_properties(kernel-selftest.other-tree PROPERTIES LABELS kernel-selftest TIMEOUT 600)
endif()

# The deterministic scheduler interleaves the tree's dma_fence_signal() and
# dma_fence_add_callback() at the runtime's switch points, both orders occur.
if(TARGET ktree_dsched)
  add_test(NAME kernel-selftest.dsched-interleaving COMMAND ktree_dsched 200)
  set_tests_properties(kernel-selftest.dsched-interleaving PROPERTIES LABELS kernel-selftest TIMEOUT 120)
endif()

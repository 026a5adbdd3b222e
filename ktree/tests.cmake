# The kernel's own dma-buf selftests, one ctest per subtest (label
# kernel-selftest): kernel-selftest.<selftest>.<subtest>, from the tree's
# selftests.h (the selftest list) and the SUBTEST() entries of the st-*.c
# file that defines each selftest's function. Each runs
# "ktree_selftests --run <selftest>/<subtest>" (st_filter), which fails
# unless the subtest ran, passed and freed everything it allocated.

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
  if(_subs)
    foreach(_s IN LISTS _subs)
      add_test(NAME kernel-selftest.${_name}.${_s}
               COMMAND ktree_selftests --run ${_name}/${_s})
      set_tests_properties(kernel-selftest.${_name}.${_s} PROPERTIES
        LABELS kernel-selftest TIMEOUT 240)
      math(EXPR _all_subtests "${_all_subtests} + 1")
    endforeach()
  else() # a selftest without subtests (sanitycheck)
    add_test(NAME kernel-selftest.${_name} COMMAND ktree_selftests --run ${_name})
    set_tests_properties(kernel-selftest.${_name} PROPERTIES LABELS kernel-selftest TIMEOUT 60)
  endif()
endforeach()
if(_all_subtests LESS 10)
  message(FATAL_ERROR "kernel tree backend: found only ${_all_subtests} SUBTEST()s in ${_tree}'s "
                      "st-*.c; expected the 6.12 selftests' 33")
endif()

# The runner sees the same selftests, in the same order, as selftests.h.
list(JOIN FENCE_KTREE_SELFTESTS "\n" _expected)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/selftests.expected "${_expected}\n")
add_test(NAME kernel-selftest.list
         COMMAND sh -c "\"$1\" --list | diff -u \"$2\" -" sh $<TARGET_FILE:ktree_selftests>
                 ${CMAKE_CURRENT_BINARY_DIR}/selftests.expected)
set_tests_properties(kernel-selftest.list PROPERTIES LABELS kernel-selftest)

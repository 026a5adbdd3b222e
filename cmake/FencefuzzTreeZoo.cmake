# The tree zoo (ktree/zoo/*.cocci): known-buggy variants of the kernel tree's
# own dma-buf files, written as Coccinelle semantic patches so that no kernel
# text is stored here and one bug applies to any tree whose code still has
# the shape it matches. Included at the end of ktree/CMakeLists.txt (its
# fence_ktree_library(), fence_ktree_selftests() and _tree are used).
#
#   FENCE_KTREE_ZOO_BUGS                   every bug, sorted (from the file names)
#   fence_ktree_zoo_header(<bug> <key> <out-var>)
#                                          the values of one "// key: value" header line
#   fence_ktree_zoo_patch(<bug> <out-var>) the build-time spatch step; <out-var> gets the
#                                          patched copy, <build>/ktree-zoo/<bug>/<file>
#   fence_ktree_bug_<bug>                  fence_ktree with the patched file (EXCLUDE_FROM_ALL)
#   ktree_selftests_bug_<bug>              the kernel's selftests over it (EXCLUDE_FROM_ALL)
#   ktree_zoo_apply                        every bug's spatch step, nothing compiled
#   ktree_zoo_selftests                    every ktree_selftests_bug_<bug>
#
# A bug patches one file of the tree, drivers/dma-buf/dma-fence.c unless its
# header says "// file: <path in the tree>" (one of FENCE_KTREE_LIB_FILES, or
# a header of FENCE_KTREE_HEADERS under include/: then every kernel file of
# the variant is compiled against the patched copy). The spatch step runs at
# build time (ktree/zoo/apply.sh) and fails the build if spatch fails or if
# the output is the input (the patch no longer applies to this tree).
# Without spatch, configure says so and defines no zoo target or test.
set(_ff_tzoo_dir ${PROJECT_SOURCE_DIR}/ktree/zoo)
file(GLOB _ff_tzoo_files CONFIGURE_DEPENDS ${_ff_tzoo_dir}/*.cocci)
set(FENCE_KTREE_ZOO_BUGS "")
foreach(_p IN LISTS _ff_tzoo_files)
  get_filename_component(_b ${_p} NAME_WE)
  list(APPEND FENCE_KTREE_ZOO_BUGS ${_b})
endforeach()
list(SORT FENCE_KTREE_ZOO_BUGS)

find_program(FENCEFUZZ_SPATCH_EXECUTABLE spatch)
if(NOT FENCEFUZZ_SPATCH_EXECUTABLE)
  message(STATUS "tree zoo: spatch (Coccinelle) not found: no fence_ktree_bug_* targets and no "
                 "tree-zoo tests (apt-get install coccinelle)")
  return()
endif()
list(LENGTH FENCE_KTREE_ZOO_BUGS _ff_tzoo_n)
message(STATUS "tree zoo: ${_ff_tzoo_n} bugs (ktree/zoo/*.cocci), ${FENCEFUZZ_SPATCH_EXECUTABLE}")

function(fence_ktree_zoo_header bug key out)
  set(_cocci ${_ff_tzoo_dir}/${bug}.cocci)
  if(NOT EXISTS ${_cocci})
    list(JOIN FENCE_KTREE_ZOO_BUGS ", " _known)
    message(FATAL_ERROR "tree zoo: no bug '${bug}' (ktree/zoo/${bug}.cocci); known: ${_known}")
  endif()
  file(STRINGS ${_cocci} _lines REGEX "^// ${key}: ")
  set(_v "")
  foreach(_l IN LISTS _lines)
    string(REGEX REPLACE "^// ${key}: *" "" _l "${_l}")
    list(APPEND _v "${_l}")
  endforeach()
  set(${out} "${_v}" PARENT_SCOPE)
endfunction()

function(_fence_ktree_zoo_file bug out)
  fence_ktree_zoo_header(${bug} file _f)
  if(NOT _f)
    set(_f drivers/dma-buf/dma-fence.c)
  endif()
  if(NOT _f IN_LIST FENCE_KTREE_LIB_FILES AND NOT (_f IN_LIST FENCE_KTREE_HEADERS AND _f MATCHES "^include/"))
    message(FATAL_ERROR "tree zoo: ktree/zoo/${bug}.cocci: 'file: ${_f}' is neither one of "
                        "FENCE_KTREE_LIB_FILES nor a header under include/ of FENCE_KTREE_HEADERS")
  endif()
  set(${out} ${_f} PARENT_SCOPE)
endfunction()

function(fence_ktree_zoo_patch bug out)
  _fence_ktree_zoo_file(${bug} _f)
  set(_out ${CMAKE_BINARY_DIR}/ktree-zoo/${bug}/${_f})
  add_custom_command(OUTPUT ${_out}
    COMMAND ${_ff_tzoo_dir}/apply.sh ${FENCEFUZZ_SPATCH_EXECUTABLE} ${_ff_tzoo_dir}/${bug}.cocci
            ${_tree}/${_f} ${_out}
    DEPENDS ${_ff_tzoo_dir}/${bug}.cocci ${_tree}/${_f} ${_ff_tzoo_dir}/apply.sh
    COMMENT "tree zoo: spatch ktree/zoo/${bug}.cocci on ${_f}"
    VERBATIM)
  set(${out} ${_out} PARENT_SCOPE)
endfunction()

add_custom_target(ktree_zoo_apply)
add_custom_target(ktree_zoo_selftests)
foreach(_bug IN LISTS FENCE_KTREE_ZOO_BUGS)
  _fence_ktree_zoo_file(${_bug} _file)
  fence_ktree_zoo_patch(${_bug} _patched)
  add_custom_target(ktree_zoo_apply_${_bug} DEPENDS ${_patched})
  add_dependencies(ktree_zoo_apply ktree_zoo_apply_${_bug})
  set(_lib fence_ktree_bug_${_bug})
  set(_st ktree_selftests_bug_${_bug})
  if(_file MATCHES "^include/")
    # A patched header: every file of the variant sees it first.
    set(_inc ${CMAKE_BINARY_DIR}/ktree-zoo/${_bug}/include)
    fence_ktree_library(${_lib} fence_core)
    target_sources(${_lib} PRIVATE ${_patched})
    target_include_directories(${_lib} BEFORE PUBLIC $<$<COMPILE_LANGUAGE:C>:${_inc}>)
    fence_ktree_selftests(${_st} ${_lib})
    target_include_directories(${_st} BEFORE PRIVATE $<$<COMPILE_LANGUAGE:C>:${_inc}>)
  else()
    fence_ktree_library(${_lib} fence_core ${_file} ${_patched})
    fence_ktree_selftests(${_st} ${_lib})
  endif()
  set_target_properties(${_lib} ${_st} PROPERTIES EXCLUDE_FROM_ALL ON)
  add_dependencies(ktree_zoo_selftests ${_st})
endforeach()

if(NOT FENCEFUZZ_BUILD_TESTS)
  return()
endif()

# Every .cocci applies to this tree and changes it (spatch only, into the
# test's own folder; the header keys are checked too).
add_test(NAME tree-zoo.apply
         COMMAND ${PROJECT_SOURCE_DIR}/ktree/tests/tree-zoo-apply.sh ${FENCEFUZZ_SPATCH_EXECUTABLE}
                 ${_tree} ${_ff_tzoo_dir} ${CMAKE_CURRENT_BINARY_DIR}/tree-zoo-apply)
set_tests_properties(tree-zoo.apply PROPERTIES LABELS tree-zoo TIMEOUT 300)
# And to a 7.x-shaped copy of the tree's dma-fence.c and dma-fence.h
# (ktree/tests/tree-zoo-newer.sh: identifier-level rewrites of the copy).
add_test(NAME tree-zoo.newer-shape
         COMMAND ${PROJECT_SOURCE_DIR}/ktree/tests/tree-zoo-newer.sh ${FENCEFUZZ_SPATCH_EXECUTABLE}
                 ${_tree} ${_ff_tzoo_dir} ${CMAKE_CURRENT_BINARY_DIR}/tree-zoo-newer)
set_tests_properties(tree-zoo.newer-shape PROPERTIES LABELS tree-zoo TIMEOUT 300)

# The kernel's selftests fire on the bugs whose header says "best: selftests"
# (or "check: selftests"): tree-zoo.selftests.<bug> builds that bug's
# ktree_selftests_bug_<bug> (one fixture, -j1: the variants are not in
# "all"), runs "--run all" and passes only if the run fails (exit status,
# sanitizer report, leak or timeout; ktree/tests/tree-zoo-selftests.sh).
# The other bugs say "blind: selftests: <why>". Built only in ASan trees,
# where a memory bug is a report.
if("address" IN_LIST FENCEFUZZ_SANITIZER)
  set(_caught "")
  foreach(_bug IN LISTS FENCE_KTREE_ZOO_BUGS)
    fence_ktree_zoo_header(${_bug} best _best)
    fence_ktree_zoo_header(${_bug} check _check)
    if("selftests" IN_LIST _best OR "selftests" IN_LIST _check)
      list(APPEND _caught ${_bug})
    endif()
  endforeach()
  if(_caught)
    set(_targets "")
    foreach(_bug IN LISTS _caught)
      list(APPEND _targets --target ktree_selftests_bug_${_bug})
    endforeach()
    add_test(NAME tree-zoo.build
             COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --parallel 1 ${_targets})
    set_tests_properties(tree-zoo.build PROPERTIES LABELS tree-zoo TIMEOUT 1800
                         FIXTURES_SETUP tree-zoo-built RUN_SERIAL ON)
    foreach(_bug IN LISTS _caught)
      add_test(NAME tree-zoo.selftests.${_bug}
               COMMAND ${PROJECT_SOURCE_DIR}/ktree/tests/tree-zoo-selftests.sh --expect caught --timeout 60
                       $<TARGET_FILE:ktree_selftests_bug_${_bug}>)
      set_tests_properties(tree-zoo.selftests.${_bug} PROPERTIES LABELS tree-zoo TIMEOUT 300
                           FIXTURES_REQUIRED tree-zoo-built)
    endforeach()
  endif()
endif()

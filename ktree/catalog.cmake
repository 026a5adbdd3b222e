# The catalog over the kernel tree: the harness (harness/src, every op's one
# descriptor) and the simulated modules (core/src/module.cpp) compiled a
# second time, as C++ against the tree's own include/linux/dma-fence.h over
# the shims (harness/include/harness/core_api.h with FENCE_BACKEND_TREE), and linked
# with the tree's dma-fence.c (fence_ktree). The same sources, not a copy:
# what an op does is still written once.
#
#   fence_module_tree     the simulated modules over the tree's fences
#   fence_harness_tree    the harness over them (+ the real-thread runner)
#   fencefuzz::harness_tree
#
# The tree's semantics profile (FENCE_TREE_* definitions) is read off its
# headers here; the configure line prints it.
fence_ktree_profile("${FENCEFUZZ_KERNEL_TREE}" _ff_tree_profile)
message(STATUS "kernel tree backend: profile ${FENCE_KTREE_PROFILE_TEXT}")
set(FENCE_KTREE_CXX_DEFS FENCE_BACKEND_TREE __KERNEL__ FENCE_TREE_VERSION="${FENCE_KTREE_VERSION}"
    ${_ff_tree_profile} CACHE INTERNAL "the tree backend's C++ definitions")

function(_fence_ktree_cxx_setup target)
  target_include_directories(${target} BEFORE PRIVATE
    ${FENCE_KTREE_SHIM_DIR}/include ${FENCE_KTREE_TREE_INCLUDE} ${PROJECT_SOURCE_DIR}/core/include)
  target_compile_definitions(${target} PRIVATE ${FENCE_KTREE_CXX_DEFS})
  target_compile_features(${target} PUBLIC cxx_std_20)
  # GNU C++: the kernel's header uses typeof and statement expressions.
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS ON)
  # The shims' bit helpers are C (compound assignment to volatile).
  target_compile_options(${target} PRIVATE -fno-strict-aliasing -Wno-deprecated-volatile)
endfunction()

# fence_ktree_catalog(<suffix> <ktree library> <runner sources...>): the
# modules and the harness over one flavour of the tree library.
function(fence_ktree_catalog sfx ktree)
  add_library(fence_module_tree${sfx} STATIC ${PROJECT_SOURCE_DIR}/core/src/module.cpp)
  _fence_ktree_cxx_setup(fence_module_tree${sfx})
  target_link_libraries(fence_module_tree${sfx} PUBLIC ${ktree})
  add_library(fence_harness_tree${sfx} STATIC ${FENCE_HARNESS_SOURCES} ${ARGN})
  _fence_ktree_cxx_setup(fence_harness_tree${sfx})
  target_include_directories(fence_harness_tree${sfx} PUBLIC ${PROJECT_SOURCE_DIR}/harness/include
                                                     PRIVATE ${PROJECT_SOURCE_DIR}/harness/src)
  target_link_libraries(fence_harness_tree${sfx} PUBLIC fence_module_tree${sfx})
endfunction()

fence_ktree_catalog("" fence_ktree ${PROJECT_SOURCE_DIR}/harness/src/parallel_run.cpp)
add_library(fencefuzz::harness_tree ALIAS fence_harness_tree)
if(FENCEFUZZ_HAVE_DSCHED)
  # The deterministic scheduler itself (sched.cpp) knows no fence: it is the
  # port flavour's object, built against the runtime's scheduler hooks.
  add_library(fence_tree_sched OBJECT ${PROJECT_SOURCE_DIR}/harness/src/sched.cpp)
  target_include_directories(fence_tree_sched PRIVATE ${PROJECT_SOURCE_DIR}/harness/include
                             ${PROJECT_SOURCE_DIR}/harness/src ${PROJECT_SOURCE_DIR}/core/include)
  target_link_libraries(fence_tree_sched PRIVATE fence_core_dsched)
  fence_ktree_catalog(_dsched fence_ktree_dsched ${PROJECT_SOURCE_DIR}/harness/src/concurrent_run.cpp
                      $<TARGET_OBJECTS:fence_tree_sched>)
  add_library(fencefuzz::harness_tree_dsched ALIAS fence_harness_tree_dsched)
endif()

# The sequential fuzzers over the tree, their replay twins and corpus ctests
# (the port's corpora, run against the tree: a program that names an op the
# tree lacks is skipped, with parse()'s reason), and fence-repro-tree.
foreach(h api_fuzz module_fuzz)
  fencefuzz_add_fuzzer(${h}_tree SOURCES ${PROJECT_SOURCE_DIR}/fuzz/${h}.cpp LIBS fencefuzz::harness_tree)
  target_include_directories(${h}_tree_replay PRIVATE ${PROJECT_SOURCE_DIR}/fuzz)
  if(TARGET ${h}_tree)
    target_include_directories(${h}_tree PRIVATE ${PROJECT_SOURCE_DIR}/fuzz)
  endif()
endforeach()
# concurrent_fuzz over the tree, on the deterministic scheduler (not in TSan
# trees), and fence-repro-tree's sibling for concurrent programs.
if(FENCEFUZZ_HAVE_DSCHED)
  fencefuzz_add_fuzzer(concurrent_fuzz_tree SOURCES ${PROJECT_SOURCE_DIR}/fuzz/concurrent_fuzz.cpp
                       LIBS fencefuzz::harness_tree_dsched)
  add_executable(fence-repro-tree-dsched ${PROJECT_SOURCE_DIR}/tools/fence_repro.cpp)
  target_link_libraries(fence-repro-tree-dsched PRIVATE fencefuzz::harness_tree_dsched)
  target_compile_definitions(fence-repro-tree-dsched PRIVATE FENCEFUZZ_TOOL_TREE FENCEFUZZ_TOOL_DSCHED)
endif()

# The properties and the torture over the tree (props/, stress/: the same
# sources; the props reach the core through harness/core_api.h, the torture
# only through the catalog).
if(TARGET fence_model_prop)
  find_package(rapidcheck REQUIRED CONFIG) # its targets are imported per directory
  set(_ff_props ${PROJECT_SOURCE_DIR}/props)
  foreach(_p "fence_model_prop|fence_model_prop.cpp"
             "fence_parallel_prop|fence_parallel_prop.cpp;parallel_exec.cpp")
    string(REPLACE "|" ";" _p "${_p}")
    list(GET _p 0 _name)
    list(SUBLIST _p 1 -1 _srcs)
    list(TRANSFORM _srcs PREPEND ${_ff_props}/)
    add_executable(${_name}_tree ${_srcs} ${_ff_props}/props_common.cpp)
    _fence_ktree_cxx_setup(${_name}_tree)
    target_include_directories(${_name}_tree PRIVATE ${_ff_props})
    target_link_libraries(${_name}_tree PRIVATE fencefuzz::harness_tree rapidcheck_gtest rapidcheck
                                                GTest::gtest)
    if(FENCEFUZZ_BUILD_TESTS)
      gtest_discover_tests(${_name}_tree TEST_PREFIX "props-tree."
                           PROPERTIES LABELS "props\\;tree" TIMEOUT 300 DISCOVERY_TIMEOUT 60)
    endif()
  endforeach()
endif()
add_executable(fence_torture_tree ${PROJECT_SOURCE_DIR}/stress/fence_torture.cpp)
target_link_libraries(fence_torture_tree PRIVATE fencefuzz::harness_tree)
if(FENCEFUZZ_BUILD_TESTS AND FENCEFUZZ_FUZZ_ENGINE STREQUAL "replay" AND NOT FENCEFUZZ_COVERAGE)
  foreach(_mode stress unload)
    add_test(NAME stress-tree.fence_torture.${_mode}_smoke
      COMMAND fence_torture_tree --mode ${_mode} --seconds 8 --threads 4
              --reproducer ${CMAKE_CURRENT_BINARY_DIR}/smoke-tree-${_mode}.prog)
    set_tests_properties(stress-tree.fence_torture.${_mode}_smoke PROPERTIES
      LABELS "stress;tree" TIMEOUT 120 PROCESSORS 2
      FAIL_REGULAR_EXPRESSION "VIOLATION|!!! End of test")
  endforeach()
endif()

# The tools over the tree's opcode tables (a tree lacks ops, so its binary
# programs number the ops differently from the port's).
foreach(t fence_prog fence_repro)
  string(REPLACE "_" "-" _exe ${t})
  add_executable(${_exe}-tree ${PROJECT_SOURCE_DIR}/tools/${t}.cpp)
  target_compile_definitions(${_exe}-tree PRIVATE FENCEFUZZ_TOOL_TREE)
endforeach()
target_link_libraries(fence-repro-tree PRIVATE fencefuzz::harness_tree)
# fence-prog-tree runs programs (coverage, warn-sites) as fence-prog does.
if(FENCEFUZZ_HAVE_DSCHED)
  target_link_libraries(fence-prog-tree PRIVATE fencefuzz::harness_tree_dsched)
  target_compile_definitions(fence-prog-tree PRIVATE FENCEFUZZ_TOOL_DSCHED)
else()
  target_link_libraries(fence-prog-tree PRIVATE fencefuzz::harness_tree)
endif()

if(FENCEFUZZ_BUILD_TESTS)
  # The port's corpora against the tree: every seed and stored crash must
  # replay clean on the tree's dma-fence.c too (or be skipped because it
  # names an op the tree lacks: parse()'s message).
  set(_ff_tree_h api_fuzz module_fuzz)
  if(FENCEFUZZ_HAVE_DSCHED)
    list(APPEND _ff_tree_h concurrent_fuzz)
  endif()
  foreach(h IN LISTS _ff_tree_h)
    foreach(kind seeds crashes)
      file(GLOB _files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/corpora/${h}/${kind}/*)
      foreach(_f IN LISTS _files)
        get_filename_component(_base ${_f} NAME)
        if(_base MATCHES "\\.txt$")
          continue()
        endif()
        add_test(NAME corpus-tree.${h}.${kind}.${_base} COMMAND ${h}_tree_replay --quiet ${_f})
        set_tests_properties(corpus-tree.${h}.${kind}.${_base} PROPERTIES
          LABELS "corpus;tree;${kind}" TIMEOUT 60
          SKIP_REGULAR_EXPRESSION "is not in this build's core")
      endforeach()
    endforeach()
  endforeach()

  # The series' motivation on real code (corpora/tree/): a driver written to
  # the 7.1 contract, run on this tree. Without detach, its unload leaves the
  # tree's fences pointing into the unloaded module: the replay must trap
  # there, 10 of 10, and the same program must run clean on the port and on
  # the tree under the tree's own contract.
  set(_ff_uau ${PROJECT_SOURCE_DIR}/corpora/tree/driver-contract-7.1-use-after-unload.prog)
  add_test(NAME tree.driver-contract-7.1.use-after-unload.reproduces
           COMMAND sh -c "n=0; for i in 1 2 3 4 5 6 7 8 9 10; do \"$<TARGET_FILE:fence-repro-tree>\" --quiet '${_ff_uau}' 2>&1 | grep -q 'REPRODUCED' && n=$((n+1)); done; \"$<TARGET_FILE:fence-repro-tree>\" '${_ff_uau}' 2>&1 | grep -m1 '^fencefuzz: access to unloaded module'; echo reproduced=$n/10")
  set_tests_properties(tree.driver-contract-7.1.use-after-unload.reproduces PROPERTIES
    LABELS "tree;corpus" TIMEOUT 120
    PASS_REGULAR_EXPRESSION "access to unloaded module 'mod0' \\(id [0-9]+\\): ops\\[[0-9]\\]\\.release.*reproduced=10/10")
  add_test(NAME tree.driver-contract-7.1.use-after-unload.tree-contract-clean
           COMMAND sh -c "\"$<TARGET_FILE:fence-repro-tree>\" --quiet --driver-contract 6.12 '${_ff_uau}' 2>&1")
  set_tests_properties(tree.driver-contract-7.1.use-after-unload.tree-contract-clean PROPERTIES
    LABELS "tree;corpus" TIMEOUT 60 PASS_REGULAR_EXPRESSION "not reproduced: ran clean")
  add_test(NAME tree.driver-contract-7.1.use-after-unload.port-clean
           COMMAND fence-repro --quiet ${_ff_uau})
  set_tests_properties(tree.driver-contract-7.1.use-after-unload.port-clean PROPERTIES
    LABELS "tree;corpus" TIMEOUT 60 PASS_REGULAR_EXPRESSION "not reproduced: ran clean")
  add_test(NAME tree.fence-prog.semantics COMMAND fence-prog-tree semantics)
  set_tests_properties(tree.fence-prog.semantics PROPERTIES LABELS "tree;unit"
    PASS_REGULAR_EXPRESSION "core: tree \\(Linux ${FENCE_KTREE_VERSION}")
  add_test(NAME tree.fence-prog.refuses-missing-op
           COMMAND sh -c "\"$<TARGET_FILE:fence-prog-tree>\" validate '${PROJECT_SOURCE_DIR}/corpora/api_fuzz/seeds/errors_and_alloc.prog' 2>&1; echo exit=$?")
  set_tests_properties(tree.fence-prog.refuses-missing-op PROPERTIES LABELS "tree;unit")
  if("FENCE_TREE_HAS_CHECK_AND_SIGNAL" IN_LIST _ff_tree_profile)
    set_tests_properties(tree.fence-prog.refuses-missing-op PROPERTIES
      PASS_REGULAR_EXPRESSION "1 valid, 0 invalid.*exit=0")
  else()
    set_tests_properties(tree.fence-prog.refuses-missing-op PROPERTIES
      PASS_REGULAR_EXPRESSION "'check_and_signal' is not in this build's core.*exit=1")
  endif()
endif()

# Infrastructure tests of the core (included from core/tests/CMakeLists.txt):
#
#   unit.*            primitives_test, rcu_test, rcu_tsan_test (gtest, one ctest per TEST)
#   unit.*DeathTest.* the same binaries' death tests, labelled "death" as well
#   unit.RcuTsan.ReportsFreeBeforeGracePeriod
#                     TSan builds only: a free before the grace period must be
#                     reported (WILL_FAIL, TSAN_OPTIONS=halt_on_error=1)
#   compile_fail.RcuPtr.<Case>         must NOT compile (WILL_FAIL)
#   compile_fail.RcuPtrControl.<Case>  the same file with its bad line fixed: must compile
#   header.SelfContained.<header>      every fence/*.h alone in its own TU
#
# The compile_fail and header ctests run "cmake --build" on this build tree.
# They share one RESOURCE_LOCK so that ctest -j never runs two ninja
# processes on the same tree at once (other ctests that build should take
# RESOURCE_LOCK fencefuzz_build_tree too).

set(_ff_build_lock fencefuzz_build_tree)

fencefuzz_add_gtest(primitives_test SOURCES primitives_test.cpp)
fencefuzz_add_gtest(rcu_test SOURCES rcu_test.cpp)
fencefuzz_add_gtest(rcu_tsan_test SOURCES rcu_tsan_test.cpp LABELS tsan)

# ---- the TSan pair's second half ---------------------------------------------
# rcu_tsan_test's DISABLED_ReportsFreeBeforeGracePeriod frees before the grace
# period. Under TSan that must be reported: halt_on_error=1 turns the first
# report into a non-zero exit, and WILL_FAIL turns that into a pass. In other
# builds it would be a real use-after-free that nothing reports reliably, so
# it is not registered (and the test body skips).
if("thread" IN_LIST FENCEFUZZ_SANITIZER)
  add_test(NAME unit.RcuTsan.ReportsFreeBeforeGracePeriod
    COMMAND rcu_tsan_test --gtest_also_run_disabled_tests
            --gtest_filter=RcuTsan.DISABLED_ReportsFreeBeforeGracePeriod)
  set_tests_properties(unit.RcuTsan.ReportsFreeBeforeGracePeriod PROPERTIES
    WILL_FAIL TRUE
    ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1"
    LABELS "unit;tsan"
    TIMEOUT 120)
endif()

# ---- compile_fail: what sparse flags must not compile through fence::rcu_ptr --------
# Each case is an OBJECT library outside ALL, built by its ctest (the
# cmake/Abseil pattern). A bad case is WILL_FAIL; its control, the same file
# with -DFENCE_COMPILE_FAIL_CONTROL (the bad line replaced by the correct
# spelling), must build, so a bad case cannot pass by failing for another
# reason. The targets stay out of compile_commands.json: clang tooling must
# not trip over files that are broken on purpose.
# Internal: do not depend on these targets.
set(_ff_compile_fail_cases
  CompareOpsToAddress       compare_ops_to_address.cpp
  CallOpsWithoutDereference call_ops_without_dereference.cpp
  ReadOpsIntoPlainPointer   read_ops_into_plain_pointer.cpp
  AssignOpsDirectly         assign_ops_directly.cpp
  DereferenceAccessPointer  dereference_access_pointer.cpp
)

function(_fencefuzz_compile_check test_name target source)
  cmake_parse_arguments(ARG "WILL_FAIL" "" "DEFINITIONS" ${ARGN})
  add_library(${target} OBJECT EXCLUDE_FROM_ALL ${source})
  target_link_libraries(${target} PRIVATE fencefuzz::core)
  target_compile_definitions(${target} PRIVATE ${ARG_DEFINITIONS})
  set_target_properties(${target} PROPERTIES EXPORT_COMPILE_COMMANDS OFF)
  add_test(NAME ${test_name}
    COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target ${target})
  set_tests_properties(${test_name} PROPERTIES
    LABELS compile_fail
    RESOURCE_LOCK ${_ff_build_lock}
    TIMEOUT 300)
  if(ARG_WILL_FAIL)
    set_tests_properties(${test_name} PROPERTIES WILL_FAIL TRUE)
  endif()
endfunction()

list(LENGTH _ff_compile_fail_cases _ff_n)
math(EXPR _ff_last "${_ff_n} - 1")
foreach(_i RANGE 0 ${_ff_last} 2)
  math(EXPR _j "${_i} + 1")
  list(GET _ff_compile_fail_cases ${_i} _case)
  list(GET _ff_compile_fail_cases ${_j} _file)
  _fencefuzz_compile_check(compile_fail.RcuPtr.${_case}
    compile_fail_${_case} compile_fail/${_file} WILL_FAIL)
  _fencefuzz_compile_check(compile_fail.RcuPtrControl.${_case}
    compile_fail_${_case}_control compile_fail/${_file}
    DEFINITIONS FENCE_COMPILE_FAIL_CONTROL)
endforeach()
_fencefuzz_compile_check(compile_fail.RcuPtr.OkSpellings
  compile_fail_OkSpellings compile_fail/ok_spellings.cpp)

# ---- header self-containment (STYLE.md B5) -------------------------------------
# One generated TU per public header, each its own OBJECT library in ALL: a
# header that needs another include breaks the build, not just a test. The
# ctest re-checks that the object is up to date and built.
# Internal: do not depend on these targets.
get_filename_component(_ff_include_dir "${CMAKE_CURRENT_SOURCE_DIR}/../include" ABSOLUTE)
file(GLOB_RECURSE _ff_public_headers CONFIGURE_DEPENDS
  RELATIVE "${_ff_include_dir}" "${_ff_include_dir}/fence/*.h")
list(SORT _ff_public_headers)
foreach(_h IN LISTS _ff_public_headers)
  string(REGEX REPLACE "^fence/" "" _name "${_h}")
  string(REGEX REPLACE "\\.h$" "" _name "${_name}")
  string(MAKE_C_IDENTIFIER "${_name}" _id)
  set(FENCE_HEADER "${_h}")
  set(_tu "${CMAKE_CURRENT_BINARY_DIR}/header_check/${_id}.cpp")
  configure_file(header_check/self_contained.cpp.in "${_tu}" @ONLY)
  add_library(header_check_${_id} OBJECT "${_tu}")
  target_link_libraries(header_check_${_id} PRIVATE fencefuzz::core)
  add_test(NAME header.SelfContained.${_id}
    COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target header_check_${_id})
  set_tests_properties(header.SelfContained.${_id} PROPERTIES
    LABELS header
    RESOURCE_LOCK ${_ff_build_lock}
    TIMEOUT 300)
endforeach()

# The catalog's detectors over the tree zoo (ktree/zoo/*.cocci; ci/zoo
# --backend tree, zoo/detectors-tree.tsv): every bug built into api_fuzz,
# module_fuzz and concurrent_fuzz over the tree (libFuzzer binaries, their
# kernel files and harness coverage-instrumented in a replay tree) and into
# the tree's fence_torture, as zoo-tree.<detector>.<bug>, and the same over
# the clean tree as zoo-tree.<detector>.clean. All EXCLUDE_FROM_ALL: ci/zoo
# builds what it runs. The harness objects are compiled once per flavour and
# shared by every bug that patches a .c file; a bug that patches a header
# (dma-fence.h's inline functions) gets harness objects of its own, compiled
# against the patched copy. The kernel selftests' variants are
# FencefuzzTreeZoo's ktree_selftests_bug_<bug>.
if(NOT TARGET ktree_zoo_apply) # no spatch: FencefuzzTreeZoo said so
  return()
endif()
set(_zt_tsan OFF)
if("thread" IN_LIST FENCEFUZZ_SANITIZER)
  set(_zt_tsan ON)
endif()
set(_zt_libfuzzer OFF)
if(NOT _zt_tsan AND FENCEFUZZ_FUZZ_ENGINE MATCHES "^(replay|libfuzzer)$" AND NOT FENCEFUZZ_COVERAGE
   AND FENCEFUZZ_HAVE_DSCHED)
  set(_zt_libfuzzer ON)
endif()
set(_zt_torture OFF)
if(FENCEFUZZ_FUZZ_ENGINE STREQUAL "replay" AND NOT FENCEFUZZ_COVERAGE)
  set(_zt_torture ON)
endif()
set(_zt_covopt "")
if(FENCEFUZZ_FUZZ_ENGINE STREQUAL "replay")
  set(_zt_covopt -fsanitize=fuzzer-no-link)
endif()
set(_zt_h ${PROJECT_SOURCE_DIR}/harness/src)

# _zt_objs(<name> <usage target> <cov ON|OFF> <include dir or ""> <sources...>)
function(_zt_objs name usage cov inc)
  add_library(${name} OBJECT EXCLUDE_FROM_ALL ${ARGN})
  _fence_ktree_cxx_setup(${name})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/harness/include ${_zt_h})
  if(inc)
    target_include_directories(${name} BEFORE PRIVATE ${inc})
  endif()
  target_link_libraries(${name} PRIVATE ${usage}) # its definitions (FENCE_DSCHED), no link
  if(cov AND _zt_covopt)
    target_compile_options(${name} PRIVATE ${_zt_covopt})
  endif()
endfunction()

# _zt_catalog_objs(<suffix> <include dir or "">): the three flavours' objects.
function(_zt_catalog_objs sfx inc)
  set(_m ${PROJECT_SOURCE_DIR}/core/src/module.cpp)
  if(_zt_libfuzzer)
    _zt_objs(zt_objs_cov${sfx} fence_ktree ON "${inc}" ${FENCE_HARNESS_SOURCES} ${_m} ${_zt_h}/parallel_run.cpp)
    _zt_objs(zt_objs_dsched${sfx} fence_ktree_dsched ON "${inc}" ${FENCE_HARNESS_SOURCES} ${_m}
             ${_zt_h}/concurrent_run.cpp)
  endif()
  if(_zt_torture)
    _zt_objs(zt_objs_plain${sfx} fence_ktree OFF "${inc}" ${FENCE_HARNESS_SOURCES} ${_m} ${_zt_h}/parallel_run.cpp)
  endif()
endfunction()
_zt_catalog_objs("" "")

# _zt_kobj(<core> <cov ON|OFF> <file> <out-var>): one clean tree file (or
# the shim runtime) of a flavour, compiled once for every bug that leaves it
# alone (as the port's zoo shares core objects).
function(_zt_kobj core cov src out)
  get_filename_component(_n ${src} NAME_WE)
  string(REGEX REPLACE "[^A-Za-z0-9]" "_" _n "zt_kobj_${core}_${cov}_${_n}")
  if(NOT TARGET ${_n})
    add_library(${_n} OBJECT EXCLUDE_FROM_ALL ${src})
    _fence_ktree_c_setup(${_n})
    target_include_directories(${_n} PRIVATE ${PROJECT_SOURCE_DIR}/core/src)
    target_link_libraries(${_n} PRIVATE ${core}) # the flavour's definitions, no link
    if(cov AND _zt_covopt)
      target_compile_options(${_n} PRIVATE $<$<COMPILE_LANGUAGE:C>:${_zt_covopt}>)
    endif()
  endif()
  set(${out} ${_n} PARENT_SCOPE)
endfunction()

# _zt_ktree(<name> <core> <bug or clean> <cov ON|OFF>): the tree library with
# the bug's patched file; the other files are the shared clean objects. A
# header bug recompiles every file against the patched copy.
function(_zt_ktree name core bug cov)
  set(_f "")
  if(NOT bug STREQUAL "clean")
    _fence_ktree_zoo_file(${bug} _f)
    set(_patched ${CMAKE_BINARY_DIR}/ktree-zoo/${bug}/${_f}) # FencefuzzTreeZoo's spatch step
  endif()
  if(_f MATCHES "^include/")
    fence_ktree_library(${name} ${core})
    target_sources(${name} PRIVATE ${_patched})
    target_include_directories(${name} BEFORE PUBLIC
      $<$<COMPILE_LANGUAGE:C>:${CMAKE_BINARY_DIR}/ktree-zoo/${bug}/include>)
    if(cov AND _zt_covopt)
      target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:C>:${_zt_covopt}>)
    endif()
  else()
    set(_srcs "")
    foreach(_s IN LISTS _lib_srcs ITEMS ${_shim}/src/runtime.cpp)
      if(_f AND _s STREQUAL "${_tree}/${_f}")
        list(APPEND _srcs ${_patched})
      else()
        _zt_kobj(${core} ${cov} ${_s} _o)
        list(APPEND _srcs $<TARGET_OBJECTS:${_o}>)
      endif()
    endforeach()
    add_library(${name} STATIC ${_srcs})
    _fence_ktree_c_setup(${name})
    target_include_directories(${name}
      PUBLIC $<$<COMPILE_LANGUAGE:C>:${_shim}/include> $<$<COMPILE_LANGUAGE:C>:${_tree_inc}>)
    target_link_libraries(${name} PUBLIC ${core})
    if(cov AND _zt_covopt)
      target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:C>:${_zt_covopt}>)
    endif()
  endif()
  set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL ON)
endfunction()

function(_zt_exe name src objs lib)
  add_executable(${name} EXCLUDE_FROM_ALL ${src} $<TARGET_OBJECTS:${objs}> ${ARGN})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/harness/include ${PROJECT_SOURCE_DIR}/fuzz)
  target_link_libraries(${name} PRIVATE ${lib})
endfunction()

set(FENCE_KTREE_ZOO_TARGETS "")
foreach(_bug IN LISTS FENCE_KTREE_ZOO_BUGS ITEMS clean)
  string(REPLACE "-" "_" _id "${_bug}")
  set(_sfx "")
  if(NOT _bug STREQUAL "clean")
    _fence_ktree_zoo_file(${_bug} _f)
    if(_f MATCHES "^include/")
      set(_sfx _${_id})
      _zt_catalog_objs(${_sfx} ${CMAKE_BINARY_DIR}/ktree-zoo/${_bug}/include)
      # The objects include the patched copy: the spatch step comes first.
      foreach(_o cov dsched plain)
        if(TARGET zt_objs_${_o}${_sfx})
          add_dependencies(zt_objs_${_o}${_sfx} ktree_zoo_apply_${_bug})
        endif()
      endforeach()
    endif()
  endif()
  if(_zt_libfuzzer)
    _zt_ktree(zt_ktree_cov_${_id} fence_core ${_bug} ON)
    _zt_ktree(zt_ktree_dsched_${_id} fence_core_dsched ${_bug} ON)
    foreach(_h api_fuzz module_fuzz)
      _zt_exe(zoo-tree.${_h}.${_bug} ${PROJECT_SOURCE_DIR}/fuzz/${_h}.cpp zt_objs_cov${_sfx}
              zt_ktree_cov_${_id})
    endforeach()
    _zt_exe(zoo-tree.concurrent_fuzz.${_bug} ${PROJECT_SOURCE_DIR}/fuzz/concurrent_fuzz.cpp
            zt_objs_dsched${_sfx} zt_ktree_dsched_${_id} $<TARGET_OBJECTS:fence_tree_sched>)
    foreach(_h api_fuzz module_fuzz concurrent_fuzz)
      target_link_options(zoo-tree.${_h}.${_bug} PRIVATE -fsanitize=fuzzer)
      if(_zt_covopt)
        target_compile_options(zoo-tree.${_h}.${_bug} PRIVATE ${_zt_covopt})
      endif()
      list(APPEND FENCE_KTREE_ZOO_TARGETS zoo-tree.${_h}.${_bug})
    endforeach()
  endif()
  if(_zt_torture)
    _zt_ktree(zt_ktree_plain_${_id} fence_core ${_bug} OFF)
    _zt_exe(zoo-tree.torture.${_bug} ${PROJECT_SOURCE_DIR}/stress/fence_torture.cpp zt_objs_plain${_sfx}
            zt_ktree_plain_${_id})
    list(APPEND FENCE_KTREE_ZOO_TARGETS zoo-tree.torture.${_bug})
  endif()
endforeach()

# ci/zoo --backend tree reads the bugs and the targets this tree has from here.
list(JOIN FENCE_KTREE_ZOO_BUGS "\n" _zt_lines)
file(WRITE ${CMAKE_BINARY_DIR}/zoo-tree/bugs.txt "${_zt_lines}\n")
list(JOIN FENCE_KTREE_ZOO_TARGETS "\n" _zt_lines)
file(WRITE ${CMAKE_BINARY_DIR}/zoo-tree/targets.txt "${_zt_lines}\n")

# The sequential properties over the tree zoo (a detector not in the matrix
# yet): shown to fire on cb-order, a bug the model-free property
# CallbacksRunOnceInOrder states itself. Built by its own serial ctest step
# (the variants are not in "all"), as FencefuzzTreeZoo's selftests are.
if(_zt_torture AND TARGET fence_model_prop_tree AND FENCEFUZZ_BUILD_TESTS AND NOT _zt_tsan)
  add_library(zt_obj_props_model OBJECT EXCLUDE_FROM_ALL ${PROJECT_SOURCE_DIR}/props/fence_model_prop.cpp
              ${PROJECT_SOURCE_DIR}/props/props_common.cpp)
  _fence_ktree_cxx_setup(zt_obj_props_model)
  target_include_directories(zt_obj_props_model PRIVATE ${PROJECT_SOURCE_DIR}/props
                             ${PROJECT_SOURCE_DIR}/harness/include)
  target_link_libraries(zt_obj_props_model PRIVATE fence_ktree rapidcheck_gtest rapidcheck GTest::gtest)
  foreach(_bug cb-order clean)
    string(REPLACE "-" "_" _id "${_bug}")
    add_executable(zoo-tree.props_model.${_bug} EXCLUDE_FROM_ALL $<TARGET_OBJECTS:zt_obj_props_model>
                   $<TARGET_OBJECTS:zt_objs_plain>)
    target_link_libraries(zoo-tree.props_model.${_bug} PRIVATE zt_ktree_plain_${_id} rapidcheck_gtest
                          rapidcheck GTest::gtest)
  endforeach()
  add_test(NAME tree-zoo.props.build
           COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --parallel 1
                   --target zoo-tree.props_model.cb-order --target zoo-tree.props_model.clean)
  set_tests_properties(tree-zoo.props.build PROPERTIES LABELS tree-zoo TIMEOUT 1800
                       FIXTURES_SETUP tree-zoo-props RUN_SERIAL ON)
  foreach(_case "cb-order|Falsifiable.*exit=1" "clean|PASSED.*exit=0")
    string(REPLACE "|" ";" _case "${_case}")
    list(GET _case 0 _bug)
    list(GET _case 1 _re)
    add_test(NAME tree-zoo.props.${_bug}
             COMMAND sh -c "RC_PARAMS='seed=1 max_success=300' FENCEFUZZ_PROPS_OUT='${CMAKE_CURRENT_BINARY_DIR}/tree-zoo-props' '${CMAKE_CURRENT_BINARY_DIR}/zoo-tree.props_model.${_bug}' --gtest_filter=FenceModelProp.CallbacksRunOnceInOrder 2>&1; echo exit=$?")
    set_tests_properties(tree-zoo.props.${_bug} PROPERTIES LABELS "tree-zoo;props" TIMEOUT 300
                         FIXTURES_REQUIRED tree-zoo-props PASS_REGULAR_EXPRESSION "${_re}")
  endforeach()
endif()

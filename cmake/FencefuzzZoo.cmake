# The bug zoo (core/zoo/*.patch): known-buggy variants of the core, kept out
# of the clean sources. Each patch is a unified diff against core/ (paths
# a/src/..., a/include/...) behind a header of "# key: value" lines
# (core/zoo/README.md). A variant's sources are the clean ones with the
# patched files swapped in: the patch is applied at build time to copies of
# just the files it touches, in <build>/zoo/<bug>/, so editing the core or a
# patch rebuilds only what depends on it, and a patch that no longer applies
# fails the build with patch's own message.
#
#   FENCE_ZOO_BUGS                     every bug, sorted (from the file names)
#   fence_zoo_patch(<bug> <out-var>)   the custom command; <out-var> gets the
#                                      touched files, relative to core/
#   fence_zoo_touches_headers(<bug> <out-var>)
file(GLOB _ff_zoo_patches CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/core/zoo/*.patch)
set(FENCE_ZOO_BUGS "")
foreach(_p IN LISTS _ff_zoo_patches)
  get_filename_component(_b ${_p} NAME_WE)
  list(APPEND FENCE_ZOO_BUGS ${_b})
endforeach()
list(SORT FENCE_ZOO_BUGS)

find_program(FENCEFUZZ_PATCH_EXECUTABLE patch)

# The files a patch touches: its "+++ b/<path>" lines.
function(fence_zoo_touched bug out)
  set(_patch ${PROJECT_SOURCE_DIR}/core/zoo/${bug}.patch)
  if(NOT EXISTS ${_patch})
    list(JOIN FENCE_ZOO_BUGS ", " _known)
    message(FATAL_ERROR "fencefuzz: no zoo bug '${bug}' (core/zoo/${bug}.patch); known: ${_known}")
  endif()
  file(STRINGS ${_patch} _lines REGEX "^\\+\\+\\+ b/")
  set(_files "")
  foreach(_l IN LISTS _lines)
    string(REGEX REPLACE "^\\+\\+\\+ b/([^\t ]+).*" "\\1" _f "${_l}")
    list(APPEND _files ${_f})
  endforeach()
  if(NOT _files)
    message(FATAL_ERROR "fencefuzz: core/zoo/${bug}.patch touches no file (no '+++ b/' line)")
  endif()
  list(REMOVE_DUPLICATES _files)
  set(${out} ${_files} PARENT_SCOPE)
endfunction()

function(fence_zoo_touches_headers bug out)
  fence_zoo_touched(${bug} _files)
  set(_h OFF)
  foreach(_f IN LISTS _files)
    if(_f MATCHES "^include/")
      set(_h ON)
    endif()
  endforeach()
  set(${out} ${_h} PARENT_SCOPE)
endfunction()

# One custom command per bug and build tree (every variant of the bug shares it).
function(fence_zoo_patch bug out)
  if(NOT FENCEFUZZ_PATCH_EXECUTABLE)
    message(FATAL_ERROR "fencefuzz: the bug zoo needs 'patch' (ci/setup installs it)")
  endif()
  fence_zoo_touched(${bug} _files)
  set(_dir ${CMAKE_BINARY_DIR}/zoo/${bug})
  set(_outs "")
  set(_deps "")
  foreach(_f IN LISTS _files)
    list(APPEND _outs ${_dir}/${_f})
    list(APPEND _deps ${PROJECT_SOURCE_DIR}/core/${_f})
  endforeach()
  get_property(_done GLOBAL PROPERTY FENCE_ZOO_PATCHED_${bug})
  if(NOT _done)
    set_property(GLOBAL PROPERTY FENCE_ZOO_PATCHED_${bug} ON)
    add_custom_command(
      OUTPUT ${_outs}
      COMMAND ${CMAKE_COMMAND} -DCORE=${PROJECT_SOURCE_DIR}/core -DOUT=${_dir}
              -DPATCH=${PROJECT_SOURCE_DIR}/core/zoo/${bug}.patch "-DFILES=${_files}"
              -DPATCH_EXE=${FENCEFUZZ_PATCH_EXECUTABLE}
              -P ${PROJECT_SOURCE_DIR}/cmake/ZooApply.cmake
      DEPENDS ${PROJECT_SOURCE_DIR}/core/zoo/${bug}.patch ${_deps}
              ${PROJECT_SOURCE_DIR}/cmake/ZooApply.cmake
      COMMENT "zoo: applying core/zoo/${bug}.patch"
      VERBATIM)
    # The rule lives in this directory only: a variant defined in another
    # directory (zoo/) whose patch touches only headers has no compile edge
    # that names the patched copy, so without this target nothing makes it,
    # the -I points at a missing folder and the variant silently builds the
    # clean header (the zoo's is-later-no-wrap libFuzzer columns, 2026-12-03).
    string(MAKE_C_IDENTIFIER "zoo_patch_${bug}" _t)
    add_custom_target(${_t} DEPENDS ${_outs})
  endif()
  set(${out} ${_files} PARENT_SCOPE)
endfunction()

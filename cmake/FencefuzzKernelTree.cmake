# The kernel tree backend's input: a kernel tree (FENCEFUZZ_KERNEL_TREE) whose
# dma-buf files ktree/ compiles unmodified. Checked at configure time: every
# file the build reads must exist, and the tree must be new enough for the
# shims (core/shim), else a FATAL_ERROR names the file.
#
#   fence_ktree_check_tree(<tree>)   sets FENCE_KTREE_VERSION (e.g. 6.12) in the caller

set(FENCE_KTREE_LIB_FILES
  drivers/dma-buf/dma-fence.c drivers/dma-buf/dma-fence-array.c
  drivers/dma-buf/dma-fence-chain.c drivers/dma-buf/dma-fence-unwrap.c
  drivers/dma-buf/dma-resv.c
  CACHE INTERNAL "the tree's files in fence_ktree")
set(FENCE_KTREE_SELFTEST_FILES
  drivers/dma-buf/selftest.c drivers/dma-buf/st-dma-fence.c
  drivers/dma-buf/st-dma-fence-chain.c drivers/dma-buf/st-dma-fence-unwrap.c
  drivers/dma-buf/st-dma-resv.c
  CACHE INTERNAL "the tree's selftest files in ktree_selftests")
set(FENCE_KTREE_HEADERS
  drivers/dma-buf/selftest.h drivers/dma-buf/selftests.h
  include/linux/dma-fence.h include/linux/dma-fence-array.h include/linux/dma-fence-chain.h
  include/linux/dma-fence-unwrap.h include/linux/dma-resv.h include/trace/events/dma_fence.h
  CACHE INTERNAL "the tree's headers the build reads")

# A tree older than what the shims follow lacks these (file, what, since).
set(_ff_ktree_probes
  "include/linux/dma-resv.h|DMA_RESV_USAGE_BOOKKEEP|enum dma_resv_usage (Linux 5.19)"
  "include/linux/dma-fence.h|dma_fence_timestamp|dma_fence_timestamp() (Linux 6.6)"
  "include/linux/dma-fence-unwrap.h|dma_fence_unwrap_merge|dma_fence_unwrap_merge() (Linux 6.0)"
  "include/linux/dma-fence-chain.h|dma_fence_chain_alloc|dma_fence_chain_alloc() (Linux 5.15)")

function(fence_ktree_check_tree tree)
  string(CONCAT _hint "FENCEFUZZ_KERNEL_TREE=${tree}: run ci/setup (it unpacks Debian's "
         "linux-source-6.12 into build/kernel/linux-6.12) or point FENCEFUZZ_KERNEL_TREE at a Linux tree")
  if(NOT IS_DIRECTORY "${tree}")
    message(FATAL_ERROR "kernel tree backend: ${tree} is not a directory. ${_hint}")
  endif()
  foreach(_f IN LISTS FENCE_KTREE_LIB_FILES FENCE_KTREE_SELFTEST_FILES FENCE_KTREE_HEADERS)
    if(NOT EXISTS "${tree}/${_f}")
      message(FATAL_ERROR "kernel tree backend: ${tree} has no ${_f}. ${_hint}")
    endif()
  endforeach()
  foreach(_p IN LISTS _ff_ktree_probes)
    string(REPLACE "|" ";" _p "${_p}")
    list(GET _p 0 _file)
    list(GET _p 1 _needle)
    list(GET _p 2 _what)
    file(READ "${tree}/${_file}" _text)
    string(FIND "${_text}" "${_needle}" _at)
    if(_at EQUAL -1)
      message(FATAL_ERROR "kernel tree backend: ${tree} is too old: ${_file} has no "
                          "${_what}; the shims (core/shim) follow Linux 6.12")
    endif()
  endforeach()
  set(_v "unknown")
  if(EXISTS "${tree}/Makefile")
    file(STRINGS "${tree}/Makefile" _mk REGEX "^(VERSION|PATCHLEVEL) = [0-9]+" LIMIT_COUNT 2)
    if(_mk MATCHES "VERSION = ([0-9]+);PATCHLEVEL = ([0-9]+)")
      set(_v "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
    endif()
  endif()
  set(FENCE_KTREE_VERSION "${_v}" PARENT_SCOPE)
endfunction()

# The tree's semantics profile, read off its headers: what the catalog and
# the model must know of it (harness/semantics.h, fencefuzz/tree-api.h).
# Each probe is "DEFINITION|file|regex"; a match defines DEFINITION for the
# tree's C++ side (fence_harness_tree, fence_module_tree).
#
#   fence_ktree_profile(<tree> <out-var>)   <out-var>: the definitions found
#                                           FENCE_KTREE_PROFILE_TEXT: "has X, lacks Y" for the configure line
set(_ff_ktree_profile_probes
  "FENCE_TREE_OPS_RCU|include/linux/dma-fence.h|const struct dma_fence_ops __rcu \\*ops"
  "FENCE_TREE_HAS_NAME_GETTERS|include/linux/dma-fence.h|dma_fence_driver_name\\("
  "FENCE_TREE_HAS_TEST_SIGNALED_FLAG|include/linux/dma-fence.h|dma_fence_test_signaled_flag\\("
  "FENCE_TREE_HAS_LOCK_HELPERS|include/linux/dma-fence.h|define dma_fence_lock_irqsave"
  "FENCE_TREE_HAS_INITIALIZED_BIT|include/linux/dma-fence.h|DMA_FENCE_FLAG_INITIALIZED_BIT"
  "FENCE_TREE_HAS_INLINE_LOCK|include/linux/dma-fence.h|DMA_FENCE_FLAG_INLINE_LOCK_BIT"
  "FENCE_TREE_HAS_INIT64|include/linux/dma-fence.h|dma_fence_init64\\("
  "FENCE_TREE_HAS_CHECK_AND_SIGNAL|include/linux/dma-fence.h|dma_fence_check_and_signal\\(")

function(fence_ktree_profile tree out)
  set(_defs "")
  set(_has "")
  set(_lacks "")
  foreach(_p IN LISTS _ff_ktree_profile_probes)
    string(REPLACE "|" ";" _p "${_p}")
    list(GET _p 0 _def)
    list(GET _p 1 _file)
    list(GET _p 2 _re)
    file(READ "${tree}/${_file}" _text)
    string(REGEX REPLACE "^FENCE_TREE_(HAS_)?" "" _short "${_def}")
    string(TOLOWER "${_short}" _short)
    if(_text MATCHES "${_re}")
      list(APPEND _defs ${_def})
      list(APPEND _has ${_short})
    else()
      list(APPEND _lacks ${_short})
    endif()
  endforeach()
  list(JOIN _has " " _h)
  list(JOIN _lacks " " _l)
  set(FENCE_KTREE_PROFILE_TEXT "has: ${_h}; lacks: ${_l}" PARENT_SCOPE)
  set(${out} ${_defs} PARENT_SCOPE)
endfunction()

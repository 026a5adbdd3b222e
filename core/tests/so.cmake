# Real loadable modules: the driver models built as shared objects
# (core/modules/), loaded with fence_module_load_so() and unloaded with
# dlclose(). Included from core/tests/CMakeLists.txt.
#
#   module_so_test   unit.FenceModuleSoTest.*        label unit
#                    unit.FenceModuleSoDeathTest.*   labels unit, death
#
# The death tests prove that after unload the .so is really gone: a call
# into its code, a stale ops table pointer and a cached name string fault,
# and the report names the module and the op.
fencefuzz_add_gtest(module_so_test SOURCES module_so_test.cpp test_ops.h)
target_compile_definitions(module_so_test PRIVATE
  FENCE_MOD_NAMES_SO="$<TARGET_FILE:fence_mod_names>"
  FENCE_MOD_HW_SO="$<TARGET_FILE:fence_mod_hw>")
add_dependencies(module_so_test fence_mod_names fence_mod_hw)

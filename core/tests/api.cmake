# API and rule tests: dma_fence (KERNEL-SEMANTICS.md A.2/A.3), the module
# layer, and multi-threaded races. Included from core/tests/CMakeLists.txt.
# ctest names are unit.<Suite>.<Case> (STYLE.md B6).
#
#   dma_fence_test        unit.DmaFenceTest.*                    label unit
#   dma_fence_death_test  unit.DmaFenceDeathTest.*               labels unit, death
#   module_test           unit.FenceModuleTest.*, unit.Models/*  label unit
#   module_death_test     unit.FenceModuleDeathTest.*            labels unit, death
#   dma_fence_mt_test     unit.DmaFenceMtTest.*                  labels unit, tsan
#
# The death tests (EXPECT_DEATH: BUG_ON, lockdep asserts, calls into an
# unloaded module) live in the same sources under FENCEFUZZ_DEATH_TESTS and
# are built as binaries of their own, so that they can carry the "death"
# label (ctest -L death / -LE death).

fencefuzz_add_gtest(dma_fence_test SOURCES dma_fence_test.cpp test_ops.h)

fencefuzz_add_gtest(dma_fence_death_test SOURCES dma_fence_test.cpp test_ops.h LABELS death)
target_compile_definitions(dma_fence_death_test PRIVATE FENCEFUZZ_DEATH_TESTS)

fencefuzz_add_gtest(module_test SOURCES module_test.cpp test_ops.h)

fencefuzz_add_gtest(module_death_test SOURCES module_test.cpp test_ops.h LABELS death)
target_compile_definitions(module_death_test PRIVATE FENCEFUZZ_DEATH_TESTS)

# Real threads: the races TSan checks (they run, and must pass, in every preset).
fencefuzz_add_gtest(dma_fence_mt_test SOURCES dma_fence_mt_test.cpp test_ops.h LABELS tsan)

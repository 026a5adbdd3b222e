// SPDX-License-Identifier: MIT
//
// compile_fail.RcuPtr.AssignOpsDirectly
//
// Kernel pattern flagged by sparse ("incorrect type in assignment
// (different address spaces)"):
//	fence->ops = &some_ops;
// fence::rcu_ptr has no assignment from a pointer (a plain store would
// publish the ops without release ordering), so it must not compile. The
// correct spelling is rcu_assign_pointer() (or RCU_INIT_POINTER() before
// the fence is visible to anyone else).
//
// Built with -DFENCE_COMPILE_FAIL_CONTROL, the bad line is replaced by its
// correct spelling and the file must compile (the control ctest).
#include "fence/dma-fence.h"

namespace {
const char *cf_name(struct dma_fence *) { return "compile_fail"; }
const struct dma_fence_ops some_ops = {
	.get_driver_name = cf_name,
	.get_timeline_name = cf_name,
};
} // namespace

void cf_switch_ops(struct dma_fence *fence)
{
#ifndef FENCE_COMPILE_FAIL_CONTROL
	fence->ops = &some_ops; // must not compile
#else
	rcu_assign_pointer(fence->ops, &some_ops);
#endif
}

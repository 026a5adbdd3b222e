// SPDX-License-Identifier: MIT
//
// compile_fail.RcuPtr.CompareOpsToAddress
//
// Kernel pattern flagged by sparse ("incompatible types in comparison
// expression (different address spaces)"):
//	if (fence->ops == &dma_fence_array_ops)
// fence::rcu_ptr has no comparison operators, so it must not compile. The
// correct spelling compares rcu_access_pointer(fence->ops).
//
// Built with -DFENCE_COMPILE_FAIL_CONTROL, the bad line is replaced by its
// correct spelling and the file must compile (the control ctest), which
// proves the failure comes from that line and nothing else.
#include "fence/dma-fence.h"

namespace {
const char *cf_name(struct dma_fence *) { return "compile_fail"; }
const struct dma_fence_ops some_ops = {
	.get_driver_name = cf_name,
	.get_timeline_name = cf_name,
};
} // namespace

bool cf_is_some_fence(struct dma_fence *fence)
{
#ifndef FENCE_COMPILE_FAIL_CONTROL
	return fence->ops == &some_ops; // must not compile
#else
	return rcu_access_pointer(fence->ops) == &some_ops;
#endif
}

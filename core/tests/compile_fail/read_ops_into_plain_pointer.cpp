// SPDX-License-Identifier: MIT
//
// compile_fail.RcuPtr.ReadOpsIntoPlainPointer
//
// Kernel pattern flagged by sparse ("incorrect type in initializer
// (different address spaces)"):
//	const struct dma_fence_ops *ops = fence->ops;
// fence::rcu_ptr does not convert to a plain pointer, so it must not
// compile. The correct spelling is rcu_dereference() (or, on the update
// side, rcu_dereference_protected()).
//
// Built with -DFENCE_COMPILE_FAIL_CONTROL, the bad line is replaced by its
// correct spelling and the file must compile (the control ctest).
#include "fence/dma-fence.h"

bool cf_has_wait(struct dma_fence *fence)
{
	bool ret;
	rcu_read_lock();
#ifndef FENCE_COMPILE_FAIL_CONTROL
	const struct dma_fence_ops *ops = fence->ops; // must not compile
#else
	const struct dma_fence_ops *ops = rcu_dereference(fence->ops);
#endif
	ret = ops && ops->wait;
	rcu_read_unlock();
	return ret;
}

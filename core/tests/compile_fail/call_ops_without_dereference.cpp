// SPDX-License-Identifier: MIT
//
// compile_fail.RcuPtr.CallOpsWithoutDereference
//
// Kernel pattern flagged by sparse ("dereference of noderef expression"):
//	name = fence->ops->get_driver_name(fence);
// fence::rcu_ptr has no operator->, so it must not compile. The correct
// spelling loads the pointer with rcu_dereference() inside rcu_read_lock().
//
// Built with -DFENCE_COMPILE_FAIL_CONTROL, the bad line is replaced by its
// correct spelling and the file must compile (the control ctest).
#include "fence/dma-fence.h"

const char *cf_driver_name(struct dma_fence *fence)
{
	const char *name;
	rcu_read_lock();
#ifndef FENCE_COMPILE_FAIL_CONTROL
	name = fence->ops->get_driver_name(fence); // must not compile
#else
	name = rcu_dereference(fence->ops)->get_driver_name(fence);
#endif
	rcu_read_unlock();
	return name;
}

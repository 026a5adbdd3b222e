// SPDX-License-Identifier: MIT
//
// compile_fail.RcuPtr.DereferenceAccessPointer
//
// Pattern:
//	if (rcu_access_pointer(fence->ops)->release)
// rcu_access_pointer() gives a value that may only be compared or tested
// (it is a relaxed load outside any read-side section, so the ops table may
// already be gone); fence::rcu_value has no operator->, so this must not
// compile. The correct spelling is rcu_dereference() inside rcu_read_lock().
//
// Built with -DFENCE_COMPILE_FAIL_CONTROL, the bad line is replaced by its
// correct spelling and the file must compile (the control ctest).
#include "fence/dma-fence.h"

bool cf_has_release(struct dma_fence *fence)
{
	bool ret;
	rcu_read_lock();
#ifndef FENCE_COMPILE_FAIL_CONTROL
	ret = rcu_access_pointer(fence->ops)->release != nullptr; // must not compile
#else
	ret = rcu_dereference(fence->ops)->release != nullptr;
#endif
	rcu_read_unlock();
	return ret;
}

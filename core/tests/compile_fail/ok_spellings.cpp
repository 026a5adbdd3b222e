// SPDX-License-Identifier: MIT
//
// compile_fail.RcuPtr.OkSpellings
//
// The correct spellings of every access the compile_fail/ cases reject, as
// the fence core and drivers write them. This file must compile: it keeps
// the rejecting cases honest (they fail because of their one bad line, not
// because fence::rcu_ptr rejects everything).
#include "fence/dma-fence.h"
#include "fence/fence.h"

namespace {
const char *cf_name(struct dma_fence *) { return "compile_fail"; }
const struct dma_fence_ops some_ops = {
	.get_driver_name = cf_name,
	.get_timeline_name = cf_name,
};
const struct dma_fence_ops other_ops = {
	.get_driver_name = cf_name,
	.get_timeline_name = cf_name,
};
} // namespace

int cf_ok_spellings(struct dma_fence *fence, fence::rcu_ptr<struct dma_fence> *slot)
{
	int score = 0;

	// Read side: rcu_dereference() inside rcu_read_lock().
	rcu_read_lock();
	const struct dma_fence_ops *ops = rcu_dereference(fence->ops);
	if (ops && ops->get_driver_name(fence))
		score++;
	if (rcu_dereference(fence->ops)->release)
		score++;
	rcu_read_unlock();
	{
		fence::rcu_read_guard guard;
		if (rcu_dereference_check(fence->ops, dma_fence_test_signaled_flag(fence)))
			score++;
	}

	// Comparisons and truth tests: rcu_access_pointer().
	if (rcu_access_pointer(fence->ops) == &some_ops)
		score++;
	if (&some_ops == rcu_access_pointer(fence->ops))
		score++;
	if (rcu_access_pointer(fence->ops) != &other_ops)
		score++;
	if (rcu_access_pointer(fence->ops) == nullptr)
		score++;
	if (!rcu_access_pointer(fence->ops))
		score++;
	if (rcu_access_pointer(fence->ops))
		score++;
	const bool attached = static_cast<bool>(rcu_access_pointer(fence->ops));
	score += attached;

	// Update side: under the fence lock.
	unsigned long flags;
	dma_fence_lock_irqsave(fence, flags);
	const struct dma_fence_ops *held =
		rcu_dereference_protected(fence->ops, lockdep_is_held(dma_fence_spinlock(fence)));
	if (held && held->signaled)
		score++;
	rcu_assign_pointer(fence->ops, &some_ops);
	const struct dma_fence_ops *old = rcu_replace_pointer(
		fence->ops, &other_ops, lockdep_is_held(dma_fence_spinlock(fence)));
	if (old == &some_ops)
		score++;
	RCU_INIT_POINTER(fence->ops, nullptr);
	RCU_INIT_POINTER(fence->ops, &some_ops);
	rcu_assign_pointer(fence->ops, nullptr);
	dma_fence_unlock_irqrestore(fence, flags);

	// An __rcu pointer to a fence, as in a reservation object slot.
	struct dma_fence *f = dma_fence_get_rcu_safe(slot);
	if (f)
		score++;
	dma_fence_put(f);
	return score;
}

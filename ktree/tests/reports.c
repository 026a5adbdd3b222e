/* SPDX-License-Identifier: MIT */
/*
 * reports.c - the runtime's reports name the kernel file and line.
 *
 *	ktree_reports lockdep     dma_fence_signal_locked() without the fence lock
 *	ktree_reports recursion   dma_fence_signal() with the fence lock already held
 *	ktree_reports resv        dma_resv_add_fence() without the reservation lock
 *	ktree_reports leak        a stub fence still allocated: its kzalloc() site
 *
 * The first three die in the runtime's lockdep-lite checks; the ctests
 * (ktree/tests.cmake) match the message's drivers/dma-buf/<file>.c:<line>.
 * "leak" prints the allocation-site report (debug builds) and exits 0 only
 * if it listed the object.
 */
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/slab.h>
#include <stdio.h>
#include <string.h>

static const char *name(struct dma_fence *f) { return "reports"; }
static const struct dma_fence_ops ops = {
	.get_driver_name = name,
	.get_timeline_name = name,
};

int main(int argc, char **argv)
{
	static spinlock_t lock;
	static struct dma_fence f;
	const char *mode = argc == 2 ? argv[1] : "";

	spin_lock_init(&lock);
	dma_fence_init(&f, &ops, &lock, dma_fence_context_alloc(1), 1);
	if (!strcmp(mode, "lockdep")) {
		dma_fence_signal_locked(&f); /* dies: lockdep_assert_held(fence->lock) */
	} else if (!strcmp(mode, "recursion")) {
		spin_lock(&lock);
		dma_fence_signal(&f); /* dies: spinlock recursion */
	} else if (!strcmp(mode, "resv")) {
		struct dma_resv resv;

		dma_resv_init(&resv);
		dma_resv_add_fence(&resv, &f, DMA_RESV_USAGE_WRITE); /* dies: dma_resv_assert_held */
	} else if (!strcmp(mode, "leak")) {
		struct dma_fence *stub = dma_fence_allocate_private_stub(ktime_get());
		long n = ktree_slab_report("leak");

		dma_fence_put(stub);
		dma_fence_signal(&f);
		rcu_barrier();
		return n == 1 ? 0 : 1;
	} else {
		fprintf(stderr, "usage: ktree_reports lockdep|recursion|resv|leak\n");
		return 2;
	}
	fprintf(stderr, "ktree_reports: %s: no report\n", mode);
	return 1;
}

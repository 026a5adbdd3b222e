/* SPDX-License-Identifier: MIT */
/*
 * reports.c - the runtime's reports name the kernel file and line.
 *
 *	ktree_reports lockdep     dma_fence_signal_locked() without the fence lock
 *	ktree_reports recursion   dma_fence_signal() with the fence lock already held
 *	ktree_reports resv        dma_resv_add_fence() without the reservation lock
 *	ktree_reports leak        a stub fence still allocated: its kzalloc() site
 *	ktree_reports failslab    the runtime's failslab fails dma-fence.c's kzalloc()
 *
 * The first three die in the runtime's lockdep-lite checks; the ctests
 * (ktree/tests.cmake) match the message's drivers/dma-buf/<file>.c:<line>.
 * "leak" prints the allocation-site report (debug builds) and exits 0 only
 * if it listed the object; "failslab" exits 0 only if
 * dma_fence_allocate_private_stub() returned NULL for an injected failure
 * and a real fence for the next call.
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
	} else if (!strcmp(mode, "failslab")) {
		struct dma_fence *stub;

		ktree_failslab_nth(1); /* the next allocation on this thread fails */
		stub = dma_fence_allocate_private_stub(ktime_get());
		if (stub) {
			fprintf(stderr, "failslab: the stub was allocated anyway\n");
			return 1;
		}
		stub = dma_fence_allocate_private_stub(ktime_get());
		if (!stub)
			return 1;
		printf("failslab: dma_fence_allocate_private_stub() returned NULL, then a fence\n");
		dma_fence_put(stub);
		dma_fence_signal(&f);
		rcu_barrier();
		return 0;
	} else {
		fprintf(stderr, "usage: ktree_reports lockdep|recursion|resv|leak|failslab\n");
		return 2;
	}
	fprintf(stderr, "ktree_reports: %s: no report\n", mode);
	return 1;
}

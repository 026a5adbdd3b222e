/* SPDX-License-Identifier: MIT */
/* bench/tree_ops.c - the kernel tree's dma-fence.c fast paths, one operation per call (bench/ops.h). */
#include <linux/dma-fence.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "ops.h"

static const char *name(struct dma_fence *f) { return "bench"; }
static void release_kfree(struct dma_fence *f) { kfree(f); }
static const struct dma_fence_ops g_ops = { .get_driver_name = name, .get_timeline_name = name };
static const struct dma_fence_ops g_ops_release = {
	.get_driver_name = name, .get_timeline_name = name, .release = release_kfree };
static void cb_func(struct dma_fence *f, struct dma_fence_cb *cb) {}

static DEFINE_SPINLOCK(g_lock);
static u64 g_ctx, g_seq;
static struct dma_fence g_signal_fence;
static struct dma_fence g_pending; /* never signaled: is_signaled, callbacks */
static struct dma_fence_cb g_cb;
static struct dma_fence *g_slot_fence;
static struct dma_fence __rcu *g_slot;

void tree_setup(void)
{
	g_ctx = dma_fence_context_alloc(1);
	dma_fence_init(&g_pending, &g_ops, &g_lock, g_ctx, 0);
	g_slot_fence = kmalloc(sizeof(*g_slot_fence), GFP_KERNEL);
	dma_fence_init(g_slot_fence, &g_ops_release, &g_lock, g_ctx, 0);
	rcu_assign_pointer(g_slot, g_slot_fence);
}

noinline void tree_init_put(void)
{
	struct dma_fence *f = kmalloc(sizeof(*f), GFP_KERNEL);

	dma_fence_init(f, &g_ops_release, &g_lock, g_ctx, ++g_seq);
	dma_fence_put(f);
}

noinline void tree_init_signal(void)
{
	dma_fence_init(&g_signal_fence, &g_ops, &g_lock, g_ctx, ++g_seq);
	dma_fence_signal(&g_signal_fence);
}

noinline int tree_is_signaled(void) { return dma_fence_is_signaled(&g_pending); }

noinline void tree_add_remove_cb(void)
{
	dma_fence_add_callback(&g_pending, &g_cb, cb_func);
	dma_fence_remove_callback(&g_pending, &g_cb);
}

noinline void tree_get_rcu_safe(void)
{
	struct dma_fence *f;

	rcu_read_lock();
	f = dma_fence_get_rcu_safe(&g_slot);
	rcu_read_unlock();
	dma_fence_put(f);
}

noinline void tree_rcu_lock_unlock(void)
{
	rcu_read_lock();
	rcu_read_unlock();
}

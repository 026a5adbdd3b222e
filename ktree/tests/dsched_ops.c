/* SPDX-License-Identifier: MIT */
/*
 * dsched_ops.c - the tree's dma-fence.c, driven from logical threads of the
 * deterministic scheduler (ktree/tests/dsched.cpp): one fence, a signaller
 * and a thread that adds a callback.
 */
#include <linux/dma-fence.h>
#include <linux/slab.h>

#include "dsched_ops.h"

static const char *name(struct dma_fence *f) { return "dsched"; }
static const struct dma_fence_ops ops = { .get_driver_name = name, .get_timeline_name = name };
static DEFINE_SPINLOCK(lock);
static struct dma_fence *fence;
static struct dma_fence_cb cb;
static int cb_runs;

static void cb_func(struct dma_fence *f, struct dma_fence_cb *c) { cb_runs++; }

void kt_case_init(void)
{
	fence = kmalloc(sizeof(*fence), GFP_KERNEL);
	dma_fence_init(fence, &ops, &lock, dma_fence_context_alloc(1), 1);
	cb_runs = 0;
}
void kt_signal(void) { dma_fence_signal(fence); }
int kt_add_cb(void) { return dma_fence_add_callback(fence, &cb, cb_func); }
int kt_cb_runs(void) { return cb_runs; }
bool kt_is_signaled(void) { return dma_fence_is_signaled(fence); }
void kt_case_fini(void) { dma_fence_put(fence); }

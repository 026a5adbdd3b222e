// SPDX-License-Identifier: MIT
// bench/port_ops.cpp - the port's fast paths, one operation per call (bench/ops.h).
#include "fence/dma-fence.h"
#include "fence/rcu.h"
#include "fence/slab.h"

#include "ops.h"

namespace {
const char *name(struct dma_fence *) noexcept { return "bench"; }
void release_kfree(struct dma_fence *f) noexcept { kfree(f); }
const struct dma_fence_ops g_ops = {.get_driver_name = name, .get_timeline_name = name};
const struct dma_fence_ops g_ops_release = {
	.get_driver_name = name, .get_timeline_name = name, .release = release_kfree};
void cb_func(struct dma_fence *, struct dma_fence_cb *) noexcept {}

DEFINE_SPINLOCK(g_lock);
u64 g_ctx;
u64 g_seq;
struct dma_fence g_signal_fence;
struct dma_fence g_pending; // never signaled: is_signaled, callbacks
struct dma_fence_cb g_cb;
struct dma_fence *g_slot_fence;
fence::rcu_ptr<struct dma_fence> g_slot{};
} // namespace

extern "C" {
void port_setup(void)
{
	g_ctx = dma_fence_context_alloc(1);
	dma_fence_init(&g_pending, &g_ops, &g_lock, g_ctx, 0);
	g_slot_fence = static_cast<struct dma_fence *>(kmalloc(sizeof(struct dma_fence), GFP_KERNEL));
	dma_fence_init(g_slot_fence, &g_ops_release, &g_lock, g_ctx, 0);
	rcu_assign_pointer(g_slot, g_slot_fence);
}

[[gnu::noinline]] void port_init_put(void)
{
	auto *f = static_cast<struct dma_fence *>(kmalloc(sizeof(struct dma_fence), GFP_KERNEL));
	dma_fence_init(f, &g_ops_release, &g_lock, g_ctx, ++g_seq);
	dma_fence_put(f);
}

[[gnu::noinline]] void port_init_signal(void)
{
	dma_fence_init(&g_signal_fence, &g_ops, &g_lock, g_ctx, ++g_seq);
	dma_fence_signal(&g_signal_fence);
}

[[gnu::noinline]] int port_is_signaled(void) { return dma_fence_is_signaled(&g_pending); }

[[gnu::noinline]] void port_add_remove_cb(void)
{
	dma_fence_add_callback(&g_pending, &g_cb, cb_func);
	dma_fence_remove_callback(&g_pending, &g_cb);
}

[[gnu::noinline]] void port_get_rcu_safe(void)
{
	rcu_read_lock();
	struct dma_fence *f = dma_fence_get_rcu_safe(&g_slot);
	rcu_read_unlock();
	dma_fence_put(f);
}

[[gnu::noinline]] void port_rcu_lock_unlock(void)
{
	rcu_read_lock();
	rcu_read_unlock();
}
}

/* SPDX-License-Identifier: MIT */
/*
 * fence/kref.h - reference counts, as <linux/kref.h>.
 *
 * A plain struct (zero-filled = count 0) whose counter is only touched
 * through std::atomic_ref. kref_put() is a release decrement followed by an
 * acquire fence-free load on the last reference, so the releasing thread
 * sees every write made under earlier references (TSan models this).
 */
#pragma once

#include <atomic>

#include "fence/bug.h"
#include "fence/detail/sched-hooks.h"
#include "fence/types.h"

struct kref {
	unsigned int refcount;
};

static inline void kref_init(struct kref *k) noexcept
{
	std::atomic_ref<unsigned int>(k->refcount).store(1, std::memory_order_release);
}

static inline unsigned int kref_read(const struct kref *k) noexcept
{
	return std::atomic_ref<unsigned int>(const_cast<struct kref *>(k)->refcount)
		.load(std::memory_order_relaxed);
}

/* kref_get - take a reference; WARNs (refcount_t saturation check) on 0. */
static inline void kref_get(struct kref *k) noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_REF, k);
	unsigned int old = std::atomic_ref<unsigned int>(k->refcount).fetch_add(
		1, std::memory_order_relaxed);
	WARN(old == 0, "refcount_t: addition on 0; use-after-free.\n");
}

/*
 * kref_put - drop a reference and call @release on the last one.
 * Return: 1 if @release ran, 0 otherwise.
 */
static inline int kref_put(struct kref *k, void (*release)(struct kref *k)) noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_REF, k);
	/* acq_rel: release our writes; on the last put, acquire everyone's. */
	unsigned int old = std::atomic_ref<unsigned int>(k->refcount).fetch_sub(
		1, std::memory_order_acq_rel);
	if (unlikely(old == 0))
		fence_die("refcount_t: underflow; use-after-free (kref %p)", static_cast<void *>(k));
	if (old == 1) {
		release(k);
		return 1;
	}
	return 0;
}

/*
 * kref_get_unless_zero - take a reference unless the count already hit 0.
 * Return: nonzero if a reference was taken.
 *
 * A second scheduling point after a successful get: between it and the
 * caller's next load another thread may replace or drop what the caller
 * found, which is the window dma_fence_get_rcu_safe()'s recheck of the slot
 * exists for (the point before the get only covers the load of the slot).
 */
static inline int kref_get_unless_zero(struct kref *k) noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_REF, k);
	std::atomic_ref<unsigned int> r(k->refcount);
	/* Pairs with the acq_rel decrement in kref_put(). */
	unsigned int old = r.load(std::memory_order_relaxed);
	do {
		if (old == 0)
			return 0;
	} while (!r.compare_exchange_weak(old, old + 1, std::memory_order_acquire,
					  std::memory_order_relaxed));
	FENCE_SCHED_POINT(FENCE_SP_REF, k);
	return 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * fence/slab.h - kmalloc(), kzalloc(), kfree(), with live-object accounting
 * and fault injection.
 *
 * The allocator is malloc underneath (so ASan and LeakSanitizer see every
 * object). Two test aids come with it:
 *  - fence_slab_live() counts objects allocated and not yet freed, which
 *    lets a harness prove that a program freed everything it allocated;
 *  - fence_failslab_nth(n) makes the n-th next allocation on the calling
 *    thread fail, like the kernel's failslab fault injection, so -ENOMEM
 *    paths are reachable.
 * kfree_rcu() lives in fence/rcu.h.
 */
#pragma once

#include <cstddef>

#include "fence/runtime.h"
#include "fence/types.h"

typedef unsigned int gfp_t;
#define GFP_KERNEL 0x1u
#define GFP_ATOMIC 0x2u
#define GFP_NOWAIT 0x4u
#define __GFP_ZERO 0x100u

/**
 * kmalloc - allocate memory
 * @size: bytes
 * @gfp: allocation flags; __GFP_ZERO zero-fills
 *
 * Context: Any context.
 * Return: the memory, or NULL on failure (real or injected).
 */
void *kmalloc(size_t size, gfp_t gfp) noexcept;

/* kzalloc - kmalloc() with __GFP_ZERO. */
static inline void *kzalloc(size_t size, gfp_t gfp) noexcept
{
	return kmalloc(size, gfp | __GFP_ZERO);
}

/* kcalloc - zeroed array; NULL on overflow. */
void *kcalloc(size_t n, size_t size, gfp_t gfp) noexcept;

/* kfree - free memory from kmalloc(); NULL is a no-op. */
void kfree(const void *p) noexcept;

/* fence_slab_live(), fence_failslab_nth(): fence/runtime.h. */

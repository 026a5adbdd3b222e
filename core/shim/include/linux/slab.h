/* SPDX-License-Identifier: MIT */
/*
 * linux/slab.h (shim) - kmalloc() and friends are the runtime's allocator
 * (fence/slab.h): malloc underneath (ASan and LeakSanitizer see every
 * object), the live-object count the port's leak checks use, and failslab
 * (fence_failslab_nth()). Each allocation passes the kernel file and line;
 * debug builds keep them, so ktree_slab_report() names where a leaked
 * object was allocated.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_SLAB_H
#define _FENCEFUZZ_SHIM_LINUX_SLAB_H
#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <fencefuzz/ktree-runtime.h>

#define kmalloc(size, gfp) ktree_kmalloc((size), (gfp), __FILE__, __LINE__)
#define kzalloc(size, gfp) ktree_kmalloc((size), (gfp) | __GFP_ZERO, __FILE__, __LINE__)
#define kmalloc_array(n, size, gfp) kmalloc(size_mul((n), (size)), (gfp))
#define kcalloc(n, size, gfp) kzalloc(size_mul((n), (size)), (gfp))
#define kvmalloc(size, gfp) kmalloc((size), (gfp))
#define kvzalloc(size, gfp) kzalloc((size), (gfp))
#define kvmalloc_array(n, size, gfp) kmalloc_array((n), (size), (gfp))
#define kvcalloc(n, size, gfp) kcalloc((n), (size), (gfp))
#define krealloc(p, size, gfp) ktree_krealloc((p), (size), (gfp), __FILE__, __LINE__)
#define krealloc_array(p, n, size, gfp) krealloc((p), size_mul((n), (size)), (gfp))
static inline void kfree(const void *p) { ktree_kfree(p); }
static inline void kvfree(const void *p) { ktree_kfree(p); }
static inline size_t ksize(const void *p) { return ktree_ksize(p); }
static inline size_t kmalloc_size_roundup(size_t size) { return size; }

/* kmem_cache: only the object size matters; TYPESAFE_BY_RCU defers frees. */
#define SLAB_HWCACHE_ALIGN 0x2000UL
#define SLAB_TYPESAFE_BY_RCU 0x80000UL
#define SLAB_PANIC 0x40000UL
#define SLAB_RECLAIM_ACCOUNT 0x20000UL
struct kmem_cache;
#define kmem_cache_create(name, size, align, flags, ctor) \
	((struct kmem_cache *)ktree_kmem_cache_create((name), (size), (flags)))
#define KMEM_CACHE(s, flags) kmem_cache_create(#s, sizeof(struct s), __alignof__(struct s), (flags), NULL)
#define kmem_cache_alloc(c, gfp) \
	ktree_kmem_cache_alloc((struct ktree_kmem_cache *)(c), (gfp), __FILE__, __LINE__)
#define kmem_cache_zalloc(c, gfp) kmem_cache_alloc((c), (gfp) | __GFP_ZERO)
#define kmem_cache_free(c, p) ktree_kmem_cache_free((struct ktree_kmem_cache *)(c), (p))
#define kmem_cache_destroy(c) ktree_kmem_cache_destroy((struct ktree_kmem_cache *)(c), __FILE__, __LINE__)
#endif

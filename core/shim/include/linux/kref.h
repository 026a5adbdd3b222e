/* SPDX-License-Identifier: MIT */
/*
 * linux/kref.h (shim) - struct kref is the runtime's (fence/kref.h): the
 * saturation WARN on a get from 0, the underflow BUG, the acq_rel last put
 * and the scheduler's refcount points. Opaque here (one 32-bit word).
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_KREF_H
#define _FENCEFUZZ_SHIM_LINUX_KREF_H
#include <linux/types.h>
#include <linux/atomic.h>
#include <fencefuzz/ktree-runtime.h>

struct kref {
	unsigned int __fencefuzz_opaque;
};
_Static_assert(sizeof(struct kref) == KTREE_KREF_SIZE, "struct kref size");
#define KREF_INIT(n) { (n) }

static inline void kref_init(struct kref *k) { ktree_kref_init(k); }
static inline unsigned int kref_read(const struct kref *k) { return ktree_kref_read(k); }
static inline void kref_get(struct kref *k) { ktree_kref_get(k); }
static inline int kref_get_unless_zero(struct kref *k) { return ktree_kref_get_unless_zero(k); }
/* The release function takes struct kref *; the runtime passes the same pointer back. */
#define kref_put(k, release) ktree_kref_put((k), (void (*)(void *))(release))
#endif

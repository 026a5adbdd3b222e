/* SPDX-License-Identifier: MIT */
/*
 * linux/lockdep.h (shim) - the runtime's lockdep-lite: lockdep_is_held()
 * and lockdep_assert_held() are real checks of the recorded holder, for
 * spinlock_t (fence/spinlock.h) and struct mutex (the ww_mutex base) alike;
 * a failure prints the kernel file and line and dies, as in the port.
 * Lock classes, maps and dependency tracking are not modelled (no
 * CONFIG_LOCKDEP): lock_map_acquire() and friends are no-ops.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_LOCKDEP_H
#define _FENCEFUZZ_SHIM_LINUX_LOCKDEP_H
#include <linux/types.h>
#include <fencefuzz/ktree-runtime.h>

struct spinlock;
struct mutex;
struct lock_class_key {
	char __unused;
};
struct lockdep_map {
	const char *name;
};

/* struct mutex (linux/mutex.h) starts with the runtime's mutex state. */
static inline bool __ff_mutex_held(const struct mutex *m)
{
	return ktree_mutex_is_held((const struct ktree_mutex_state *)(const void *)m);
}
#define lockdep_is_held(l)                                                            \
	_Generic((l), struct spinlock *: ktree_spin_is_held,                          \
		 const struct spinlock *: ktree_spin_is_held,                         \
		 struct mutex *: __ff_mutex_held, const struct mutex *: __ff_mutex_held)(l)
#define lockdep_assert_held(l)                                                        \
	do {                                                                          \
		if (unlikely(!lockdep_is_held(l)))                                    \
			ktree_lockdep_assert_failed("lockdep_assert_held(" #l ")",     \
						    __FILE__, __LINE__);              \
	} while (0)
#define lockdep_assert_not_held(l) do { } while (0)
#define lockdep_assert(c) do { if (unlikely(!(c))) ktree_lockdep_assert_failed("lockdep_assert(" #c ")", __FILE__, __LINE__); } while (0)
#define lockdep_set_class(l, k) do { (void)(k); } while (0)
#define lock_map_acquire(m) do { (void)(m); } while (0)
#define lock_map_release(m) do { (void)(m); } while (0)
#define might_lock(l) do { (void)(l); } while (0)
#define lockdep_init_map(m, n, k, s) do { (void)(m); } while (0)
#endif

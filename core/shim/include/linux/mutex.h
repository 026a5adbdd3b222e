/* SPDX-License-Identifier: MIT */
/*
 * linux/mutex.h (shim) - a sleeping lock in the runtime (core/shim/src/
 * runtime.cpp): mutual exclusion, a recorded holder for lockdep_is_held(),
 * might_sleep() on lock, and under the deterministic scheduler a blocked
 * logical thread instead of a spin.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_MUTEX_H
#define _FENCEFUZZ_SHIM_LINUX_MUTEX_H
#include <linux/types.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <fencefuzz/ktree-runtime.h>
struct mutex {
	struct ktree_mutex_state __state;
};
#define __MUTEX_INITIALIZER(name) { { 0, 0 } }
#define DEFINE_MUTEX(name) struct mutex name = __MUTEX_INITIALIZER(name)
static inline void mutex_init(struct mutex *m) { m->__state.locked = 0; m->__state.owner = 0; }
static inline void mutex_destroy(struct mutex *m) { (void)m; }
#define mutex_lock(m) ktree_mutex_lock(&(m)->__state, __FILE__, __LINE__)
#define mutex_lock_interruptible(m) (mutex_lock(m), 0)
#define mutex_trylock(m) ktree_mutex_trylock(&(m)->__state)
#define mutex_unlock(m) ktree_mutex_unlock(&(m)->__state, __FILE__, __LINE__)
static inline bool mutex_is_locked(struct mutex *m) { return __atomic_load_n(&m->__state.locked, __ATOMIC_RELAXED) != 0; }
#endif

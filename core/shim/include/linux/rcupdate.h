/* SPDX-License-Identifier: MIT */
/*
 * linux/rcupdate.h (shim) - the runtime's RCU (fence/rcu.h): the same
 * read-side nesting count, the same liburcu (or, in dsched builds,
 * scheduler-visible) grace periods with their TSan annotations, the same
 * deferred-callback queue (call_rcu, kfree_rcu, rcu_barrier).
 *
 * The pointer accessors are macros over plain pointers, as in the kernel,
 * with the kernel's sparse casts (__rcu is an address space under
 * __CHECKER__). Loads and stores are __atomic (acquire for
 * rcu_dereference(), release for rcu_assign_pointer()) so that TSan sees
 * the publication. RCU-lockdep: in debug builds (FENCE_DEBUG_CHECKS)
 * rcu_dereference() outside a read-side section, or a
 * rcu_dereference_check()/_protected() whose condition is false, prints
 * "suspicious RCU usage" with the kernel file and line (a WARN, so fatal
 * under panic_on_warn).
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_RCUPDATE_H
#define _FENCEFUZZ_SHIM_LINUX_RCUPDATE_H
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/bug.h>
#include <fencefuzz/ktree-runtime.h>

_Static_assert(sizeof(struct rcu_head) == KTREE_RCU_HEAD_SIZE, "struct rcu_head size");

static inline void rcu_read_lock(void) { ktree_rcu_read_lock(); }
static inline void rcu_read_unlock(void) { ktree_rcu_read_unlock(); }
static inline bool rcu_read_lock_held(void) { return ktree_rcu_read_lock_held(); }
#define rcu_read_lock_any_held() rcu_read_lock_held()
static inline void synchronize_rcu(void) { ktree_synchronize_rcu(); }
static inline void rcu_barrier(void) { ktree_rcu_barrier(); }
#define call_rcu(head, func) ktree_call_rcu((head), (void (*)(void *))(func))

#if defined(FENCE_DEBUG_CHECKS) && !defined(__CHECKER__)
#define __ff_rcu_check(c, what) \
	((c) ? (void)0 : ktree_rcu_lockdep_warn(what, __FILE__, __LINE__))
#else
#define __ff_rcu_check(c, what) ((void)0)
#endif

#ifdef __CHECKER__
#define __ff_rcu_load(p, order) (p)
#define __ff_rcu_store(p, v, order) ((p) = (v))
#else
#define __ff_rcu_load(p, order) __atomic_load_n(&(p), order)
#define __ff_rcu_store(p, v, order) __atomic_store_n(&(p), (v), order)
#endif

/* RCU_INITIALIZER - a plain pointer as an __rcu one (sparse cast). */
#define RCU_INITIALIZER(v) ((typeof(*(v)) __force __rcu *)(v))
/* unrcu_pointer - an __rcu pointer's value as a plain pointer, no ordering. */
#define unrcu_pointer(p) ((typeof(*(p)) __force *)(p))

#define rcu_dereference_check(p, c)                                                       \
	({                                                                                \
		__ff_rcu_check((c) || rcu_read_lock_held(), "rcu_dereference_check()");    \
		((typeof(*(p)) __force __kernel *)__ff_rcu_load(p, __ATOMIC_ACQUIRE));     \
	})
#define rcu_dereference(p) rcu_dereference_check(p, 0)
#define rcu_dereference_raw(p) ((typeof(*(p)) __force __kernel *)__ff_rcu_load(p, __ATOMIC_ACQUIRE))
#define rcu_dereference_protected(p, c)                                                   \
	({                                                                                \
		__ff_rcu_check((c), "rcu_dereference_protected()");                        \
		((typeof(*(p)) __force __kernel *)__ff_rcu_load(p, __ATOMIC_RELAXED));     \
	})
#define rcu_access_pointer(p) ((typeof(*(p)) __force __kernel *)__ff_rcu_load(p, __ATOMIC_RELAXED))
#define rcu_assign_pointer(p, v) __ff_rcu_store(p, RCU_INITIALIZER(v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v) __ff_rcu_store(p, RCU_INITIALIZER(v), __ATOMIC_RELAXED)
#define rcu_replace_pointer(p, v, c)                                                      \
	({                                                                                \
		typeof(p) __ff_new = RCU_INITIALIZER(v);                                  \
		__ff_rcu_check((c), "rcu_replace_pointer()");                              \
		((typeof(*(p)) __force __kernel *)__ff_rcu_xchg(p, __ff_new));             \
	})
#ifdef __CHECKER__
#define __ff_rcu_xchg(p, v) (p)
#else
#define __ff_rcu_xchg(p, v) __atomic_exchange_n(&(p), (v), __ATOMIC_ACQ_REL)
#endif
#define rcu_pointer_handoff(p) (p)

/* kfree_rcu - kfree(@ptr) after a grace period; @rhf names its rcu_head member. */
#define kfree_rcu(ptr, rhf) ktree_kfree_rcu(&(ptr)->rhf, offsetof(typeof(*(ptr)), rhf))
#define kvfree_rcu kfree_rcu
#endif

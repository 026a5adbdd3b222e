/* SPDX-License-Identifier: MIT */
/*
 * linux/atomic.h (shim) - atomic_t, atomic64_t, cmpxchg()/xchg() and the
 * memory barriers, over the compiler's __atomic builtins (which TSan
 * instruments). Value-returning read-modify-write operations are fully
 * ordered, as in the kernel; atomic_read()/atomic_set() are relaxed.
 * Every read-modify-write is a runtime scheduling point
 * (fencefuzz/ktree-points.h).
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_ATOMIC_H
#define _FENCEFUZZ_SHIM_LINUX_ATOMIC_H
#include <linux/types.h>
#include <fencefuzz/ktree-points.h>

#define ATOMIC_INIT(i) { (i) }
#define ATOMIC64_INIT(i) { (i) }

#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define mb() smp_mb()
#define rmb() smp_rmb()
#define wmb() smp_wmb()
#define smp_mb__before_atomic() smp_mb()
#define smp_mb__after_atomic() smp_mb()
#define smp_store_mb(var, value) __atomic_store_n(&(var), (value), __ATOMIC_SEQ_CST)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

#define __ff_rmw(op, ptr, v)                                           \
	({                                                             \
		KTREE_POINT(KTREE_SP_ATOMIC, (ptr));                   \
		op((ptr), (v), __ATOMIC_SEQ_CST);                      \
	})

static inline int atomic_read(const atomic_t *v) { return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }
static inline int atomic_read_acquire(const atomic_t *v) { return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE); }
static inline void atomic_set(atomic_t *v, int i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }
static inline void atomic_set_release(atomic_t *v, int i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELEASE); }
static inline int atomic_add_return(int i, atomic_t *v) { return __ff_rmw(__atomic_add_fetch, &v->counter, i); }
static inline int atomic_sub_return(int i, atomic_t *v) { return __ff_rmw(__atomic_sub_fetch, &v->counter, i); }
static inline int atomic_fetch_add(int i, atomic_t *v) { return __ff_rmw(__atomic_fetch_add, &v->counter, i); }
static inline void atomic_add(int i, atomic_t *v) { (void)atomic_add_return(i, v); }
static inline void atomic_sub(int i, atomic_t *v) { (void)atomic_sub_return(i, v); }
static inline void atomic_inc(atomic_t *v) { atomic_add(1, v); }
static inline void atomic_dec(atomic_t *v) { atomic_sub(1, v); }
static inline int atomic_inc_return(atomic_t *v) { return atomic_add_return(1, v); }
static inline int atomic_dec_return(atomic_t *v) { return atomic_sub_return(1, v); }
static inline bool atomic_dec_and_test(atomic_t *v) { return atomic_sub_return(1, v) == 0; }
static inline bool atomic_inc_not_zero(atomic_t *v)
{
	int old = atomic_read(v);

	KTREE_POINT(KTREE_SP_ATOMIC, v);
	do {
		if (!old)
			return false;
	} while (!__atomic_compare_exchange_n(&v->counter, &old, old + 1, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	return true;
}

static inline s64 atomic64_read(const atomic64_t *v) { return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }
static inline void atomic64_set(atomic64_t *v, s64 i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }
static inline s64 atomic64_fetch_add(s64 i, atomic64_t *v) { return __ff_rmw(__atomic_fetch_add, &v->counter, i); }
static inline s64 atomic64_add_return(s64 i, atomic64_t *v) { return __ff_rmw(__atomic_add_fetch, &v->counter, i); }
static inline s64 atomic64_inc_return(atomic64_t *v) { return atomic64_add_return(1, v); }
static inline void atomic64_inc(atomic64_t *v) { (void)atomic64_add_return(1, v); }

/* cmpxchg - if *ptr == old, store new; return what *ptr held. Fully ordered. */
#define cmpxchg(ptr, old, new)                                                                 \
	({                                                                                     \
		typeof(*(ptr)) __ff_old = (old);                                               \
		KTREE_POINT(KTREE_SP_ATOMIC, (ptr));                                           \
		__atomic_compare_exchange_n((ptr), &__ff_old, (new), false, __ATOMIC_SEQ_CST,  \
					    __ATOMIC_SEQ_CST);                                 \
		__ff_old;                                                                      \
	})
#define cmpxchg_relaxed cmpxchg
#define try_cmpxchg(ptr, oldp, new)                                                            \
	({                                                                                     \
		KTREE_POINT(KTREE_SP_ATOMIC, (ptr));                                           \
		__atomic_compare_exchange_n((ptr), (oldp), (new), false, __ATOMIC_SEQ_CST,     \
					    __ATOMIC_SEQ_CST);                                 \
	})
#define xchg(ptr, v)                                                                           \
	({                                                                                     \
		KTREE_POINT(KTREE_SP_ATOMIC, (ptr));                                           \
		__atomic_exchange_n((ptr), (v), __ATOMIC_SEQ_CST);                             \
	})
#endif

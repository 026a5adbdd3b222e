/* SPDX-License-Identifier: MIT */
/*
 * fencefuzz/ktree-points.h - the runtime's scheduling points, from C.
 *
 * The same points as fence/detail/sched-hooks.h, with the same kinds and
 * the same build switches: in a deterministic-scheduler build
 * (FENCE_DSCHED) every point may switch logical threads; in free-running
 * debug builds it is a delay-injection point (off until
 * fence_delay_injection()); elsewhere it is nothing. Spinlocks, krefs and
 * RCU sections reach their points inside the runtime; this header gives the
 * inline atomics and bit operations of the shims theirs.
 */
#ifndef FENCEFUZZ_KTREE_POINTS_H
#define FENCEFUZZ_KTREE_POINTS_H
#include <fencefuzz/ktree-runtime.h>

/* enum fence_sched_kind, as numbers (fence/detail/sched-hooks.h). */
#define KTREE_SP_ATOMIC 2
#define KTREE_SP_CB_CALL 7

#if defined(FENCE_DSCHED)
#define KTREE_POINT(kind, addr) ktree_sched_point((kind), (addr))
#elif defined(FENCE_DEBUG_CHECKS) && !defined(FENCE_NO_DELAY_POINTS) && !defined(__CHECKER__)
extern unsigned fence_delay_one_in; /* the runtime's switch (core/src/kernel.cpp) */
#define KTREE_POINT(kind, addr)                                                      \
	(__builtin_expect(__atomic_load_n(&fence_delay_one_in, __ATOMIC_RELAXED), 0) \
		 ? ktree_sched_point((kind), (addr))                                 \
		 : (void)0)
#else
#define KTREE_POINT(kind, addr) ((void)0)
#endif
#endif

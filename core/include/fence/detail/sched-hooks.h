/* SPDX-License-Identifier: MIT */
/*
 * fence/detail/sched-hooks.h - instrumentation points for a deterministic
 * scheduler. Internal: included by core headers, never by users.
 *
 * Every place where a thread switch could change the outcome of a race
 * (lock and unlock, atomic flag and refcount operations, RCU read-side
 * boundaries, calls into ops and callbacks, grace-period waits) calls
 * FENCE_SCHED_POINT(). In release builds the macro expands to nothing, so
 * the hooks cost nothing; a scheduler build (FENCE_DSCHED) routes them to
 * fence_sched_point(), which may switch to another logical thread; other
 * debug builds to an optional random delay (below).
 */
#pragma once

enum fence_sched_kind {
	FENCE_SP_LOCK,
	FENCE_SP_UNLOCK,
	FENCE_SP_ATOMIC,
	FENCE_SP_REF,
	FENCE_SP_RCU_LOCK,
	FENCE_SP_RCU_UNLOCK,
	FENCE_SP_OPS_CALL,
	FENCE_SP_CB_CALL,
	FENCE_SP_GRACE_PERIOD,
	FENCE_SP_SLEEP, /* schedule_timeout(): only as a wait, never a plain point */
};

#ifdef FENCE_DSCHED
#include "fence/types.h"

void fence_sched_point(enum fence_sched_kind kind, const void *addr) noexcept;
#define FENCE_SCHED_POINT(kind, addr) fence_sched_point((kind), (addr))

/*
 * The scheduler interface of a FENCE_DSCHED build. A deterministic scheduler
 * (harness/sched.h) registers one table; the core calls it at every
 * FENCE_SCHED_POINT() and wherever a thread has to wait for another one:
 * a contended spinlock (fence_spin_lock_slow()), a grace period
 * (synchronize_rcu(), rcu_barrier() in rcu-dsched.cpp) and a sleep
 * (schedule_timeout()). Without a registered table, or on a thread the
 * scheduler does not run, the points do nothing and the waits spin with
 * sched_yield(), so a dsched build still works single-threaded.
 *
 * @active: true if the calling thread is a logical thread of a running
 *	schedule (only then are @point and @wait called).
 * @point: a place where the scheduler may switch to another thread.
 * @wait: block the calling thread until @ready(@arg) returns true or, if
 *	@deadline >= 0, until virtual time (fence_time_set_virtual()) reaches
 *	@deadline, which the scheduler advances when no thread can run. @ready
 *	is evaluated by whichever thread holds the scheduler's baton, so it must
 *	only read memory and never reach a FENCE_SCHED_POINT(). @what says what
 *	the thread waits for, for deadlock reports.
 *	Return: true if @ready, false if the deadline passed.
 */
typedef bool (*fence_sched_ready_fn)(const void *arg);
struct fence_sched_ops {
	bool (*active)(void);
	void (*point)(enum fence_sched_kind kind, const void *addr);
	bool (*wait)(enum fence_sched_kind kind, const void *addr, fence_sched_ready_fn ready,
		     const void *arg, ktime_t deadline, const char *what);
};

/* fence_sched_register - install @ops (NULL removes). Not while a schedule runs. */
void fence_sched_register(const struct fence_sched_ops *ops) noexcept;

/*
 * fence_time_advance_to - move virtual time forward to @now (never back).
 * The scheduler calls it when every thread sleeps. Context: virtual time on.
 */
void fence_time_advance_to(ktime_t now) noexcept;

/* fence_time_now_virtual - the virtual clock, without advancing it. */
ktime_t fence_time_now_virtual() noexcept;
#elif defined(FENCE_DEBUG_CHECKS) && !defined(FENCE_NO_DELAY_POINTS)
/*
 * Free-running debug builds: delay injection at the same points, in the way
 * KCSAN and rcutorture widen race windows. Off (one relaxed load and a
 * branch) until fence_delay_injection() turns it on; then one point in
 * @fence_delay_one_in, chosen by a per-thread generator, yields or spins a
 * little. fence_torture turns it on (--delays). Real modules (.so) and fuzz
 * binaries define FENCE_NO_DELAY_POINTS: the former link nothing of the
 * core, the latter never turn delays on.
 */
extern unsigned fence_delay_one_in;
void fence_delay_point(enum fence_sched_kind kind) noexcept;
#define FENCE_SCHED_POINT(kind, addr)                                             \
	(__builtin_expect(__atomic_load_n(&fence_delay_one_in, __ATOMIC_RELAXED), 0) \
		 ? fence_delay_point(kind)                                          \
		 : (void)0)
#else
#define FENCE_SCHED_POINT(kind, addr) ((void)0)
#endif

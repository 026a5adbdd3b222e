/* SPDX-License-Identifier: MIT */
/*
 * core/src/sync.h - the sync shim: where the core's own waiting meets the
 * deterministic scheduler. Internal: included by the core's own sources only.
 *
 * Three places in the core wait for another thread: a contended spinlock
 * (kernel.cpp), a grace period and an rcu_barrier() (rcu-dsched.cpp), and a
 * sleep (schedule_timeout(), kernel.cpp). In normal builds they spin, sleep
 * on a condition variable or call liburcu, and fence_dsched_active() is a
 * constant false that compiles the scheduler branches away. In FENCE_DSCHED
 * builds they ask the registered scheduler (fence/detail/sched-hooks.h):
 * a thread that cannot go on is blocked with a predicate and the scheduler
 * runs someone else, so a lock held by a descheduled thread, or a reader
 * that a grace period waits for, makes progress instead of spinning forever
 * on the one thread that holds the baton.
 */
#pragma once

#include "fence/detail/sched-hooks.h"

#ifdef FENCE_DSCHED
/* True if the calling thread runs under an active deterministic schedule. */
bool fence_dsched_active() noexcept;

/*
 * fence_dsched_wait - block until @ready(@arg) (see fence_sched_ops::wait).
 * Only when fence_dsched_active(). Return: true if ready, false on timeout.
 */
bool fence_dsched_wait(enum fence_sched_kind kind, const void *addr, fence_sched_ready_fn ready,
		       const void *arg, ktime_t deadline, const char *what) noexcept;

/*
 * fence_dsched_spin - one turn of a spin-wait (cpu_relax() in a loop that
 * waits for another thread, as the kernel's dma_fence_timestamp() does):
 * block until another logical thread has passed a scheduling point, so a
 * spinner never starves the thread it waits for (a priority scheduler
 * would run it forever). If no other thread can run, the scheduler reports
 * the deadlock. Only when fence_dsched_active().
 */
void fence_dsched_spin(const char *what) noexcept;
#else
static inline bool fence_dsched_active() noexcept { return false; }
static inline bool fence_dsched_wait(enum fence_sched_kind, const void *, bool (*)(const void *),
				     const void *, long long, const char *) noexcept
{
	return true; /* never called: fence_dsched_active() is false */
}
#endif

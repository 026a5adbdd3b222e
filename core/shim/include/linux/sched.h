/* SPDX-License-Identifier: MIT */
/*
 * linux/sched.h (shim) - tasks and sleeping are the runtime's
 * (fence/sched.h): struct task_struct is its per-thread task, current is
 * get_current(), schedule_timeout() really sleeps (or, in a
 * deterministic-scheduler build, blocks the logical thread), a wakeup
 * between set_current_state() and schedule_timeout() is not lost, and a
 * pending signal (fence_signal_raise()) ends interruptible sleeps.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_SCHED_H
#define _FENCEFUZZ_SHIM_LINUX_SCHED_H
#include <limits.h>
#include <linux/types.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/spinlock.h>
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/timer.h>
#include <fencefuzz/ktree-runtime.h>

#define TASK_RUNNING 0x0000
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_NORMAL (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)
#define TASK_KILLABLE TASK_UNINTERRUPTIBLE
#define TASK_COMM_LEN 16
#define MAX_SCHEDULE_TIMEOUT LONG_MAX

struct task_struct; /* the runtime's, opaque */
#define current (ktree_current())
#define set_current_state(state) ktree_set_current_state(state)
#define __set_current_state(state) ktree_set_current_state(state)
static inline long schedule_timeout(long timeout) { return ktree_schedule_timeout(timeout); }
static inline long schedule_timeout_interruptible(long timeout)
{
	set_current_state(TASK_INTERRUPTIBLE);
	return schedule_timeout(timeout);
}
static inline long schedule_timeout_uninterruptible(long timeout)
{
	set_current_state(TASK_UNINTERRUPTIBLE);
	return schedule_timeout(timeout);
}
static inline void schedule(void) { (void)schedule_timeout(MAX_SCHEDULE_TIMEOUT); }
static inline int wake_up_state(struct task_struct *t, unsigned int state) { return ktree_wake_up_state(t, state); }
static inline int wake_up_process(struct task_struct *t) { return ktree_wake_up_state(t, TASK_NORMAL); }
static inline bool signal_pending(struct task_struct *t) { return ktree_signal_pending(t); }
static inline bool fatal_signal_pending(struct task_struct *t) { return false; }
static inline bool signal_pending_state(unsigned int state, struct task_struct *t)
{
	return (state & TASK_INTERRUPTIBLE) && signal_pending(t);
}
#define might_sleep() ktree_might_sleep(__FILE__, __LINE__)
#define might_sleep_if(c) do { if (c) might_sleep(); } while (0)
#define cond_resched() ({ ktree_might_sleep(__FILE__, __LINE__); ktree_yield(); 0; })
static inline void yield(void) { ktree_yield(); }
static inline int yield_to(struct task_struct *p, bool preempt) { ktree_yield(); return 1; }
static inline void get_task_struct(struct task_struct *t) { ktree_get_task_struct(t); }
static inline void put_task_struct(struct task_struct *t) { ktree_put_task_struct(t); }
#ifdef FENCE_DSCHED
/* A spin-wait (dma_fence_timestamp()'s wait for TIMESTAMP) must let the
 * thread it waits for run: the runtime blocks it until another one moved. */
static inline void cpu_relax(void) { ktree_cpu_relax(); }
#else
static inline void cpu_relax(void) { __builtin_ia32_pause(); }
#endif
#endif

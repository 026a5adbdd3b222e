/* SPDX-License-Identifier: MIT */
/*
 * fence/sched.h - time, jiffies, sleeping and signals, as the fence core
 * needs them from <linux/sched.h>, <linux/jiffies.h> and <linux/ktime.h>.
 *
 * Time: ktime_get() is CLOCK_MONOTONIC in nanoseconds. HZ is 1000, so one
 * jiffy is one millisecond and timeouts given in jiffies are milliseconds.
 * jiffies counts from the first use of the clock in this process.
 *
 * Sleeping follows the kernel protocol:
 *
 *	set_current_state(TASK_INTERRUPTIBLE);
 *	if (!condition)
 *		timeout = schedule_timeout(timeout);
 *	__set_current_state(TASK_RUNNING);
 *
 * A wake_up_state()/wake_up_process() between set_current_state() and
 * schedule_timeout() makes schedule_timeout() return at once, so no
 * wakeup is lost. Each thread has its own task_struct (current).
 *
 * Signals: each task has a "signal pending" flag. Tests and the fuzz
 * harness raise it with fence_signal_raise(); interruptible sleeps then
 * end and interruptible waits return -ERESTARTSYS, as when a process gets a
 * signal. fence_signal_clear() plays the part of the signal being handled.
 */
#pragma once

#include <climits>

#include "fence/runtime.h" /* fence_signal_raise(), fence_time_set_virtual(), ... */
#include "fence/types.h"

#define HZ 1000
#define MAX_SCHEDULE_TIMEOUT LONG_MAX

#define NSEC_PER_USEC 1000L
#define NSEC_PER_MSEC 1000000L
#define NSEC_PER_SEC 1000000000L

/* ktime_get - monotonic time in nanoseconds. Context: any. */
ktime_t ktime_get() noexcept;

static inline s64 ktime_to_ns(ktime_t kt) noexcept { return kt; }
static inline ktime_t ns_to_ktime(u64 ns) noexcept { return static_cast<ktime_t>(ns); }
static inline ktime_t ktime_add_ns(ktime_t kt, u64 ns) noexcept
{
	return kt + static_cast<s64>(ns);
}
static inline int ktime_compare(ktime_t a, ktime_t b) noexcept { return a < b ? -1 : a > b; }
static inline bool ktime_after(ktime_t a, ktime_t b) noexcept { return a > b; }
static inline bool ktime_before(ktime_t a, ktime_t b) noexcept { return a < b; }

/* The jiffies counter: ticks of 1/HZ s since the clock's first use. */
unsigned long fence_jiffies() noexcept;
#define jiffies (fence_jiffies())

static inline unsigned long msecs_to_jiffies(unsigned int ms) noexcept
{
	return (static_cast<unsigned long>(ms) * HZ + 999) / 1000;
}
static inline unsigned int jiffies_to_msecs(unsigned long j) noexcept
{
	return static_cast<unsigned int>(j * 1000 / HZ);
}
static inline unsigned long usecs_to_jiffies(unsigned int us) noexcept
{
	return (static_cast<unsigned long>(us) * HZ + 999999) / 1000000;
}

#define TASK_RUNNING 0x0000
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_NORMAL (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)

struct task_struct; /* opaque; one per thread */

/* The calling thread's task. Context: any. */
struct task_struct *get_current() noexcept;
#define current (get_current())

/* set_current_state - announce that the caller is about to sleep in @state. */
void set_current_state(unsigned int state) noexcept;
#define __set_current_state(state) set_current_state(state)

/**
 * schedule_timeout - sleep until woken or until @timeout jiffies pass
 * @timeout: jiffies; MAX_SCHEDULE_TIMEOUT sleeps without a time limit
 *
 * Returns at once if the task was woken since set_current_state(), or, in
 * TASK_INTERRUPTIBLE, if a signal is pending.
 *
 * Context: Process context; must not hold a spinlock (might_sleep()).
 * Return: 0 if the time ran out, else the jiffies that remained
 * (MAX_SCHEDULE_TIMEOUT when called with it).
 */
long schedule_timeout(long timeout) noexcept;

/*
 * wake_up_state - wake @t if it sleeps (or is about to) in one of @state.
 * Context: any, including under a spinlock. Return: 1 if woken.
 */
int wake_up_state(struct task_struct *t, unsigned int state) noexcept;
static inline int wake_up_process(struct task_struct *t) noexcept
{
	return wake_up_state(t, TASK_NORMAL);
}

/* signal_pending - true if @t has a pending signal (see above). */
bool signal_pending(struct task_struct *t) noexcept;


/*
 * might_sleep - the caller may sleep; BUG-like report ("sleeping function
 * called from invalid context") if it holds a spinlock or an RCU read lock.
 * A WARN, so panic_on_warn makes it fatal.
 */
#define might_sleep() fence_might_sleep(__FILE__, __LINE__)
void fence_might_sleep(const char *file, int line) noexcept;

static inline void cpu_relax() noexcept
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}


/* fence_delay_injection(): fence/runtime.h. */

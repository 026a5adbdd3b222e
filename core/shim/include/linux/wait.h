/* SPDX-License-Identifier: MIT */
/*
 * linux/wait.h (shim) - wait_var_event*() and wake_up_var() over one
 * process-wide wait queue in the runtime (the condition is re-checked at
 * least every jiffy, so no wakeup can be lost).
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_WAIT_H
#define _FENCEFUZZ_SHIM_LINUX_WAIT_H
#include <linux/sched.h>
#include <fencefuzz/ktree-runtime.h>

static inline void wake_up_var(void *var) { ktree_wake_up_var(var); }
/* Return: 0 if @timeout jiffies passed with @cond false, else the jiffies left (at least 1). */
#define wait_var_event_timeout(var, cond, timeout)                                   \
	({                                                                           \
		long __ff_left = (timeout);                                          \
		might_sleep();                                                       \
		while (!(cond) && __ff_left > 0)                                     \
			__ff_left = ktree_var_wait((var), __ff_left);                \
		(cond) ? (__ff_left > 0 ? __ff_left : 1) : 0;                        \
	})
#define wait_var_event(var, cond)                                                    \
	do {                                                                         \
		might_sleep();                                                       \
		while (!(cond))                                                      \
			(void)ktree_var_wait((var), MAX_SCHEDULE_TIMEOUT);           \
	} while (0)
#endif

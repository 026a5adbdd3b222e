/* SPDX-License-Identifier: MIT */
/*
 * linux/kthread.h (shim) - kernel threads are pthreads whose current is the
 * runtime's task (so wake_up_process() and signals work on them) and whose
 * RCU registration the runtime does on first use. A thread function that
 * returns before kthread_stop() waits for it, so the task stays valid.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_KTHREAD_H
#define _FENCEFUZZ_SHIM_LINUX_KTHREAD_H
#include <stdio.h>
#include <linux/sched.h>
#include <linux/err.h>
#define kthread_run(fn, data, fmt, ...)                                       \
	({                                                                    \
		char __ff_name[TASK_COMM_LEN];                                \
		snprintf(__ff_name, sizeof(__ff_name), fmt, ##__VA_ARGS__);   \
		ktree_kthread_run((fn), (data), __ff_name);                   \
	})
#define kthread_create kthread_run
static inline bool kthread_should_stop(void) { return ktree_kthread_should_stop(); }
static inline int kthread_stop(struct task_struct *t) { return ktree_kthread_stop(t); }
static inline int kthread_stop_put(struct task_struct *t)
{
	int ret = ktree_kthread_stop(t);

	put_task_struct(t);
	return ret;
}
#endif

/* SPDX-License-Identifier: MIT */
/* linux/delay.h (shim) - msleep() sleeps in the runtime's schedule_timeout(). */
#ifndef _FENCEFUZZ_SHIM_LINUX_DELAY_H
#define _FENCEFUZZ_SHIM_LINUX_DELAY_H
#include <linux/sched.h>
static inline void msleep(unsigned int ms)
{
	long t = (long)msecs_to_jiffies(ms) + 1;

	while (t)
		t = schedule_timeout_uninterruptible(t);
}
static inline void udelay(unsigned long us) { (void)us; }
static inline void usleep_range(unsigned long min, unsigned long max) { msleep((unsigned int)(min / 1000 + 1)); }
#endif

/* SPDX-License-Identifier: MIT */
/* linux/jiffies.h (shim) - the runtime's jiffies (HZ = 1000: one jiffy is a millisecond). */
#ifndef _FENCEFUZZ_SHIM_LINUX_JIFFIES_H
#define _FENCEFUZZ_SHIM_LINUX_JIFFIES_H
#include <limits.h>
#include <linux/types.h>
#include <fencefuzz/ktree-runtime.h>
#define HZ 1000
#define MAX_JIFFY_OFFSET ((LONG_MAX >> 1) - 1)
#define jiffies (ktree_jiffies())
#define time_after(a, b) ((long)((b) - (a)) < 0)
#define time_before(a, b) time_after(b, a)
#define time_after_eq(a, b) ((long)((a) - (b)) >= 0)
#define time_before_eq(a, b) time_after_eq(b, a)
static inline unsigned long msecs_to_jiffies(unsigned int ms) { return ((unsigned long)ms * HZ + 999) / 1000; }
static inline unsigned int jiffies_to_msecs(unsigned long j) { return (unsigned int)(j * 1000 / HZ); }
static inline unsigned long usecs_to_jiffies(unsigned int us) { return ((unsigned long)us * HZ + 999999) / 1000000; }
static inline unsigned long nsecs_to_jiffies(u64 ns) { return (unsigned long)((ns * HZ + 999999999ULL) / 1000000000ULL); }
#endif

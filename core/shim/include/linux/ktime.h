/* SPDX-License-Identifier: MIT */
/* linux/ktime.h (shim) - ktime_t nanoseconds; ktime_get() is the runtime's clock (fence/sched.h). */
#ifndef _FENCEFUZZ_SHIM_LINUX_KTIME_H
#define _FENCEFUZZ_SHIM_LINUX_KTIME_H
#include <linux/types.h>
#include <linux/jiffies.h>
#include <fencefuzz/ktree-runtime.h>
typedef s64 ktime_t;
#define NSEC_PER_USEC 1000L
#define NSEC_PER_MSEC 1000000L
#define NSEC_PER_SEC 1000000000L
#define USEC_PER_SEC 1000000L
#define MSEC_PER_SEC 1000L
#define KTIME_MAX ((s64)~((u64)1 << 63))
static inline ktime_t ktime_get(void) { return ktree_ktime_get(); }
static inline ktime_t ktime_get_raw(void) { return ktree_ktime_get(); }
static inline s64 ktime_to_ns(ktime_t kt) { return kt; }
static inline s64 ktime_to_us(ktime_t kt) { return kt / NSEC_PER_USEC; }
static inline s64 ktime_to_ms(ktime_t kt) { return kt / NSEC_PER_MSEC; }
static inline ktime_t ns_to_ktime(u64 ns) { return (ktime_t)ns; }
static inline ktime_t ms_to_ktime(u64 ms) { return (ktime_t)(ms * NSEC_PER_MSEC); }
static inline ktime_t ktime_add_ns(ktime_t kt, u64 ns) { return kt + (s64)ns; }
static inline ktime_t ktime_add(ktime_t a, ktime_t b) { return a + b; }
static inline ktime_t ktime_sub(ktime_t a, ktime_t b) { return a - b; }
static inline int ktime_compare(ktime_t a, ktime_t b) { return a < b ? -1 : a > b; }
static inline bool ktime_after(ktime_t a, ktime_t b) { return a > b; }
static inline bool ktime_before(ktime_t a, ktime_t b) { return a < b; }
static inline s64 ktime_us_delta(ktime_t later, ktime_t earlier) { return (later - earlier) / NSEC_PER_USEC; }
#endif

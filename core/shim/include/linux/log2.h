/* SPDX-License-Identifier: MIT */
/* linux/log2.h (shim) */
#ifndef _FENCEFUZZ_SHIM_LINUX_LOG2_H
#define _FENCEFUZZ_SHIM_LINUX_LOG2_H
#include <linux/types.h>
static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	return n <= 1 ? 1 : 1UL << (64 - __builtin_clzl(n - 1));
}
static inline bool is_power_of_2(unsigned long n) { return n != 0 && (n & (n - 1)) == 0; }
#endif

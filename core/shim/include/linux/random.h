/* SPDX-License-Identifier: MIT */
/* linux/random.h (shim) - a per-thread generator (seed: env FENCEFUZZ_KTREE_SEED, default 1). */
#ifndef _FENCEFUZZ_SHIM_LINUX_RANDOM_H
#define _FENCEFUZZ_SHIM_LINUX_RANDOM_H
#include <linux/types.h>
#include <fencefuzz/ktree-runtime.h>
static inline u32 get_random_u32(void) { return ktree_get_random_u32(); }
static inline u32 get_random_u32_below(u32 ceil) { return ceil ? (u32)(((u64)get_random_u32() * ceil) >> 32) : 0; }
static inline u32 get_random_u32_inclusive(u32 floor, u32 ceil) { return floor + get_random_u32_below(ceil - floor + 1); }
#endif

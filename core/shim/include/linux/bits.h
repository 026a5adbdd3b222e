/* SPDX-License-Identifier: MIT */
/* linux/bits.h (shim) */
#ifndef _FENCEFUZZ_SHIM_LINUX_BITS_H
#define _FENCEFUZZ_SHIM_LINUX_BITS_H
#define BIT(nr) (1UL << (nr))
#define BIT_ULL(nr) (1ULL << (nr))
#define GENMASK(h, l) (((~0UL) << (l)) & (~0UL >> (63 - (h))))
#endif

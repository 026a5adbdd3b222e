/* SPDX-License-Identifier: MIT */
/* linux/wordpart.h (shim) */
#ifndef _FENCEFUZZ_SHIM_LINUX_WORDPART_H
#define _FENCEFUZZ_SHIM_LINUX_WORDPART_H
#define lower_32_bits(n) ((u32)((n) & 0xffffffff))
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#endif

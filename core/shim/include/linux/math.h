/* SPDX-License-Identifier: MIT */
/* linux/math.h (shim) */
#ifndef _FENCEFUZZ_SHIM_LINUX_MATH_H
#define _FENCEFUZZ_SHIM_LINUX_MATH_H
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define round_up(x, y) ((((x) - 1) | ((y) - 1)) + 1)
#endif

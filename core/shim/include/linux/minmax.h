/* SPDX-License-Identifier: MIT */
/* linux/minmax.h (shim) */
#ifndef _FENCEFUZZ_SHIM_LINUX_MINMAX_H
#define _FENCEFUZZ_SHIM_LINUX_MINMAX_H
#define min(a, b) ({ typeof(a) __ff_a = (a); typeof(b) __ff_b = (b); __ff_a < __ff_b ? __ff_a : __ff_b; })
#define max(a, b) ({ typeof(a) __ff_a = (a); typeof(b) __ff_b = (b); __ff_a > __ff_b ? __ff_a : __ff_b; })
#define min_t(t, a, b) min((t)(a), (t)(b))
#define max_t(t, a, b) max((t)(a), (t)(b))
#define clamp(v, lo, hi) min(max(v, lo), hi)
#endif

/* SPDX-License-Identifier: MIT */
/* linux/sort.h (shim) - sort() is libc's qsort() when no swap function is given. */
#ifndef _FENCEFUZZ_SHIM_LINUX_SORT_H
#define _FENCEFUZZ_SHIM_LINUX_SORT_H
#include <stdlib.h>
#include <linux/bug.h>
typedef int (*cmp_func_t)(const void *a, const void *b);
typedef void (*swap_func_t)(void *a, void *b, int size);
static inline void sort(void *base, size_t num, size_t size, cmp_func_t cmp, swap_func_t swap)
{
	BUG_ON(swap); /* no kernel file of this backend passes one */
	qsort(base, num, size, cmp);
}
#endif

/* SPDX-License-Identifier: MIT */
/* linux/overflow.h (shim) - saturating size arithmetic for allocations. */
#ifndef _FENCEFUZZ_SHIM_LINUX_OVERFLOW_H
#define _FENCEFUZZ_SHIM_LINUX_OVERFLOW_H
#include <linux/types.h>
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
static inline size_t size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}
static inline size_t size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}
/* struct_size - bytes for *@p with @n elements of its flexible array @member. */
#define struct_size(p, member, n) \
	size_add(sizeof(*(p)), size_mul(sizeof(*(p)->member), (n)))
#define struct_size_t(type, member, n) struct_size((type *)NULL, member, n)
#define flex_array_size(p, member, n) size_mul(sizeof(*(p)->member), (n))
#endif

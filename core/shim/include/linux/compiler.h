/* SPDX-License-Identifier: MIT */
/*
 * linux/compiler.h (shim) - likely(), barriers and READ_ONCE()/WRITE_ONCE().
 *
 * READ_ONCE()/WRITE_ONCE() are relaxed atomic accesses (__atomic builtins)
 * for the compiler, so ThreadSanitizer sees them as atomics, as the kernel's
 * KCSAN treats them as marked accesses; sparse sees a volatile access.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_COMPILER_H
#define _FENCEFUZZ_SHIM_LINUX_COMPILER_H

#include <linux/compiler_types.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ __volatile__("" : : : "memory")
#define OPTIMIZER_HIDE_VAR(var) __asm__("" : "=r"(var) : "0"(var))

#ifdef __CHECKER__
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, val) do { *(volatile typeof(x) *)&(x) = (val); } while (0)
#else
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val) __atomic_store_n(&(x), (val), __ATOMIC_RELAXED)
#endif

#define data_race(expr) (expr)
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]) + __must_be_array(arr))

#endif

/* SPDX-License-Identifier: MIT */
/*
 * linux/bug.h (shim) - WARN_ON() and friends, BUG_ON(), over the runtime's
 * fence_warn_slow()/fence_bug(): "WARNING: file:line: WARN_ON(cond)" with
 * the kernel file's name and line, then panic_on_warn unless the thread is
 * inside a fence::expect_warn scope.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_BUG_H
#define _FENCEFUZZ_SHIM_LINUX_BUG_H
#include <linux/compiler.h>
#include <fencefuzz/ktree-runtime.h>

#define WARN_ON(cond)                                                     \
	({                                                                \
		int __ff_c = !!(cond);                                    \
		if (unlikely(__ff_c))                                     \
			ktree_warn(__FILE__, __LINE__, #cond, NULL);      \
		unlikely(__ff_c);                                         \
	})
#define WARN(cond, fmt...)                                                \
	({                                                                \
		int __ff_c = !!(cond);                                    \
		if (unlikely(__ff_c))                                     \
			ktree_warn(__FILE__, __LINE__, #cond, fmt);       \
		unlikely(__ff_c);                                         \
	})
#define WARN_ON_ONCE(cond)                                                \
	({                                                                \
		static bool __ff_warned;                                  \
		int __ff_c = !!(cond);                                    \
		if (unlikely(__ff_c) && !__atomic_exchange_n(&__ff_warned, true, __ATOMIC_RELAXED)) \
			ktree_warn(__FILE__, __LINE__, #cond, NULL);      \
		unlikely(__ff_c);                                         \
	})
#define WARN_ONCE(cond, fmt...)                                           \
	({                                                                \
		static bool __ff_warned;                                  \
		int __ff_c = !!(cond);                                    \
		if (unlikely(__ff_c) && !__atomic_exchange_n(&__ff_warned, true, __ATOMIC_RELAXED)) \
			ktree_warn(__FILE__, __LINE__, #cond, fmt);       \
		unlikely(__ff_c);                                         \
	})
#define BUG_ON(cond)                                                      \
	do {                                                              \
		if (unlikely(cond))                                       \
			ktree_bug(__FILE__, __LINE__, #cond);             \
	} while (0)
#define BUG() ktree_bug(__FILE__, __LINE__, "BUG()")
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")
#define BUILD_BUG_ON_MSG(cond, msg) _Static_assert(!(cond), msg)
#define BUILD_BUG_ON_ZERO(e) (0)
#endif

/* SPDX-License-Identifier: MIT */
/*
 * fence/bug.h - WARN_ON(), WARN(), BUG_ON() and the panic_on_warn switch.
 *
 * WARN_ON(cond) prints "file:line: WARNING: cond" and evaluates to cond, as
 * in the kernel. With panic_on_warn set (the default of every fencefuzz
 * build, as syzkaller sets it), a WARN then aborts, so fuzzers and tests see
 * API misuse as crashes. A test that provokes a WARN on purpose declares it
 * with a fence::expect_warn scope on the warning thread:
 *
 *	{
 *		fence::expect_warn w;
 *		dma_fence_set_error(signaled_fence, -EIO);	// WARNs
 *		EXPECT_EQ(w.count(), 1);
 *	}
 *
 * BUG_ON(cond) and fence_die() report an impossible state and abort always.
 */
#pragma once

#include <atomic>

#include "fence/runtime.h"
#include "fence/types.h"

extern "C++" {

/* fence_warn_slow(), fence_bug(), fence_die(): fence/runtime.h. */

static inline bool fence_warn_on(bool c, const char *file, int line, const char *cond) noexcept
{
	if (unlikely(c))
		fence_warn_slow(file, line, cond, nullptr);
	return c;
}

} /* extern "C++" */

#define WARN_ON(cond) fence_warn_on(!!(cond), __FILE__, __LINE__, #cond)
#define WARN(cond, ...)                                                                   \
	([&]() noexcept -> bool {                                                         \
		const bool __warn_c = !!(cond);                                           \
		if (unlikely(__warn_c))                                                   \
			fence_warn_slow(__FILE__, __LINE__, #cond, __VA_ARGS__);          \
		return __warn_c;                                                          \
	}())
#define BUG_ON(cond)                                                                      \
	do {                                                                              \
		if (unlikely(cond))                                                       \
			fence_bug(__FILE__, __LINE__, #cond);                             \
	} while (0)
#define BUG() fence_bug(__FILE__, __LINE__, "BUG()")

/*
 * FENCE_ASSERT_DEBUG - an expensive invariant, checked in debug, sanitizer
 * and fuzz builds (FENCE_DEBUG_CHECKS) and compiled away in release.
 */
#ifdef FENCE_DEBUG_CHECKS
#define FENCE_ASSERT_DEBUG(cond) BUG_ON(!(cond))
#else
#define FENCE_ASSERT_DEBUG(cond) ((void)sizeof(!(cond)))
#endif

/* fence::panic_on_warn, warn_count(), expect_warn, set_warn_hook(): fence/runtime.h. */

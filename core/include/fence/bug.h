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

#include "fence/types.h"

extern "C++" {

/* Slow paths: print, then abort if the WARN is fatal. Never inline. */
[[gnu::cold, gnu::noinline]] void fence_warn_slow(const char *file, int line, const char *cond,
						  const char *fmt, ...) noexcept
	__attribute__((format(printf, 4, 5)));
[[noreturn, gnu::cold]] void fence_bug(const char *file, int line, const char *cond) noexcept;
[[noreturn, gnu::cold]] void fence_die(const char *fmt, ...) noexcept
	__attribute__((format(printf, 1, 2)));

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

namespace fence {

/* Whether a WARN aborts. Defaults to true (panic_on_warn), see above. */
extern std::atomic<bool> panic_on_warn;

/* Total WARNs printed by this process; tests compare before/after. */
unsigned long warn_count() noexcept;

/*
 * expect_warn - while alive, WARNs on this thread are counted and printed
 * but not fatal. Scopes nest. count() is the number of WARNs this scope saw.
 */
class expect_warn {
public:
	expect_warn() noexcept;
	~expect_warn();
	expect_warn(const expect_warn &) = delete;
	expect_warn &operator=(const expect_warn &) = delete;
	unsigned count() const noexcept { return count_; }

private:
	friend void ::fence_warn_slow(const char *, int, const char *, const char *, ...) noexcept;
	expect_warn *outer_;
	unsigned count_ = 0;
};

/*
 * set_warn_hook - called for every WARN before it is judged fatal, with the
 * formatted message. Used by the harness to note WARNs as an oracle; pass
 * nullptr to remove. Not thread-safe against concurrent WARNs while set.
 */
using warn_hook_fn = void (*)(const char *msg) noexcept;
void set_warn_hook(warn_hook_fn fn) noexcept;

} // namespace fence

/* SPDX-License-Identifier: MIT */
/*
 * fence/runtime.h - the runtime's own services, with no kernel name in them.
 *
 * Everything here is the runtime both fence cores run on (core/src/kernel.cpp,
 * the RCU back end of the flavour): the port, and a kernel tree's own
 * dma-fence.c over the shims (core/shim). A harness built over either core
 * (harness/include/harness/core_api.h) calls these besides the kernel API; they are
 * declared here once, and the port's kernel-named headers (slab.h, rcu.h,
 * sched.h, bug.h) include this file rather than repeat them. Nothing here
 * may clash with a kernel name the shims define (kmalloc, WARN_ON, ...).
 */
#pragma once

#include <atomic>
#include <cstdint>

struct task_struct;

extern "C++" {

/* Slow paths of WARN/BUG: print, then abort if the WARN is fatal. Never inline. */
[[gnu::cold, gnu::noinline]] void fence_warn_slow(const char *file, int line, const char *cond,
						  const char *fmt, ...) noexcept
	__attribute__((format(printf, 4, 5)));
[[noreturn, gnu::cold]] void fence_bug(const char *file, int line, const char *cond) noexcept;
[[noreturn, gnu::cold]] void fence_die(const char *fmt, ...) noexcept
	__attribute__((format(printf, 1, 2)));

/* Objects allocated by kmalloc() and not yet freed, process-wide. */
long fence_slab_live() noexcept;

/*
 * fence_failslab_nth - make the @n-th next allocation on this thread fail
 * (1 = the very next one); 0 disables. Return: the previous setting.
 */
unsigned long fence_failslab_nth(unsigned long n) noexcept;

/* Read-side nesting depth of the calling thread. */
extern thread_local int fence_rcu_nesting;

/* fence_rcu_pending - callbacks queued and not yet run. */
long fence_rcu_pending() noexcept;

/*
 * fence_rcu_set_auto_reclaim - whether a background thread runs deferred
 * callbacks (true, the default) or only rcu_barrier() does (false).
 * Return: the previous setting.
 */
bool fence_rcu_set_auto_reclaim(bool on) noexcept;

/* fence_rcu_gp_count - grace periods completed so far (synchronize_rcu calls). */
unsigned long fence_rcu_gp_count() noexcept;

/* Raise / clear @t's pending signal; raising wakes an interruptible sleep. */
void fence_signal_raise(struct task_struct *t) noexcept;
void fence_signal_clear(struct task_struct *t) noexcept;

/*
 * Virtual time, for single-threaded replay: while enabled, ktime_get()
 * returns a counter that advances by 1 us per call, and schedule_timeout()
 * does not sleep: a sleep that no wakeup or pending signal ends advances
 * virtual time by the timeout and returns 0, and one without a timeout
 * (MAX_SCHEDULE_TIMEOUT) is a deadlock, reported with fence_die(). So
 * timestamps are reproducible byte for byte and a wait costs nothing.
 * Only for programs where no other thread could wake the sleeper.
 * Return: the previous setting.
 */
bool fence_time_set_virtual(bool on) noexcept;
bool fence_time_is_virtual() noexcept;

/*
 * fence_delay_injection - random delays at the core's scheduling points
 * (fence/detail/sched-hooks.h; a kernel tree's files: fencefuzz/ktree-points.h) in free-running debug builds: from now on,
 * about one point in @one_in (0: off, the default) yields the CPU or spins
 * for up to a few microseconds, so that race windows a few instructions
 * wide stay open long enough for another thread to hit them (rcutorture's
 * and KCSAN's technique). @seed makes each thread's choices differ per run.
 * Return: false, and nothing changes, in builds without the points
 * (release and FENCE_DSCHED builds, where a scheduler decides instead).
 */
bool fence_delay_injection(unsigned one_in, uint64_t seed) noexcept;

} /* extern "C++" */

namespace fence {

/* Whether a WARN aborts. Defaults to true (panic_on_warn), fence/bug.h. */
extern std::atomic<bool> panic_on_warn;

/* Total WARNs printed by this process; tests compare before/after. */
unsigned long warn_count() noexcept;

/*
 * expect_warn - while alive, WARNs on this thread are counted and printed
 * (quietly: counted only, when @print is false) but not fatal. Scopes nest.
 * count() is the number of WARNs this scope saw. The warn hook sees every
 * WARN either way.
 */
class expect_warn {
public:
	explicit expect_warn(bool print = true) noexcept;
	~expect_warn();
	expect_warn(const expect_warn &) = delete;
	expect_warn &operator=(const expect_warn &) = delete;
	unsigned count() const noexcept { return count_; }

private:
	friend void ::fence_warn_slow(const char *, int, const char *, const char *, ...) noexcept;
	expect_warn *outer_;
	unsigned count_ = 0;
	bool print_;
};

/*
 * set_warn_hook - called for every WARN before it is judged fatal, with the
 * formatted message. Used by the harness to note WARNs as an oracle; pass
 * nullptr to remove. Not thread-safe against concurrent WARNs while set.
 */
using warn_hook_fn = void (*)(const char *msg) noexcept;
void set_warn_hook(warn_hook_fn fn) noexcept;

} // namespace fence

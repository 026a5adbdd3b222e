// SPDX-License-Identifier: MIT
/*
 * DOC: kernel primitives for the fence core
 *
 * WARN/BUG reporting, the slab allocator with accounting and failslab,
 * spinlock slow path, per-thread ids, time, jiffies, tasks, sleeping and
 * signals. These are the pieces of the kernel the dma_fence core leans on,
 * emulated with real semantics: a spinlock excludes, a sleep sleeps, a
 * wakeup between set_current_state() and schedule_timeout() is not lost.
 */
#include <sched.h>
#include <unistd.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "fence/bug.h"
#include "fence/oracle.h"
#include "fence/rcu.h"
#include "fence/sched.h"
#include "fence/slab.h"
#include "fence/spinlock.h"
#include "sync.h"

/* ---- WARN / BUG -------------------------------------------------------- */

namespace fence {
std::atomic<bool> panic_on_warn{true};
namespace {
std::atomic<unsigned long> g_warn_count{0};
std::atomic<warn_hook_fn> g_warn_hook{nullptr};
thread_local expect_warn *t_expect = nullptr;
} // namespace

unsigned long warn_count() noexcept { return g_warn_count.load(std::memory_order_relaxed); }
void set_warn_hook(warn_hook_fn fn) noexcept { g_warn_hook.store(fn); }

expect_warn::expect_warn(bool print) noexcept : outer_(t_expect), print_(print) { t_expect = this; }
expect_warn::~expect_warn() { t_expect = outer_; }
} // namespace fence

void fence_oracle(const char *kind, const char *signature) noexcept
{
	char buf[160];
	size_t n = 0;
	auto put = [&](const char *s, size_t max, bool clean) {
		bool dash = false;
		for (size_t i = 0; s && s[i] && i < max && n < sizeof(buf) - 2; i++) {
			char c = s[i];
			const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					(c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
					c == '-';
			if (clean && !ok) {
				if (dash)
					continue; /* one '-' for a run of others */
				c = '-';
			}
			dash = clean && c == '-';
			buf[n++] = c;
		}
	};
	put("fencefuzz: ORACLE ", 64, false);
	put(kind, 16, true);
	buf[n++] = ' ';
	put(signature && *signature ? signature : "unknown", 96, true);
	while (n > 0 && buf[n - 1] == '-')
		n--;
	buf[n++] = '\n';
	(void)!write(2, buf, n);
}

namespace {
const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}
} // namespace

void fence_warn_slow(const char *file, int line, const char *cond, const char *fmt, ...) noexcept
{
	char msg[1024];
	int n = snprintf(msg, sizeof(msg), "WARNING: %s:%d: WARN_ON(%s)", file, line, cond);
	if (fmt && n > 0 && static_cast<size_t>(n) < sizeof(msg)) {
		msg[n++] = '\n';
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
		va_end(ap);
	}
	size_t len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = 0;
	fence::g_warn_count.fetch_add(1, std::memory_order_relaxed);
	if (auto hook = fence::g_warn_hook.load())
		hook(msg);
	if (!fence::t_expect || fence::t_expect->print_)
		fprintf(stderr, "%s\n", msg);
	if (fence::t_expect) {
		fence::t_expect->count_++;
		return;
	}
	if (fence::panic_on_warn.load(std::memory_order_relaxed)) {
		fprintf(stderr, "Kernel panic - not syncing: panic_on_warn set\n");
		fflush(stderr);
		char sig[256];
		snprintf(sig, sizeof(sig), "%s:%d:%s", base_name(file), line, cond);
		fence_oracle("warn", sig);
		abort();
	}
}

void fence_bug(const char *file, int line, const char *cond) noexcept
{
	fprintf(stderr, "kernel BUG at %s:%d: %s\n", file, line, cond);
	fflush(stderr);
	/* The debug builds' checks of the locking and RCU rules are BUG_ONs of
	 * rcu_read_lock_held(), lockdep_assert_held() and friends. */
	const bool lockdep = strstr(cond, "rcu_read_lock_held") || strstr(cond, "lockdep") ||
			     strstr(cond, "_held(");
	char sig[256];
	snprintf(sig, sizeof(sig), "%s:%d", base_name(file), line);
	fence_oracle(lockdep ? "lockdep" : "bug", sig);
	abort();
}

void fence_die(const char *fmt, ...) noexcept
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "fencefuzz: fatal: %s\n", msg);
	fflush(stderr);
	if (strncmp(msg, "spinlock recursion", 18) == 0)
		fence_oracle("deadlock", "spinlock-recursion");
	else
		fence_oracle("bug", msg);
	abort();
}

/* ---- slab ---------------------------------------------------------------- */

namespace {
std::atomic<long> g_slab_live{0};
thread_local unsigned long t_failslab = 0;
} // namespace

void *kmalloc(size_t size, gfp_t gfp) noexcept
{
	if (unlikely(t_failslab) && --t_failslab == 0)
		return nullptr;
	void *p = (gfp & __GFP_ZERO) ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
	if (p)
		g_slab_live.fetch_add(1, std::memory_order_relaxed);
	return p;
}

void *kcalloc(size_t n, size_t size, gfp_t gfp) noexcept
{
	if (size && n > SIZE_MAX / size)
		return nullptr;
	return kmalloc(n * size, gfp | __GFP_ZERO);
}

void kfree(const void *p) noexcept
{
	if (!p)
		return;
	g_slab_live.fetch_sub(1, std::memory_order_relaxed);
	free(const_cast<void *>(p));
}

long fence_slab_live() noexcept { return g_slab_live.load(std::memory_order_relaxed); }

unsigned long fence_failslab_nth(unsigned long n) noexcept
{
	unsigned long old = t_failslab;
	t_failslab = n;
	return old;
}

/* ---- spinlock -------------------------------------------------------------- */

thread_local int fence_preempt_count = 0;

unsigned int fence_thread_id() noexcept
{
	static std::atomic<unsigned int> next{1};
	thread_local unsigned int id = next.fetch_add(1, std::memory_order_relaxed);
	return id;
}

namespace {
[[maybe_unused]] bool spin_is_free(const void *lock) noexcept
{
	return !spin_is_locked(static_cast<spinlock_t *>(const_cast<void *>(lock)));
}
} // namespace

void fence_spin_lock_slow(spinlock_t *lock) noexcept
{
	std::atomic_ref<int> l(lock->locked);
	if (std::atomic_ref<unsigned int>(lock->owner).load(std::memory_order_relaxed) ==
	    fence_thread_id())
		fence_die("spinlock recursion: lock %p already held by this thread",
			  static_cast<void *>(lock));
	if (fence_dsched_active()) {
		/*
		 * Deterministic scheduler: the holder is a descheduled logical
		 * thread, so spinning would never end. Block until the lock is
		 * free and let the scheduler run someone else meanwhile.
		 */
		for (;;) {
			fence_dsched_wait(FENCE_SP_LOCK, lock, spin_is_free, lock, -1, "spinlock");
			if (!l.exchange(1, std::memory_order_acquire))
				return;
		}
	}
	for (unsigned spins = 0;; spins++) {
		if (l.load(std::memory_order_relaxed) == 0 &&
		    !l.exchange(1, std::memory_order_acquire))
			return;
		/* Two cores and many threads: spin briefly, then let the holder run. */
		if (spins < 64)
			cpu_relax();
		else
			sched_yield();
	}
}

/* ---- time ---------------------------------------------------------------- */

namespace {
std::atomic<bool> g_virtual_time{false};
std::atomic<ktime_t> g_virtual_now{NSEC_PER_SEC};
constexpr ktime_t kVirtualTick = NSEC_PER_USEC;
} // namespace

bool fence_time_set_virtual(bool on) noexcept { return g_virtual_time.exchange(on); }
bool fence_time_is_virtual() noexcept { return g_virtual_time.load(std::memory_order_relaxed); }

/* ---- delay injection (fence/detail/sched-hooks.h) ----------------------------- */

#if defined(FENCE_DEBUG_CHECKS) && !defined(FENCE_DSCHED) && !defined(FENCE_NO_DELAY_POINTS)
unsigned fence_delay_one_in; /* atomic (__atomic builtins): read at every point */

namespace {
std::atomic<u64> g_delay_seed{0};
thread_local u64 t_delay_rng;
} // namespace

void fence_delay_point(enum fence_sched_kind) noexcept
{
	u64 x = t_delay_rng;
	if (!x) /* first point on this thread: the run's seed, told apart per thread */
		x = (g_delay_seed.load(std::memory_order_relaxed) ^
		     reinterpret_cast<uintptr_t>(&t_delay_rng) * 0x9e3779b97f4a7c15ull) | 1;
	x ^= x << 13; /* xorshift64 */
	x ^= x >> 7;
	x ^= x << 17;
	t_delay_rng = x;
	const unsigned one_in = __atomic_load_n(&fence_delay_one_in, __ATOMIC_RELAXED);
	if (!one_in || x % one_in)
		return;
	if ((x >> 32) % 4 == 0) {
		sched_yield();
	} else {
		for (unsigned i = 0, n = (x >> 40) % 4096; i < n; i++)
			cpu_relax();
	}
}

bool fence_delay_injection(unsigned one_in, u64 seed) noexcept
{
	g_delay_seed.store(seed, std::memory_order_relaxed);
	__atomic_store_n(&fence_delay_one_in, one_in, __ATOMIC_RELAXED);
	return true;
}
#else
bool fence_delay_injection(unsigned, u64) noexcept { return false; }
#endif

#ifdef FENCE_DSCHED
void fence_time_advance_to(ktime_t now) noexcept
{
	ktime_t cur = g_virtual_now.load(std::memory_order_relaxed);
	while (now > cur && !g_virtual_now.compare_exchange_weak(cur, now)) {
	}
}

ktime_t fence_time_now_virtual() noexcept { return g_virtual_now.load(std::memory_order_relaxed); }
#endif

ktime_t ktime_get() noexcept
{
	if (g_virtual_time.load(std::memory_order_relaxed))
		return g_virtual_now.fetch_add(kVirtualTick, std::memory_order_relaxed) + kVirtualTick;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<ktime_t>(ts.tv_sec) * NSEC_PER_SEC + ts.tv_nsec;
}

namespace {
ktime_t jiffies_epoch() noexcept
{
	static const ktime_t epoch = ktime_get();
	return epoch;
}
} // namespace

unsigned long fence_jiffies() noexcept
{
	if (g_virtual_time.load(std::memory_order_relaxed))
		return static_cast<unsigned long>(g_virtual_now.load() / (NSEC_PER_SEC / HZ));
	return static_cast<unsigned long>((ktime_get() - jiffies_epoch()) / (NSEC_PER_SEC / HZ));
}

/* ---- tasks, sleeping, signals ------------------------------------------------ */

struct task_struct {
	std::mutex m;
	std::condition_variable cv;
	unsigned int state = TASK_RUNNING; /* under m */
	std::atomic<bool> sigpending{false};
};

struct task_struct *get_current() noexcept
{
	thread_local task_struct self;
	return &self;
}

void set_current_state(unsigned int state) noexcept
{
	task_struct *t = current;
	std::lock_guard<std::mutex> g(t->m);
	t->state = state;
}

#ifdef FENCE_DSCHED
namespace {
/* Read by the scheduler's baton holder while @t's owner is blocked. */
bool task_may_run(const void *arg) noexcept
{
	auto *t = static_cast<const task_struct *>(arg);
	return t->state == TASK_RUNNING ||
	       ((t->state & TASK_INTERRUPTIBLE) && t->sigpending.load(std::memory_order_relaxed));
}

/*
 * schedule_timeout() under the deterministic scheduler: block the logical
 * thread until a wakeup (or a pending signal) or until the virtual clock,
 * which the scheduler advances only when every thread is blocked, passes
 * the deadline. t->m is not held while blocked: the waker takes it in
 * wake_up_state(), on another logical thread.
 */
long dsched_schedule_timeout(task_struct *t, long timeout) noexcept
{
	constexpr ktime_t jiffy = NSEC_PER_SEC / HZ;
	if (timeout < 0) {
		fprintf(stderr, "schedule_timeout: wrong timeout value %lx\n", timeout);
		timeout = 0;
	}
	const ktime_t deadline = timeout == MAX_SCHEDULE_TIMEOUT
					 ? -1
					 : g_virtual_now.load() + static_cast<ktime_t>(timeout) * jiffy;
	const bool woken = fence_dsched_wait(FENCE_SP_SLEEP, t, task_may_run, t, deadline,
					     timeout == MAX_SCHEDULE_TIMEOUT
						     ? "schedule_timeout(MAX_SCHEDULE_TIMEOUT)"
						     : "schedule_timeout");
	{
		std::lock_guard<std::mutex> g(t->m);
		t->state = TASK_RUNNING;
	}
	if (timeout == MAX_SCHEDULE_TIMEOUT)
		return MAX_SCHEDULE_TIMEOUT;
	const ktime_t left = deadline - g_virtual_now.load();
	if (!woken || left <= 0)
		return 0;
	return static_cast<long>((left + jiffy - 1) / jiffy);
}
} // namespace
#endif

long schedule_timeout(long timeout) noexcept
{
	might_sleep();
	task_struct *t = current;
#ifdef FENCE_DSCHED
	if (fence_dsched_active())
		return dsched_schedule_timeout(t, timeout);
#endif
	std::unique_lock<std::mutex> g(t->m);
	auto stop = [t] {
		return t->state == TASK_RUNNING ||
		       ((t->state & TASK_INTERRUPTIBLE) &&
			t->sigpending.load(std::memory_order_relaxed));
	};
	if (g_virtual_time.load(std::memory_order_relaxed)) {
		/* Nobody else can wake us: either we may go on now, or time passes. */
		if (!stop()) {
			if (timeout == MAX_SCHEDULE_TIMEOUT)
				fence_die("schedule_timeout(MAX_SCHEDULE_TIMEOUT) in virtual time with "
					  "no wakeup pending: this sleep would never end (deadlock)");
			g_virtual_now.fetch_add(static_cast<ktime_t>(timeout) * (NSEC_PER_SEC / HZ));
			t->state = TASK_RUNNING;
			return 0;
		}
		t->state = TASK_RUNNING;
		return timeout;
	}
	if (timeout == MAX_SCHEDULE_TIMEOUT) {
		t->cv.wait(g, stop);
		t->state = TASK_RUNNING;
		return MAX_SCHEDULE_TIMEOUT;
	}
	if (timeout < 0) {
		fprintf(stderr, "schedule_timeout: wrong timeout value %lx\n", timeout);
		timeout = 0;
	}
	const ktime_t start = ktime_get();
	const ktime_t expire = start + static_cast<ktime_t>(timeout) * (NSEC_PER_SEC / HZ);
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(expire - start);
	t->cv.wait_until(g, deadline, stop);
	t->state = TASK_RUNNING;
	const ktime_t left = expire - ktime_get();
	if (left <= 0)
		return 0;
	/* Round up: a wakeup before the deadline leaves at least one jiffy. */
	return static_cast<long>((left + NSEC_PER_SEC / HZ - 1) / (NSEC_PER_SEC / HZ));
}

int wake_up_state(struct task_struct *t, unsigned int state) noexcept
{
	std::lock_guard<std::mutex> g(t->m);
	if (!(t->state & state))
		return 0;
	t->state = TASK_RUNNING;
	t->cv.notify_all();
	return 1;
}

bool signal_pending(struct task_struct *t) noexcept
{
	return t->sigpending.load(std::memory_order_acquire);
}

void fence_signal_raise(struct task_struct *t) noexcept
{
	t->sigpending.store(true, std::memory_order_release);
	std::lock_guard<std::mutex> g(t->m);
	t->cv.notify_all();
}

void fence_signal_clear(struct task_struct *t) noexcept
{
	t->sigpending.store(false, std::memory_order_release);
}

void fence_might_sleep(const char *file, int line) noexcept
{
	if (unlikely(in_atomic() || rcu_read_lock_held()))
		WARN(true,
		     "BUG: sleeping function called from invalid context at %s:%d\n"
		     "in_atomic(): %d, rcu_read_lock_held(): %d",
		     file, line, in_atomic(), rcu_read_lock_held());
}

/* ---- deterministic scheduler hooks (FENCE_DSCHED builds) ----------------------- */

#ifdef FENCE_DSCHED
namespace {
std::atomic<const struct fence_sched_ops *> g_sched_ops{nullptr};
// Scheduling points passed under an active schedule, by any logical thread:
// a spinning thread waits for it to move (fence_dsched_spin()).
std::atomic<unsigned long> g_sched_steps{0};
} // namespace

void fence_sched_register(const struct fence_sched_ops *ops) noexcept
{
	/* Pairs with the acquire loads below. */
	g_sched_ops.store(ops, std::memory_order_release);
}

void fence_sched_point(enum fence_sched_kind kind, const void *addr) noexcept
{
	const struct fence_sched_ops *ops = g_sched_ops.load(std::memory_order_acquire);
	if (ops && ops->active()) {
		g_sched_steps.fetch_add(1, std::memory_order_relaxed);
		ops->point(kind, addr);
	}
}

void fence_dsched_spin(const char *what) noexcept
{
	const unsigned long seen = g_sched_steps.load(std::memory_order_relaxed);
	fence_dsched_wait(
		FENCE_SP_ATOMIC, &g_sched_steps,
		[](const void *arg) {
			return g_sched_steps.load(std::memory_order_relaxed) !=
			       *static_cast<const unsigned long *>(arg);
		},
		&seen, -1, what);
}

bool fence_dsched_active() noexcept
{
	const struct fence_sched_ops *ops = g_sched_ops.load(std::memory_order_acquire);
	return ops && ops->active();
}

bool fence_dsched_wait(enum fence_sched_kind kind, const void *addr, fence_sched_ready_fn ready,
		       const void *arg, ktime_t deadline, const char *what) noexcept
{
	const struct fence_sched_ops *ops = g_sched_ops.load(std::memory_order_acquire);
	BUG_ON(!ops || !ops->active());
	return ops->wait(kind, addr, ready, arg, deadline, what);
}
#endif

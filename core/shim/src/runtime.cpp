// SPDX-License-Identifier: MIT
/*
 * DOC: the runtime, for kernel files (core/shim)
 *
 * The extern "C" entry points of fencefuzz/ktree-runtime.h, each a thin
 * call into the runtime the port uses: spinlock_t, struct kref, RCU, slab,
 * WARN/BUG, time and tasks come from core/ (the fence headers, kernel.cpp, the RCU
 * back end of the flavour this file is built in), so the kernel files'
 * locks, read-side sections, allocations and sleeps are the port's, seen
 * by the same lockdep-lite checks, leak counts, TSan annotations and
 * deterministic-scheduler hooks.
 *
 * What the port does not need and the kernel files do is added here, on
 * the same primitives: a sleeping mutex (the ww_mutex base of dma-resv),
 * kthreads, timers, irq_work (run on the queuing thread when it leaves its
 * last spinlock), wait_var_event(), kmem_cache, allocation
 * sites for leak reports, and the module registry of the selftest runner.
 */
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "fence/bug.h"
#include "fence/kref.h"
#include "fence/rcu.h"
#include "fence/sched.h"
#include "fence/slab.h"
#include "fence/spinlock.h"
#include "../include/fencefuzz/ktree-runtime.h" /* not the shim include path: its <linux/errno.h> */
#include "sync.h"

static_assert(sizeof(spinlock_t) == KTREE_SPINLOCK_SIZE && alignof(spinlock_t) == KTREE_SPINLOCK_ALIGN,
	      "the C shim's spinlock_t must match fence/spinlock.h");
static_assert(sizeof(struct kref) == KTREE_KREF_SIZE, "the C shim's struct kref must match fence/kref.h");
static_assert(sizeof(struct rcu_head) == KTREE_RCU_HEAD_SIZE &&
		      alignof(struct rcu_head) == KTREE_RCU_HEAD_ALIGN,
	      "the C shim's struct rcu_head must match fence/rcu.h");

namespace {
spinlock_t *as_lock(void *l) noexcept { return static_cast<spinlock_t *>(l); }
struct kref *as_kref(void *k) noexcept { return static_cast<struct kref *>(k); }

/*
 * Wait until @ready(@arg): the spinlock slow path's strategy. Under an
 * active deterministic schedule, block the logical thread (the scheduler
 * runs the one that can make @ready true); otherwise spin briefly, then
 * yield, then sleep a little.
 */
void wait_until(bool (*ready)(const void *), const void *arg, const char *what) noexcept
{
	if (fence_dsched_active()) {
		fence_dsched_wait(FENCE_SP_LOCK, arg, ready, arg, -1, what);
		return;
	}
	for (unsigned spins = 0; !ready(arg); spins++) {
		if (spins < 64)
			cpu_relax();
		else if (spins < 1024)
			sched_yield();
		else
			std::this_thread::sleep_for(std::chrono::microseconds(50));
	}
}
} // namespace

namespace {
void irq_work_after_unlock() noexcept;
}

/* ---- spinlock ---------------------------------------------------------------- */

extern "C" void ktree_spin_lock_init(void *l) noexcept { spin_lock_init(as_lock(l)); }

extern "C" void ktree_spin_lock(void *l, const char *file, int line) noexcept
{
	/* The runtime dies on recursion too; say where, in the kernel file. */
	if (unlikely(lockdep_is_held(as_lock(l))))
		fence_die("%s:%d: spinlock recursion: lock %p already held by this thread", file, line, l);
	spin_lock(as_lock(l));
}

extern "C" void ktree_spin_unlock(void *l, const char *file, int line) noexcept
{
	if (unlikely(!lockdep_is_held(as_lock(l))))
		fence_die("%s:%d: spin_unlock(%p) by a thread that does not hold it", file, line, l);
	spin_unlock(as_lock(l));
	irq_work_after_unlock();
}

extern "C" int ktree_spin_trylock(void *l) noexcept
{
	spinlock_t *lock = as_lock(l);
	FENCE_SCHED_POINT(FENCE_SP_LOCK, lock);
	/* Pairs with the release store in spin_unlock(). */
	if (std::atomic_ref<int>(lock->locked).exchange(1, std::memory_order_acquire))
		return 0;
	std::atomic_ref<unsigned int>(lock->owner).store(fence_thread_id(), std::memory_order_relaxed);
	fence_preempt_count++;
	return 1;
}

extern "C" bool ktree_spin_is_locked(void *l) noexcept { return spin_is_locked(as_lock(l)); }
extern "C" bool ktree_spin_is_held(const void *l) noexcept
{
	return lockdep_is_held(static_cast<const spinlock_t *>(l));
}
extern "C" bool ktree_in_atomic(void) noexcept { return in_atomic(); }

/* ---- mutex ---------------------------------------------------------------------- */

namespace {
bool mutex_free(const void *m) noexcept
{
	auto *s = static_cast<ktree_mutex_state *>(const_cast<void *>(m));
	return std::atomic_ref<unsigned int>(s->locked).load(std::memory_order_relaxed) == 0;
}
} // namespace

extern "C" int ktree_mutex_trylock(struct ktree_mutex_state *m) noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_LOCK, m);
	unsigned int expected = 0;
	/* Pairs with the release store in ktree_mutex_unlock(). */
	if (!std::atomic_ref<unsigned int>(m->locked).compare_exchange_strong(
		    expected, 1, std::memory_order_acquire, std::memory_order_relaxed))
		return 0;
	std::atomic_ref<unsigned int>(m->owner).store(fence_thread_id(), std::memory_order_relaxed);
	return 1;
}

extern "C" void ktree_mutex_lock(struct ktree_mutex_state *m, const char *file, int line) noexcept
{
	fence_might_sleep(file, line);
	if (unlikely(ktree_mutex_is_held(m)))
		fence_die("%s:%d: mutex recursion: mutex %p already held by this thread", file, line,
			  static_cast<void *>(m));
	while (!ktree_mutex_trylock(m))
		wait_until(mutex_free, m, "mutex");
}

extern "C" void ktree_mutex_unlock(struct ktree_mutex_state *m, const char *file, int line) noexcept
{
	if (unlikely(!ktree_mutex_is_held(m)))
		fence_die("%s:%d: mutex_unlock(%p) by a thread that does not hold it", file, line,
			  static_cast<void *>(m));
	std::atomic_ref<unsigned int>(m->owner).store(0, std::memory_order_relaxed);
	/* Pairs with the acquire exchange in ktree_mutex_trylock(). */
	std::atomic_ref<unsigned int>(m->locked).store(0, std::memory_order_release);
	FENCE_SCHED_POINT(FENCE_SP_UNLOCK, m);
}

extern "C" bool ktree_mutex_is_held(const struct ktree_mutex_state *m) noexcept
{
	auto *s = const_cast<ktree_mutex_state *>(m);
	return std::atomic_ref<unsigned int>(s->locked).load(std::memory_order_relaxed) &&
	       std::atomic_ref<unsigned int>(s->owner).load(std::memory_order_relaxed) ==
		       fence_thread_id();
}

namespace {
struct wait_unlocked_arg {
	struct ktree_mutex_state *m;
	bool (*abort_fn)(const void *);
	const void *arg;
};
bool unlocked_or_abort(const void *p) noexcept
{
	auto *a = static_cast<const wait_unlocked_arg *>(p);
	return mutex_free(a->m) || (a->abort_fn && a->abort_fn(a->arg));
}
} // namespace

extern "C" void ktree_mutex_wait_unlocked(struct ktree_mutex_state *m, bool (*abort_fn)(const void *),
					  const void *arg) noexcept
{
	wait_unlocked_arg a{m, abort_fn, arg};
	wait_until(unlocked_or_abort, &a, "ww_mutex");
}

extern "C" void ktree_lockdep_assert_failed(const char *what, const char *file, int line) noexcept
{
	fence_die("%s:%d: %s failed: lock not held by this thread", file, line, what);
}

/* ---- kref ---------------------------------------------------------------------- */

extern "C" void ktree_kref_init(void *k) noexcept { kref_init(as_kref(k)); }
extern "C" unsigned int ktree_kref_read(const void *k) noexcept
{
	return kref_read(static_cast<const struct kref *>(k));
}
extern "C" void ktree_kref_get(void *k) noexcept { kref_get(as_kref(k)); }
extern "C" int ktree_kref_get_unless_zero(void *k) noexcept { return kref_get_unless_zero(as_kref(k)); }
extern "C" int ktree_kref_put(void *k, void (*release)(void *k)) noexcept
{
	/* The runtime decides whether this was the last reference; the C release runs here. */
	if (!kref_put(as_kref(k), [](struct kref *) noexcept {}))
		return 0;
	release(k);
	return 1;
}

/* ---- RCU ------------------------------------------------------------------------ */

extern "C" void ktree_rcu_read_lock(void) noexcept { rcu_read_lock(); }
extern "C" void ktree_rcu_read_unlock(void) noexcept { rcu_read_unlock(); }
extern "C" bool ktree_rcu_read_lock_held(void) noexcept { return rcu_read_lock_held(); }
extern "C" void ktree_synchronize_rcu(void) noexcept { synchronize_rcu(); }
extern "C" void ktree_rcu_barrier(void) noexcept { rcu_barrier(); }
extern "C" void ktree_call_rcu(void *head, void (*func)(void *)) noexcept
{
	call_rcu(static_cast<struct rcu_head *>(head), reinterpret_cast<rcu_callback_t>(func));
}

extern "C" void ktree_rcu_lockdep_warn(const char *what, const char *file, int line) noexcept
{
	fence_warn_slow(file, line, what,
			"suspicious RCU usage: %s:%d: %s used outside a read-side critical section "
			"and without the update-side lock",
			file, line, what);
}

/* ---- slab: the runtime's allocator, plus allocation sites ---------------------------- */

namespace {
#ifdef FENCE_DEBUG_CHECKS
constexpr bool kTrackSites = true;
#else
constexpr bool kTrackSites = false;
#endif
struct site {
	const char *file;
	int line;
	size_t size;
};
struct site_table {
	std::mutex lock;
	std::map<const void *, site> live;
};
site_table &sites() noexcept
{
	static site_table *t = new site_table; /* never destroyed: used at exit */
	return *t;
}
void track(const void *p, size_t size, const char *file, int line) noexcept
{
	if (!kTrackSites || !p)
		return;
	site_table &t = sites();
	std::lock_guard<std::mutex> g(t.lock);
	t.live[p] = site{file, line, size};
}
size_t untrack(const void *p) noexcept
{
	if (!kTrackSites || !p)
		return 0;
	site_table &t = sites();
	std::lock_guard<std::mutex> g(t.lock);
	auto it = t.live.find(p);
	if (it == t.live.end())
		return 0;
	size_t n = it->second.size;
	t.live.erase(it);
	return n;
}
} // namespace

extern "C" void *ktree_kmalloc(size_t size, unsigned int gfp, const char *file, int line) noexcept
{
	if (gfp & GFP_KERNEL)
		fence_might_sleep(file, line);
	void *p = kmalloc(size, gfp);
	track(p, size, file, line);
	return p;
}

extern "C" void ktree_kfree(const void *p) noexcept
{
	untrack(p);
	kfree(p);
}

extern "C" size_t ktree_ksize(const void *p) noexcept
{
	if (!kTrackSites || !p)
		return 0;
	site_table &t = sites();
	std::lock_guard<std::mutex> g(t.lock);
	auto it = t.live.find(p);
	return it == t.live.end() ? 0 : it->second.size;
}

extern "C" void *ktree_krealloc(const void *p, size_t size, unsigned int gfp, const char *file,
				int line) noexcept
{
	/* Always move (the old size is only known in debug builds): new object, copy, free. */
	void *n = ktree_kmalloc(size, gfp, file, line);
	if (!n)
		return nullptr;
	if (p) {
		size_t old = kTrackSites ? ktree_ksize(p) : size;
		memcpy(n, p, old < size ? old : size);
		ktree_kfree(p);
	}
	return n;
}

extern "C" long ktree_slab_live(void) noexcept { return fence_slab_live(); }
extern "C" unsigned long ktree_failslab_nth(unsigned long n) noexcept { return fence_failslab_nth(n); }

extern "C" long ktree_slab_report(const char *why) noexcept
{
	if (!kTrackSites)
		return 0;
	site_table &t = sites();
	std::lock_guard<std::mutex> g(t.lock);
	for (const auto &[p, s] : t.live)
		fprintf(stderr, "%s: %s:%d: %zu bytes at %p still allocated\n", why, s.file, s.line,
			s.size, p);
	return static_cast<long>(t.live.size());
}

extern "C" void ktree_kfree_rcu(void *head, size_t offset) noexcept
{
	/* The caller gave the object up now: it is no longer "live" for leak reports. */
	untrack(static_cast<char *>(head) - offset);
	fence_kfree_rcu(static_cast<struct rcu_head *>(head), offset);
}

/* kmem_cache: a name and a size; SLAB_TYPESAFE_BY_RCU objects are freed after a grace period. */
struct ktree_kmem_cache {
	std::string name;
	size_t size;
	bool typesafe_by_rcu;
	std::atomic<long> live{0};
};

namespace {
constexpr unsigned long kSlabTypesafeByRcu = 0x80000UL; /* linux/slab.h (shim) */
/* TYPESAFE_BY_RCU objects carry their rcu_head in front of the object. */
struct alignas(16) typesafe_header {
	struct rcu_head rcu;
};
} // namespace

extern "C" struct ktree_kmem_cache *ktree_kmem_cache_create(const char *name, size_t size,
							    unsigned long flags) noexcept
{
	auto *c = new ktree_kmem_cache;
	c->name = name;
	c->size = size;
	c->typesafe_by_rcu = flags & kSlabTypesafeByRcu;
	return c;
}

extern "C" void *ktree_kmem_cache_alloc(struct ktree_kmem_cache *c, unsigned int gfp, const char *file,
					int line) noexcept
{
	if (!c->typesafe_by_rcu) {
		void *p = ktree_kmalloc(c->size, gfp, file, line);
		if (p)
			c->live.fetch_add(1, std::memory_order_relaxed);
		return p;
	}
	auto *h = static_cast<char *>(ktree_kmalloc(sizeof(typesafe_header) + c->size, gfp, file, line));
	if (!h)
		return nullptr;
	c->live.fetch_add(1, std::memory_order_relaxed);
	return h + sizeof(typesafe_header);
}

extern "C" void ktree_kmem_cache_free(struct ktree_kmem_cache *c, void *p) noexcept
{
	if (!p)
		return;
	c->live.fetch_sub(1, std::memory_order_relaxed);
	if (!c->typesafe_by_rcu) {
		ktree_kfree(p);
		return;
	}
	/* Readers under RCU may still look at the object: free after a grace period. */
	auto *h = reinterpret_cast<typesafe_header *>(static_cast<char *>(p) - sizeof(typesafe_header));
	ktree_kfree_rcu(&h->rcu, offsetof(typesafe_header, rcu));
}

extern "C" void ktree_kmem_cache_destroy(struct ktree_kmem_cache *c, const char *file, int line) noexcept
{
	if (!c)
		return;
	if (c->typesafe_by_rcu)
		rcu_barrier();
	if (long n = c->live.load())
		fence_warn_slow(file, line, "kmem_cache_destroy",
				"kmem_cache_destroy %s: Slab cache still has objects (%ld)",
				c->name.c_str(), n);
	delete c;
}

/* ---- WARN / BUG ------------------------------------------------------------------- */

extern "C" void ktree_warn(const char *file, int line, const char *cond, const char *fmt, ...) noexcept
{
	if (!fmt) {
		fence_warn_slow(file, line, cond, nullptr);
		return;
	}
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fence_warn_slow(file, line, cond, "%s", msg);
}

extern "C" void ktree_bug(const char *file, int line, const char *cond) noexcept
{
	fence_bug(file, line, cond);
}

extern "C" void ktree_might_sleep(const char *file, int line) noexcept { fence_might_sleep(file, line); }

/* ---- printk ------------------------------------------------------------------------- */

namespace {
std::atomic<void (*)(const char *)> g_printk_hook{nullptr};
}

extern "C" void ktree_printk_set_hook(void (*hook)(const char *msg)) noexcept { g_printk_hook.store(hook); }

extern "C" int ktree_vprintk(const char *fmt, va_list ap) noexcept
{
	char msg[1024];
	const char *level = "";
	if (fmt[0] == '\001' && fmt[1]) { /* KERN_<LEVEL> prefix */
		static const char *const names[] = {"EMERG", "ALERT", "CRIT", "ERR",
						    "WARNING", "NOTICE", "INFO", "DEBUG"};
		if (fmt[1] >= '0' && fmt[1] <= '7')
			level = names[fmt[1] - '0'];
		fmt += 2;
	}
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (auto hook = g_printk_hook.load())
		hook(msg);
	fprintf(stderr, "%s%s%s", level, *level ? ": " : "", msg);
	return n;
}

/* ---- time, tasks ---------------------------------------------------------------------- */

extern "C" int64_t ktree_ktime_get(void) noexcept { return ktime_get(); }
extern "C" unsigned long ktree_jiffies(void) noexcept { return fence_jiffies(); }
extern "C" struct task_struct *ktree_current(void) noexcept { return get_current(); }
extern "C" void ktree_set_current_state(unsigned int state) noexcept { set_current_state(state); }
extern "C" long ktree_schedule_timeout(long timeout) noexcept { return schedule_timeout(timeout); }
extern "C" int ktree_wake_up_state(struct task_struct *t, unsigned int state) noexcept
{
	return wake_up_state(t, state);
}
extern "C" bool ktree_signal_pending(struct task_struct *t) noexcept { return signal_pending(t); }
extern "C" void ktree_yield(void) noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_ATOMIC, nullptr);
	if (!fence_dsched_active())
		sched_yield();
}
extern "C" void ktree_cpu_relax(void) noexcept
{
#ifdef FENCE_DSCHED
	if (fence_dsched_active()) {
		fence_dsched_spin("a cpu_relax() spin-wait in a kernel file");
		return;
	}
#endif
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}
extern "C" int ktree_num_online_cpus(void) noexcept
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? static_cast<int>(n) : 1;
}

extern "C" void ktree_sched_point(int kind, const void *addr) noexcept
{
#ifdef FENCE_DSCHED
	fence_sched_point(static_cast<fence_sched_kind>(kind), addr);
#elif defined(FENCE_DEBUG_CHECKS) && !defined(FENCE_NO_DELAY_POINTS)
	(void)addr;
	fence_delay_point(static_cast<fence_sched_kind>(kind));
#else
	(void)kind;
	(void)addr;
#endif
}

/* ---- kthreads ---------------------------------------------------------------------- */

namespace {
struct kthread {
	int (*fn)(void *);
	void *data;
	std::string name;
	std::thread thread;
	struct task_struct *task = nullptr;
	std::atomic<bool> should_stop{false};
	std::mutex m;
	std::condition_variable cv;
	bool started = false; /* under m */
	bool exited = false;  /* under m: fn returned */
	int result = 0;	      /* under m */
	std::atomic<int> refs{1};
};
thread_local kthread *t_self = nullptr;
std::mutex g_kthreads_lock;
std::map<struct task_struct *, kthread *> g_kthreads; /* under g_kthreads_lock */

kthread *find_kthread(struct task_struct *t) noexcept
{
	std::lock_guard<std::mutex> g(g_kthreads_lock);
	auto it = g_kthreads.find(t);
	return it == g_kthreads.end() ? nullptr : it->second;
}

void kthread_main(kthread *k) noexcept
{
	t_self = k;
	{
		std::lock_guard<std::mutex> g(k->m);
		k->task = get_current();
		k->started = true;
	}
	k->cv.notify_all();
	int ret = k->fn(k->data);
	std::unique_lock<std::mutex> g(k->m);
	k->result = ret;
	k->exited = true;
	k->cv.notify_all();
	/* Keep the task (thread-local) alive until kthread_stop() has seen the result. */
	k->cv.wait(g, [k] { return k->should_stop.load(); });
}
} // namespace

extern "C" struct task_struct *ktree_kthread_run(int (*fn)(void *), void *data, const char *name) noexcept
{
	auto *k = new kthread;
	k->fn = fn;
	k->data = data;
	k->name = name;
	k->thread = std::thread(kthread_main, k);
	std::unique_lock<std::mutex> g(k->m);
	k->cv.wait(g, [k] { return k->started; });
	struct task_struct *t = k->task;
	g.unlock();
	std::lock_guard<std::mutex> r(g_kthreads_lock);
	g_kthreads[t] = k;
	return t;
}

extern "C" bool ktree_kthread_should_stop(void) noexcept
{
	return t_self && t_self->should_stop.load(std::memory_order_acquire);
}

extern "C" int ktree_kthread_stop(struct task_struct *t) noexcept
{
	kthread *k = find_kthread(t);
	if (!k)
		fence_die("kthread_stop(%p): not a kthread of this process", static_cast<void *>(t));
	{
		std::lock_guard<std::mutex> g(k->m);
		k->should_stop.store(true, std::memory_order_release);
	}
	k->cv.notify_all();
	wake_up_process(t);
	int ret;
	{
		std::unique_lock<std::mutex> g(k->m);
		k->cv.wait(g, [k] { return k->exited; });
		ret = k->result;
	}
	k->thread.join();
	{
		std::lock_guard<std::mutex> r(g_kthreads_lock);
		g_kthreads.erase(t);
	}
	if (k->refs.fetch_sub(1) == 1)
		delete k;
	return ret;
}

/* Task references: the kthread record lives until kthread_stop(); nothing else to count. */
extern "C" void ktree_get_task_struct(struct task_struct *) noexcept {}
extern "C" void ktree_put_task_struct(struct task_struct *) noexcept {}

/* ---- wait_var_event / wake_up_var ------------------------------------------------- */

namespace {
std::mutex g_var_lock;
std::condition_variable g_var_cv;
} // namespace

extern "C" long ktree_var_wait(const void *, long timeout) noexcept
{
	/* Re-check the caller's condition at least every jiffy: no lost wakeup can hang us. */
	long step = timeout == MAX_SCHEDULE_TIMEOUT || timeout > 1 ? 1 : timeout;
	if (fence_dsched_active()) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule_timeout(step);
	} else {
		std::unique_lock<std::mutex> g(g_var_lock);
		g_var_cv.wait_for(g, std::chrono::milliseconds(step));
	}
	return timeout == MAX_SCHEDULE_TIMEOUT ? timeout : timeout - step;
}

extern "C" void ktree_wake_up_var(const void *) noexcept
{
	std::lock_guard<std::mutex> g(g_var_lock);
	g_var_cv.notify_all();
}

/* ---- timers -------------------------------------------------------------------------- */

namespace {
struct timer_base {
	std::mutex m;
	std::condition_variable cv;
	struct timer_list *head = nullptr; /* queued timers, unsorted */
	struct timer_list *running = nullptr;
	bool started = false;
};
timer_base &timers() noexcept
{
	static timer_base *b = new timer_base; /* never destroyed: its thread runs until exit */
	return *b;
}
void timer_unlink(timer_base &b, struct timer_list *t) noexcept
{
	for (struct timer_list **pp = &b.head; *pp; pp = &(*pp)->__next) {
		if (*pp == t) {
			*pp = t->__next;
			t->__next = nullptr;
			return;
		}
	}
}
void timer_thread() noexcept
{
	timer_base &b = timers();
	std::unique_lock<std::mutex> g(b.m);
	for (;;) {
		const unsigned long now = fence_jiffies();
		struct timer_list *due = nullptr;
		for (struct timer_list *t = b.head; t; t = t->__next)
			if (static_cast<long>(now - t->expires) >= 0) {
				due = t;
				break;
			}
		if (!due) {
			/*
			 * Poll the jiffies clock at a tenth of a jiffy (mod_timer()
			 * also wakes us): a timer fires within about 0.1 ms of its
			 * jiffy, which test_wait_timeout() needs (its timer must beat
			 * a 2-jiffy wait).
			 */
			b.cv.wait_for(g, std::chrono::microseconds(100));
			continue;
		}
		timer_unlink(b, due);
		due->__state = 2;
		b.running = due;
		g.unlock();
		due->function(due);
		g.lock();
		b.running = nullptr;
		if (due->__state == 2)
			due->__state = 0;
		b.cv.notify_all();
	}
}
} // namespace

extern "C" void ktree_timer_setup(struct timer_list *t, void (*fn)(struct timer_list *),
				  unsigned int flags) noexcept
{
	t->function = fn;
	t->flags = flags;
	t->expires = 0;
	t->__state = 0;
	t->__next = nullptr;
}

extern "C" int ktree_mod_timer(struct timer_list *t, unsigned long expires) noexcept
{
	timer_base &b = timers();
	std::lock_guard<std::mutex> g(b.m);
	if (!b.started) {
		b.started = true;
		std::thread(timer_thread).detach();
	}
	const int was_pending = t->__state == 1;
	if (was_pending)
		timer_unlink(b, t);
	t->expires = expires;
	t->__state = 1;
	t->__next = b.head;
	b.head = t;
	b.cv.notify_all();
	return was_pending;
}

extern "C" int ktree_del_timer(struct timer_list *t, bool sync) noexcept
{
	timer_base &b = timers();
	std::unique_lock<std::mutex> g(b.m);
	const int was_pending = t->__state == 1;
	if (was_pending) {
		timer_unlink(b, t);
		t->__state = 0;
	}
	if (sync)
		b.cv.wait(g, [&b, t] { return b.running != t; });
	return was_pending;
}

extern "C" bool ktree_timer_pending(const struct timer_list *t) noexcept
{
	timer_base &b = timers();
	std::lock_guard<std::mutex> g(b.m);
	return t->__state == 1;
}

/* ---- irq_work ---------------------------------------------------------------------------- */

/*
 * irq_work: the kernel raises a self-interrupt on the queuing CPU, which
 * runs the work as soon as that CPU has interrupts enabled again. Here the
 * "CPU" is the queuing thread: a work queued while the thread holds no
 * spinlock runs at once; one queued under a spinlock (a fence callback
 * runs under the signalling fence's lock) runs when the thread releases
 * its last spinlock, outside every lock, as after spin_unlock_irqrestore().
 * Deterministic, so the deterministic scheduler sees the same order every
 * run. Works do not nest: one queued by a running work runs after it.
 *
 * Unlike the kernel's irq_work_single(), which cmpxchg()es the work's flags
 * once ->func returned, nothing here touches the work after ->func: the
 * dma-buf files reuse that storage (dma_fence_chain's work shares a union
 * with its dma_fence_cb, re-armed on another fence inside ->func), and the
 * kernel's late cmpxchg, harmless there (it cannot match a list pointer),
 * was a TSan report against the other thread's INIT_LIST_HEAD() here. The
 * busy state lives outside the work (t_irq_current, for irq_work_sync()).
 */
namespace {
constexpr unsigned kIrqPending = 1;
thread_local struct irq_work *t_irq_head = nullptr, *t_irq_tail = nullptr;
thread_local bool t_irq_running = false;
std::atomic<long> g_irq_running{0}; /* works running on any thread, for irq_work_sync() */

void run_irq_works() noexcept
{
	if (t_irq_running)
		return;
	t_irq_running = true;
	while (struct irq_work *w = t_irq_head) {
		t_irq_head = w->__next;
		if (!t_irq_head)
			t_irq_tail = nullptr;
		w->__next = nullptr;
		g_irq_running.fetch_add(1, std::memory_order_relaxed);
		/* No longer pending: the work may queue itself again while it runs. */
		std::atomic_ref<unsigned>(w->__state).store(0, std::memory_order_release);
		w->func(w);
		/* Pairs with the acquire load in ktree_irq_work_sync(). */
		g_irq_running.fetch_sub(1, std::memory_order_release);
	}
	t_irq_running = false;
}

bool irq_work_idle(const void *p) noexcept
{
	auto *w = static_cast<struct irq_work *>(const_cast<void *>(p));
	return !(std::atomic_ref<unsigned>(w->__state).load(std::memory_order_acquire) & kIrqPending) &&
	       g_irq_running.load(std::memory_order_acquire) == 0;
}

/* The end of an irqs-off section: run what was queued inside it. */
void irq_work_after_unlock() noexcept
{
	if (unlikely(t_irq_head) && fence_preempt_count == 0)
		run_irq_works();
}
} // namespace

extern "C" bool ktree_irq_work_queue(struct irq_work *w) noexcept
{
	std::atomic_ref<unsigned> st(w->__state);
	FENCE_SCHED_POINT(FENCE_SP_ATOMIC, w);
	/* Claim: pairs with the release store of run_irq_works(). */
	if (st.fetch_or(kIrqPending, std::memory_order_acq_rel) & kIrqPending)
		return false;
	w->__next = nullptr;
	if (t_irq_tail)
		t_irq_tail->__next = w;
	else
		t_irq_head = w;
	t_irq_tail = w;
	if (fence_preempt_count == 0)
		run_irq_works();
	return true;
}

/* Wait until @w is neither pending nor (possibly) running: no work runs anywhere. */
extern "C" void ktree_irq_work_sync(struct irq_work *w) noexcept
{
	wait_until(irq_work_idle, w, "irq_work_sync");
}

/* ---- random -------------------------------------------------------------------------------- */

extern "C" uint32_t ktree_get_random_u32(void) noexcept
{
	static std::atomic<uint64_t> g_stream{0};
	thread_local uint64_t x = 0;
	if (!x) {
		const char *s = getenv("FENCEFUZZ_KTREE_SEED");
		uint64_t seed = s ? strtoull(s, nullptr, 0) : 1;
		x = (seed * 0x9e3779b97f4a7c15ull) ^ (g_stream.fetch_add(1) + 1) * 0xbf58476d1ce4e5b9ull;
		x |= 1;
	}
	x ^= x << 13; /* xorshift64 */
	x ^= x >> 7;
	x ^= x << 17;
	return static_cast<uint32_t>(x >> 32);
}

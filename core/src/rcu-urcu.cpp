// SPDX-License-Identifier: MIT
/*
 * DOC: the RCU layer over liburcu (urcu-memb)
 *
 * Read side: rcu_read_lock()/rcu_read_unlock() call urcu_memb_read_lock()
 * and urcu_memb_read_unlock(); a thread registers itself with liburcu the
 * first time it enters a read-side section and unregisters at thread exit.
 * fence_rcu_nesting tracks the depth, so rcu_dereference() can check that
 * it is called inside a section.
 *
 * Grace periods: synchronize_rcu() is urcu_memb_synchronize_rcu().
 *
 * Deferred callbacks: call_rcu() does not use liburcu's call_rcu worker. It
 * queues the callback on a list of our own; a batch is run by taking the
 * whole list, waiting for one grace period, then calling each callback.
 * Who runs batches: a reclaim thread (auto reclaim, the default; it wakes
 * when callbacks are queued and batches them for up to 1 ms), and
 * rcu_barrier(), which runs batches until the list is empty. A harness
 * turns auto reclaim off so that frees happen only at its rcu_barrier()
 * calls: deterministic, and one grace period (about 1 us without readers)
 * per drain rather than liburcu's urcu_memb_barrier() (about 10 ms).
 *
 * TSan: liburcu 0.13 is not annotated, so the happens-before edges that a
 * grace period implies are declared here. Every rcu_read_unlock()
 * releases on g_gp_sync; the end of every grace period acquires it. Freed
 * memory is therefore ordered after every read-side section that ended
 * before the grace period finished, and TSan stays quiet; a free done
 * before the grace period has no such edge and is still reported (see
 * core/tests/rcu_tsan_test.cpp for both).
 *
 * Limits: callbacks run in the reclaim thread or in the rcu_barrier()
 * caller, never concurrently with each other. A callback must not call
 * rcu_barrier() or synchronize_rcu().
 */
/*
 * liburcu (urcu-memb) is declared here by hand rather than through
 * <urcu/urcu-memb.h>: that header defines its own struct rcu_head and, via
 * <urcu/map/...>, macros named rcu_read_lock, call_rcu, RCU_INIT_POINTER...
 * that collide with the kernel names this project exports. These five are
 * the library's stable, exported (non-_LGPL_SOURCE) entry points.
 */
extern "C" {
void urcu_memb_read_lock(void);
void urcu_memb_read_unlock(void);
void urcu_memb_synchronize_rcu(void);
void urcu_memb_register_thread(void);
void urcu_memb_unregister_thread(void);
}

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "fence/detail/sched-hooks.h"
#include "fence/rcu.h"
#include "fence/slab.h"

#if defined(__SANITIZE_THREAD__)
#define FENCE_HAVE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FENCE_HAVE_TSAN 1
#endif
#endif

#ifdef FENCE_HAVE_TSAN
extern "C" void __tsan_acquire(void *addr);
extern "C" void __tsan_release(void *addr);
#define FENCE_TSAN_ACQUIRE(addr) __tsan_acquire(addr)
#define FENCE_TSAN_RELEASE(addr) __tsan_release(addr)
#else
#define FENCE_TSAN_ACQUIRE(addr) ((void)(addr))
#define FENCE_TSAN_RELEASE(addr) ((void)(addr))
#endif

thread_local int fence_rcu_nesting = 0;

namespace {

/* The object every grace-period happens-before edge goes through. */
char g_gp_sync;

std::atomic<unsigned long> g_gp_count{0};

struct rcu_registration {
	bool registered = false;
	void ensure() noexcept
	{
		if (!registered) {
			urcu_memb_register_thread();
			registered = true;
		}
	}
	~rcu_registration()
	{
		if (registered)
			urcu_memb_unregister_thread();
	}
};
thread_local rcu_registration t_reg;

/* The deferred-callback queue (a singly linked LIFO, reversed at run time). */
struct cb_queue {
	std::mutex lock;		 /* protects head, pending, worker state */
	std::condition_variable wake;	 /* reclaim thread waits here */
	struct rcu_head *head = nullptr;
	long pending = 0;
	bool auto_reclaim = true;
	bool worker_started = false;
	std::mutex run_lock; /* one batch runner at a time (worker or barrier) */
};

cb_queue &queue() noexcept
{
	static cb_queue *q = new cb_queue; /* never destroyed: used at thread exit */
	return *q;
}

void run_callback(struct rcu_head *h) noexcept
{
	auto off = reinterpret_cast<uintptr_t>(h->func);
	if (off < 4096) /* kfree_rcu(): func encodes the rcu_head's offset */
		kfree(reinterpret_cast<char *>(h) - off);
	else
		h->func(h);
}

/*
 * Take the queue, wait a grace period, run the batch in queueing order.
 * @auto_only: the reclaim thread's call; take nothing if auto reclaim was
 * switched off since it woke (checked under the same lock as the take, so
 * nothing queued after fence_rcu_set_auto_reclaim(false) returned runs
 * before an rcu_barrier()).
 * Caller holds run_lock. Return: the number of callbacks run.
 */
long run_batch(cb_queue &q, bool auto_only = false) noexcept
{
	struct rcu_head *list;
	{
		std::lock_guard<std::mutex> g(q.lock);
		if (auto_only && !q.auto_reclaim)
			return 0;
		list = q.head;
		q.head = nullptr;
	}
	if (!list)
		return 0;
	synchronize_rcu();
	/* Reverse the LIFO so callbacks run in the order they were queued. */
	struct rcu_head *fifo = nullptr;
	while (list) {
		struct rcu_head *next = list->next;
		list->next = fifo;
		fifo = list;
		list = next;
	}
	long n = 0;
	while (fifo) {
		struct rcu_head *next = fifo->next;
		/* Deferred callback start: pairs with __tsan_release in rcu_read_unlock(). */
		FENCE_TSAN_ACQUIRE(&g_gp_sync);
		run_callback(fifo);
		fifo = next;
		n++;
	}
	std::lock_guard<std::mutex> g(q.lock);
	q.pending -= n;
	return n;
}

void reclaim_thread() noexcept
{
	cb_queue &q = queue();
	for (;;) {
		{
			std::unique_lock<std::mutex> g(q.lock);
			q.wake.wait(g, [&] { return q.head != nullptr && q.auto_reclaim; });
		}
		/* Let a burst of call_rcu()s gather into one grace period. */
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
		std::lock_guard<std::mutex> r(q.run_lock);
		run_batch(q, true);
	}
}

} // namespace

void rcu_read_lock() noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_RCU_LOCK, &g_gp_sync);
	if (fence_rcu_nesting++ == 0) {
		t_reg.ensure();
		urcu_memb_read_lock();
	}
}

void rcu_read_unlock() noexcept
{
	BUG_ON(fence_rcu_nesting <= 0);
	if (--fence_rcu_nesting == 0) {
		/* Read-side end: pairs with __tsan_acquire after synchronize_rcu(). */
		FENCE_TSAN_RELEASE(&g_gp_sync);
		urcu_memb_read_unlock();
	}
	FENCE_SCHED_POINT(FENCE_SP_RCU_UNLOCK, &g_gp_sync);
}

void synchronize_rcu() noexcept
{
	if (unlikely(fence_rcu_nesting > 0))
		fence_die("synchronize_rcu() called inside an RCU read-side critical section "
			  "(it would never return)");
	FENCE_SCHED_POINT(FENCE_SP_GRACE_PERIOD, &g_gp_sync);
	urcu_memb_synchronize_rcu();
	/* Grace period end: pairs with __tsan_release in rcu_read_unlock(). */
	FENCE_TSAN_ACQUIRE(&g_gp_sync);
	g_gp_count.fetch_add(1, std::memory_order_relaxed);
}

unsigned long fence_rcu_gp_count() noexcept { return g_gp_count.load(std::memory_order_relaxed); }

void call_rcu(struct rcu_head *head, rcu_callback_t func) noexcept
{
	cb_queue &q = queue();
	head->func = func;
	bool start = false;
	bool notify;
	{
		std::lock_guard<std::mutex> g(q.lock);
		head->next = q.head;
		q.head = head;
		q.pending++;
		/* Read under the lock: fence_rcu_set_auto_reclaim() may run concurrently. */
		notify = q.auto_reclaim;
		if (q.auto_reclaim && !q.worker_started) {
			q.worker_started = true;
			start = true;
		}
	}
	if (start)
		std::thread(reclaim_thread).detach();
	if (notify)
		q.wake.notify_one();
}

void fence_kfree_rcu(struct rcu_head *head, size_t offset) noexcept
{
	BUG_ON(offset >= 4096);
	call_rcu(head, reinterpret_cast<rcu_callback_t>(offset));
}

void rcu_barrier() noexcept
{
	if (unlikely(fence_rcu_nesting > 0))
		fence_die("rcu_barrier() called inside an RCU read-side critical section");
	cb_queue &q = queue();
	std::lock_guard<std::mutex> r(q.run_lock);
	while (run_batch(q) > 0) {
	}
}

long fence_rcu_pending() noexcept
{
	cb_queue &q = queue();
	std::lock_guard<std::mutex> g(q.lock);
	return q.pending;
}

bool fence_rcu_set_auto_reclaim(bool on) noexcept
{
	cb_queue &q = queue();
	bool old;
	bool start = false;
	{
		std::lock_guard<std::mutex> g(q.lock);
		old = q.auto_reclaim;
		q.auto_reclaim = on;
		/* Callbacks queued while off never started the thread: start it now. */
		if (on && q.head && !q.worker_started) {
			q.worker_started = true;
			start = true;
		}
	}
	if (start)
		std::thread(reclaim_thread).detach();
	if (on)
		q.wake.notify_one();
	return old;
}

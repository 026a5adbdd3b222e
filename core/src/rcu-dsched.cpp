// SPDX-License-Identifier: MIT
/*
 * DOC: the RCU layer for the deterministic scheduler (FENCE_DSCHED builds)
 *
 * Replaces rcu-urcu.cpp in the dsched core variant (core/CMakeLists.txt,
 * fence_core_variant(... DSCHED)). liburcu's grace periods wait on futexes and
 * spin inside the library, where a deterministic scheduler cannot see them:
 * a synchronize_rcu() on the one thread that holds the scheduler's baton
 * would wait forever for a reader that is descheduled. This back end keeps
 * the same API and semantics with state the scheduler can reason about.
 *
 * Readers: each thread has a reader record (nesting depth, and a generation
 * counter that the outermost rcu_read_unlock() increments), registered on
 * its first rcu_read_lock() and recycled, never freed, when the thread
 * exits. rcu_read_lock() and rcu_read_unlock() are scheduling points.
 *
 * Grace periods: synchronize_rcu() snapshots the readers that are inside a
 * section and waits until each of them has left it (its generation moved).
 * Under a schedule it blocks with that predicate (fence_dsched_wait()), so
 * the scheduler runs the readers until they unlock; a thread that no
 * schedule runs spins with sched_yield() instead (single-threaded use, or
 * free-running threads in a dsched binary).
 *
 * Deferred callbacks: call_rcu() queues (FIFO). A batch takes the whole
 * queue, waits one grace period, then runs it in order; rcu_barrier() runs
 * batches until nothing is pending, waiting for a batch another thread is
 * running if need be. There is no reclaim thread: callbacks run at
 * rcu_barrier() (the harness schedules a logical "reclaim" thread that calls
 * it, so frees happen at points the schedule chooses) and, with auto reclaim
 * on (the default), also after every synchronize_rcu(), in its caller.
 *
 * Memory ordering: a reader's nesting store and the updater's snapshot load
 * are both seq_cst and separated from the section's loads by seq_cst
 * fences, the urcu-memb pairing (smp_mb() on both sides); under a schedule
 * the baton hand-off orders everything anyway. Never built with TSan.
 */
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "fence/rcu.h"
#include "fence/slab.h"
#include "sync.h"

thread_local int fence_rcu_nesting = 0;

namespace {

/* Addressed by the scheduling points (the same role as in rcu-urcu.cpp). */
char g_gp_sync;

std::atomic<unsigned long> g_gp_count{0};

struct reader {
	std::atomic<int> inside{0};	     /* 1 while in a read-side section */
	std::atomic<unsigned long> gen{0}; /* outermost unlocks so far */
	bool in_use = false;		     /* under registry lock */
};

struct registry {
	std::mutex lock; /* never held across a scheduling point */
	std::vector<reader *> all;
};

registry &readers() noexcept
{
	static registry *r = new registry; /* never destroyed: used at thread exit */
	return *r;
}

struct reader_slot {
	reader *r = nullptr;
	reader *get() noexcept
	{
		if (!r) {
			registry &reg = readers();
			std::lock_guard<std::mutex> g(reg.lock);
			for (reader *x : reg.all)
				if (!x->in_use) {
					r = x;
					break;
				}
			if (!r) {
				r = new reader;
				reg.all.push_back(r);
			}
			r->in_use = true;
		}
		return r;
	}
	~reader_slot()
	{
		if (r) {
			registry &reg = readers();
			std::lock_guard<std::mutex> g(reg.lock);
			r->in_use = false;
		}
	}
};
thread_local reader_slot t_reader;

/* A grace period's snapshot: the readers it waits for, and their generations. */
struct gp_wait {
	std::vector<std::pair<reader *, unsigned long>> readers;
};

bool gp_done(const void *arg) noexcept
{
	for (auto &[r, gen] : static_cast<const gp_wait *>(arg)->readers)
		if (r->gen.load(std::memory_order_seq_cst) == gen)
			return false;
	return true;
}

/* The deferred-callback queue. */
struct cb_queue {
	std::mutex lock; /* head, tail; never held across a scheduling point */
	struct rcu_head *head = nullptr, **tail = &head;
	std::atomic<long> pending{0}; /* queued or in a batch, not yet run */
	std::atomic<bool> auto_reclaim{true};
};

cb_queue &queue() noexcept
{
	static cb_queue *q = new cb_queue; /* never destroyed: used at thread exit */
	return *q;
}

/*
 * rcu_barrier() waits for a batch another thread runs: until nothing is
 * pending, or until callbacks were queued meanwhile (then it runs them
 * itself; waiting for "none pending" alone would wait forever for them).
 * The lock is never held across a scheduling point, so the baton holder
 * that evaluates this can always take it.
 */
bool barrier_may_go_on(const void *) noexcept
{
	cb_queue &q = queue();
	if (q.pending.load() == 0)
		return true;
	std::lock_guard<std::mutex> g(q.lock);
	return q.head != nullptr;
}

void wait_grace_period() noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_GRACE_PERIOD, &g_gp_sync);
	gp_wait w;
	/* Pairs with the fence in rcu_read_lock(): smp_mb() before the snapshot. */
	std::atomic_thread_fence(std::memory_order_seq_cst);
	{
		registry &reg = readers();
		std::lock_guard<std::mutex> g(reg.lock);
		for (reader *r : reg.all)
			if (r->inside.load(std::memory_order_seq_cst))
				w.readers.emplace_back(r, r->gen.load(std::memory_order_seq_cst));
	}
	if (!w.readers.empty()) {
		if (fence_dsched_active()) {
			fence_dsched_wait(FENCE_SP_GRACE_PERIOD, &g_gp_sync, gp_done, &w, -1,
					  "a grace period (synchronize_rcu: readers still inside "
					  "rcu_read_lock)");
		} else {
			while (!gp_done(&w))
				sched_yield();
		}
	}
	/* Pairs with the fence in rcu_read_unlock(): the readers' loads are done. */
	std::atomic_thread_fence(std::memory_order_seq_cst);
	g_gp_count.fetch_add(1, std::memory_order_relaxed);
}

void run_callback(struct rcu_head *h) noexcept
{
	auto off = reinterpret_cast<uintptr_t>(h->func);
	if (off < 4096) /* kfree_rcu(): func encodes the rcu_head's offset */
		kfree(reinterpret_cast<char *>(h) - off);
	else
		h->func(h);
}

/* Take the queue, wait a grace period, run it in order. Return: callbacks run. */
long run_batch() noexcept
{
	cb_queue &q = queue();
	struct rcu_head *list;
	{
		std::lock_guard<std::mutex> g(q.lock);
		list = q.head;
		q.head = nullptr;
		q.tail = &q.head;
	}
	if (!list)
		return 0;
	wait_grace_period();
	long n = 0;
	while (list) {
		struct rcu_head *next = list->next;
		run_callback(list);
		list = next;
		n++;
	}
	q.pending.fetch_sub(n);
	return n;
}

} // namespace

void rcu_read_lock() noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_RCU_LOCK, &g_gp_sync);
	if (fence_rcu_nesting++ == 0) {
		t_reader.get()->inside.store(1, std::memory_order_seq_cst);
		/* Pairs with the fence before a grace period's snapshot. */
		std::atomic_thread_fence(std::memory_order_seq_cst);
	}
}

void rcu_read_unlock() noexcept
{
	BUG_ON(fence_rcu_nesting <= 0);
	if (--fence_rcu_nesting == 0) {
		reader *r = t_reader.get();
		/* Pairs with the fence after a grace period's wait. */
		std::atomic_thread_fence(std::memory_order_seq_cst);
		r->gen.fetch_add(1, std::memory_order_seq_cst);
		r->inside.store(0, std::memory_order_seq_cst);
	}
	FENCE_SCHED_POINT(FENCE_SP_RCU_UNLOCK, &g_gp_sync);
}

void synchronize_rcu() noexcept
{
	if (unlikely(fence_rcu_nesting > 0))
		fence_die("synchronize_rcu() called inside an RCU read-side critical section "
			  "(it would never return)");
	wait_grace_period();
	if (queue().auto_reclaim.load())
		run_batch();
}

unsigned long fence_rcu_gp_count() noexcept { return g_gp_count.load(std::memory_order_relaxed); }

void call_rcu(struct rcu_head *head, rcu_callback_t func) noexcept
{
	cb_queue &q = queue();
	head->func = func;
	head->next = nullptr;
	q.pending.fetch_add(1);
	std::lock_guard<std::mutex> g(q.lock);
	*q.tail = head;
	q.tail = &head->next;
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
	for (;;) {
		if (run_batch() > 0)
			continue;
		if (q.pending.load() == 0)
			return;
		/* Another thread runs a batch (it waits for its grace period). */
		if (fence_dsched_active())
			fence_dsched_wait(FENCE_SP_GRACE_PERIOD, &g_gp_sync, barrier_may_go_on, nullptr,
					  -1, "rcu_barrier (a batch another thread runs)");
		else
			sched_yield();
	}
}

long fence_rcu_pending() noexcept { return queue().pending.load(); }

bool fence_rcu_set_auto_reclaim(bool on) noexcept { return queue().auto_reclaim.exchange(on); }

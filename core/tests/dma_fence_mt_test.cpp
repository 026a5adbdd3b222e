// SPDX-License-Identifier: MIT
//
// Multi-threaded dma_fence races on real, free-running threads: what TSan
// checks (label "tsan"; they run and must pass in every preset). Each test
// runs a fixed number of rounds or operations, not a wall-clock duration, so
// it stays short under TSan on two cores.
//
// Oracle: per round, the exactly-once rules of KERNEL-SEMANTICS.md A.3 hold
// (a successfully added callback runs once, a -ENOENT one never; a callback
// is either removed or run; a fence is released once); get_rcu_safe only
// returns fences that are alive, in the slot's order and stable while
// referenced; plus TSan/ASan reports and the fixture's leak check.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdio>
#include <thread>
#include <vector>

#include "fence/fence.h"
#include "fence/module.h"
#include "fence/slab.h"
#include "test_ops.h"

using namespace fft;

namespace {

class DmaFenceMtTest : public FenceTest {};

/*
 * race - run @a and @b on two threads, started together, @rounds times.
 * @setup(i) runs before and @check(i) after each round on the calling
 * thread; the barriers order them with the workers (happens-before).
 */
template <class Setup, class A, class B, class Check>
void race(int rounds, Setup setup, A a, B b, Check check)
{
	std::barrier start(3), done(3);
	bool stop = false; // written before a start barrier, read after it
	auto worker = [&](auto &fn) {
		for (;;) {
			start.arrive_and_wait();
			if (stop)
				return;
			fn();
			done.arrive_and_wait();
		}
	};
	std::thread ta([&] { worker(a); });
	std::thread tb([&] { worker(b); });
	for (int i = 0; i < rounds; i++) {
		setup(i);
		start.arrive_and_wait();
		done.arrive_and_wait();
		check(i);
	}
	stop = true;
	start.arrive_and_wait();
	ta.join();
	tb.join();
}

constexpr int kRounds = 400;

} // namespace

TEST_F(DmaFenceMtTest, SignalRacesAddCallback)
{
	constexpr int kCbs = 8;
	struct dma_fence *f = nullptr;
	count_cb cbs[kCbs];
	int rets[kCbs];
	long added = 0, late = 0;

	race(
		kRounds,
		[&](int) {
			f = mock_alloc();
			ASSERT_NE(f, nullptr);
			for (auto &c : cbs)
				c = {};
		},
		[&] {
			for (int k = 0; k < kCbs; k++)
				rets[k] = dma_fence_add_callback(f, &cbs[k].cb, count_cb_func);
		},
		[&] { dma_fence_signal(f); },
		[&](int round) {
			bool seen_enoent = false;
			for (int k = 0; k < kCbs; k++) {
				if (rets[k] == 0) {
					// Added before the signal: runs exactly once.
					EXPECT_FALSE(seen_enoent) << "round " << round << " cb " << k;
					EXPECT_EQ(cbs[k].calls, 1) << "round " << round << " cb " << k;
					added++;
				} else {
					// Too late: -ENOENT, and never called.
					EXPECT_EQ(rets[k], -ENOENT) << "round " << round << " cb " << k;
					EXPECT_EQ(cbs[k].calls, 0) << "round " << round << " cb " << k;
					seen_enoent = true;
					late++;
				}
			}
			EXPECT_TRUE(dma_fence_test_signaled_flag(f));
			dma_fence_put(f);
		});
	EXPECT_EQ(added + late, static_cast<long>(kRounds) * kCbs);
	printf("added %ld, late %ld\n", added, late);
}

TEST_F(DmaFenceMtTest, SignalRacesRemoveCallback)
{
	struct dma_fence *f = nullptr;
	count_cb c = {}, other = {};
	bool removed = false;
	long n_removed = 0, n_ran = 0;

	race(
		kRounds,
		[&](int) {
			f = mock_alloc();
			ASSERT_NE(f, nullptr);
			c = {};
			other = {};
			ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
			ASSERT_EQ(dma_fence_add_callback(f, &other.cb, count_cb_func), 0);
		},
		[&] { removed = dma_fence_remove_callback(f, &c.cb); },
		[&] { dma_fence_signal(f); },
		[&](int round) {
			// Removed XOR ran.
			EXPECT_EQ(removed ? 0 : 1, c.calls) << "round " << round;
			EXPECT_EQ(other.calls, 1) << "round " << round;
			// Either way the node is empty now: a second remove says false.
			EXPECT_FALSE(dma_fence_remove_callback(f, &c.cb)) << "round " << round;
			(removed ? n_removed : n_ran)++;
			dma_fence_put(f);
		});
	printf("removed %ld, ran %ld\n", n_removed, n_ran);
}

TEST_F(DmaFenceMtTest, PutRacesPut)
{
	// Two owners drop their references at once; one of them signals first.
	// Exactly one release, from whichever put was last, and no WARN about
	// pending callbacks (the signal happens before the signaller's put).
	struct dma_fence *f = nullptr;
	count_cb c = {};
	long releases = 0;

	race(
		kRounds,
		[&](int) {
			f = mock_alloc(&release_ops);
			ASSERT_NE(f, nullptr);
			dma_fence_get(f);
			c = {};
			ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
			releases = g_release_calls.load();
		},
		[&] {
			dma_fence_signal(f);
			dma_fence_put(f);
		},
		[&] { dma_fence_put(f); },
		[&](int round) {
			EXPECT_EQ(g_release_calls.load(), releases + 1) << "round " << round;
			EXPECT_EQ(c.calls, 1) << "round " << round;
			EXPECT_EQ(c.error_seen, 0) << "round " << round;
		});
}

TEST_F(DmaFenceMtTest, SignalAndPutRaceSignalAndPut)
{
	// Both owners signal and put: the callback runs once, release once.
	struct dma_fence *f = nullptr;
	count_cb c = {};
	long releases = 0;

	auto signal_put = [&] {
		dma_fence_signal(f);
		dma_fence_put(f);
	};
	race(
		kRounds,
		[&](int) {
			f = mock_alloc(&release_ops);
			ASSERT_NE(f, nullptr);
			dma_fence_get(f);
			c = {};
			ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
			releases = g_release_calls.load();
		},
		signal_put, signal_put,
		[&](int round) {
			EXPECT_EQ(g_release_calls.load(), releases + 1) << "round " << round;
			EXPECT_EQ(c.calls, 1) << "round " << round;
		});
}

TEST_F(DmaFenceMtTest, GetRcuRacesLastPut)
{
	// A reader's dma_fence_get_rcu() against the owner's last put: it gets
	// a reference (and then its put is the last) or NULL, never a dead fence.
	struct dma_fence *f = nullptr;
	bool got = false;
	long releases = 0, n_got = 0;

	race(
		kRounds,
		[&](int) {
			f = mock_alloc(&release_ops);
			ASSERT_NE(f, nullptr);
			dma_fence_signal(f);
			releases = g_release_calls.load();
		},
		[&] {
			rcu_read_lock();
			struct dma_fence *g = dma_fence_get_rcu(f);
			rcu_read_unlock();
			got = g != nullptr;
			dma_fence_put(g);
		},
		[&] { dma_fence_put(f); },
		[&](int round) {
			EXPECT_EQ(g_release_calls.load(), releases + 1) << "round " << round;
			n_got += got;
		});
	printf("reader got a reference in %ld of %d rounds\n", n_got, kRounds);
}

TEST_F(DmaFenceMtTest, WaitRacesSignal)
{
	struct dma_fence *f = nullptr;
	signed long ret = 0;

	race(
		kRounds,
		[&](int) {
			f = mock_alloc(&hw_ops);
			ASSERT_NE(f, nullptr);
		},
		[&] { ret = dma_fence_wait_timeout(f, false, 5 * HZ); },
		[&] { dma_fence_signal(f); },
		[&](int round) {
			// A lost wakeup would sleep out the 5 s and return 0.
			EXPECT_GT(ret, 0) << "round " << round;
			EXPECT_LE(ret, 5 * HZ) << "round " << round;
			dma_fence_put(f);
		});
}

namespace {

/*
 * A reader of an RCU slot that a writer keeps replacing. Each fence the
 * reader gets must be alive (refcount > 0), from @context, not older than
 * the one before (the slot's seqnos only grow), and stay the same fence
 * while referenced (recycled memory would change its seqno).
 */
struct slot_reader {
	const fence::rcu_ptr<struct dma_fence> *slot;
	u64 context;
	const std::atomic<bool> *done;
	std::atomic<long> *progress; /* successful gets, for the writer's pacing */
	std::atomic<int> *active;    /* readers still reading */
	const std::atomic<u64> *written; /* replacements the writer made */
	long gets = 0, nulls = 0, violations = 0;

	/* Readers wait for the writer when this many gets ahead of it. */
	static constexpr long kGetsPerReplacement = 8;

	/* Bounds the run whatever the scheduler does (iterations, not time). */
	static constexpr long kMaxGets = 20000;

	void operator()()
	{
		u64 last = 0;
		while (!done->load(std::memory_order_acquire) && gets < kMaxGets) {
			if (progress->load(std::memory_order_relaxed) >
			    static_cast<long>(written->load(std::memory_order_relaxed) + 1) *
				    kGetsPerReplacement) {
				std::this_thread::yield(); // let the writer run
				continue;
			}
			rcu_read_lock();
			struct dma_fence *f = dma_fence_get_rcu_safe(slot);
			rcu_read_unlock();
			if (!f) {
				nulls++;
				continue;
			}
			gets++;
			progress->fetch_add(1, std::memory_order_relaxed);
			const u64 seqno = f->seqno;
			if (kref_read(&f->refcount) == 0 || f->context != context || seqno < last ||
			    !dma_fence_was_initialized(f))
				violations++;
			last = seqno;
			const int status = dma_fence_get_status(f);
			if (status != 0 && status != 1)
				violations++;
			for (int i = 0; i < 16; i++)
				cpu_relax();
			if (f->seqno != seqno || kref_read(&f->refcount) == 0)
				violations++;
			dma_fence_put(f);
		}
		active->fetch_sub(1, std::memory_order_relaxed);
	}
};

/*
 * Pacing for the writer: every few replacements, wait until the readers
 * got at least @n more fences, so that reads and replacements really
 * interleave even when the scheduler would run the writer to the end.
 */
void wait_for_readers(const std::atomic<long> &progress, const std::atomic<int> &active, long &seen,
		      long n)
{
	// Spin rather than yield: a yielding writer loses its time slice to
	// the spinning readers (and to anything else the machine runs).
	for (unsigned spins = 0; progress.load(std::memory_order_relaxed) < seen + n &&
				 active.load(std::memory_order_relaxed) > 0;
	     spins++) {
		if (spins % 4096 == 4095)
			std::this_thread::yield();
		cpu_relax();
	}
	seen = progress.load(std::memory_order_relaxed);
}

} // namespace

TEST_F(DmaFenceMtTest, GetRcuSafeRacesReplacedSlot)
{
	// kzalloc'd fences, freed by kfree_rcu: the reclaim thread runs during
	// the test, so a reader touching a fence after its grace period is a
	// real use-after-free for ASan.
	const bool old_auto = fence_rcu_set_auto_reclaim(true);
	constexpr u64 kReplacements = 1000;
	const u64 ctx = dma_fence_context_alloc(1);
	fence::rcu_ptr<struct dma_fence> slot{nullptr};
	std::atomic<bool> done{false};
	std::atomic<long> progress{0};
	std::atomic<int> active{2};
	std::atomic<u64> written{0};
	long seen = 0;
	rcu_assign_pointer(slot, mock_alloc(&names_ops, ctx, 1));

	slot_reader r1{&slot, ctx, &done, &progress, &active, &written};
	slot_reader r2{&slot, ctx, &done, &progress, &active, &written};
	std::thread t1(std::ref(r1)), t2(std::ref(r2));
	for (u64 seqno = 2; seqno <= kReplacements; seqno++) {
		struct dma_fence *nf = mock_alloc(&names_ops, ctx, seqno);
		ASSERT_NE(nf, nullptr);
		struct dma_fence *old = rcu_replace_pointer(slot, nf, true);
		dma_fence_signal(old);
		dma_fence_put(old);
		written.store(seqno, std::memory_order_relaxed);
		if (seqno % 16 == 0)
			wait_for_readers(progress, active, seen, 4);
	}
	struct dma_fence *last = rcu_replace_pointer(slot, nullptr, true);
	dma_fence_signal(last);
	dma_fence_put(last);
	done = true;
	t1.join();
	t2.join();
	fence_rcu_set_auto_reclaim(old_auto);

	EXPECT_EQ(r1.violations, 0);
	EXPECT_EQ(r2.violations, 0);
	// The writer waited for the readers at every checkpoint (unless both
	// already hit their cap): reads and replacements interleaved.
	EXPECT_GE(r1.gets + r2.gets,
		  std::min(static_cast<long>(kReplacements / 16) * 4, 2 * slot_reader::kMaxGets));
	printf("gets %ld, nulls %ld\n", r1.gets + r2.gets, r1.nulls + r2.nulls);
}

TEST_F(DmaFenceMtTest, GetRcuSafeRacesReplacedSlotWithRecycledMemory)
{
	// SLAB_TYPESAFE_BY_RCU: a released RECYCLE fence is reinitialised by
	// the next create at once, while readers may still look at it.
	struct fence_module *m = nullptr;
	ASSERT_EQ(fence_module_load("mtrecycle", FENCE_MODEL_RECYCLE, &m), 0);
	constexpr u64 kReplacements = 1000;
	const u64 ctx = fence_module_context(m);
	fence::rcu_ptr<struct dma_fence> slot{nullptr};
	std::atomic<bool> done{false};
	std::atomic<long> progress{0};
	std::atomic<int> active{2};
	std::atomic<u64> written{0};
	long seen = 0;
	rcu_assign_pointer(slot, fence_module_create_fence(m, 1, 0));

	slot_reader r1{&slot, ctx, &done, &progress, &active, &written};
	slot_reader r2{&slot, ctx, &done, &progress, &active, &written};
	std::thread t1(std::ref(r1)), t2(std::ref(r2));
	std::vector<struct dma_fence *> addrs;
	for (u64 seqno = 2; seqno <= kReplacements; seqno++) {
		struct dma_fence *nf = fence_module_create_fence(m, seqno, 0);
		ASSERT_NE(nf, nullptr);
		if (addrs.size() < 64)
			addrs.push_back(nf);
		struct dma_fence *old = rcu_replace_pointer(slot, nf, true);
		dma_fence_signal(old);
		dma_fence_put(old); // the module's reference goes at the next create
		written.store(seqno, std::memory_order_relaxed);
		if (seqno % 16 == 0)
			wait_for_readers(progress, active, seen, 4);
	}
	struct dma_fence *last = rcu_replace_pointer(slot, nullptr, true);
	dma_fence_signal(last);
	dma_fence_put(last);
	done = true;
	t1.join();
	t2.join();

	EXPECT_EQ(r1.violations, 0);
	EXPECT_EQ(r2.violations, 0);
	// The writer waited for the readers at every checkpoint (unless both
	// already hit their cap): reads and replacements interleaved.
	EXPECT_GE(r1.gets + r2.gets,
		  std::min(static_cast<long>(kReplacements / 16) * 4, 2 * slot_reader::kMaxGets));
	// Memory really was recycled: far fewer distinct fences than creates.
	std::sort(addrs.begin(), addrs.end());
	EXPECT_LT(std::unique(addrs.begin(), addrs.end()) - addrs.begin(), 32);
	EXPECT_EQ(fence_module_unload(m), 0);
	printf("gets %ld, nulls %ld\n", r1.gets + r2.gets, r1.nulls + r2.nulls);
}

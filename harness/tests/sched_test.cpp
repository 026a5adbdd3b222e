// SPDX-License-Identifier: MIT
//
// The deterministic scheduler (harness/sched.h) and the dsched twins of the
// core's race tests: the same races as core/tests/dma_fence_mt_test.cpp, run
// as logical threads under many schedules instead of free-running threads.
//
// Oracle: switches happen only at scheduling points and one thread runs at a
// time; a spinlock held by a descheduled thread makes the contender yield,
// not spin; synchronize_rcu() returns only after the readers that were
// inside when it began have left; deferred callbacks run after that; sleeps
// end by wakeup or by virtual time, which advances only when every thread
// is blocked; the same schedule takes the same decisions; a deadlock is
// reported with each thread's wait. The twins check the exactly-once rules
// (a callback runs once or is removed, a fence is released once).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "fence/fence.h"
#include "fence/slab.h"
#include "harness/concurrent.h"
#include "harness/sched.h"

using harness::schedule_spec;
using harness::dsched::scheduler;

namespace {

schedule_spec random_spec(uint64_t seed)
{
	schedule_spec s;
	s.k = schedule_spec::kind::random;
	s.seed = seed;
	return s;
}

schedule_spec pct_spec(uint64_t seed, unsigned depth, unsigned steps = 64)
{
	schedule_spec s;
	s.k = schedule_spec::kind::pct;
	s.seed = seed;
	s.depth = depth;
	s.steps = steps;
	return s;
}

schedule_spec bytes_spec(std::vector<uint8_t> b)
{
	schedule_spec s;
	s.bytes = std::move(b);
	return s;
}

using thread_list = std::vector<std::pair<std::string, std::function<void()>>>;

// ---- a mock fence with a release counter -----------------------------------------

std::atomic<int> g_releases{0};
const char *mock_name(struct dma_fence *) { return "mock"; }
void mock_release(struct dma_fence *f)
{
	g_releases++;
	dma_fence_free(f);
}
const struct dma_fence_ops kMockOps = {.get_driver_name = mock_name,
				       .get_timeline_name = mock_name};
const struct dma_fence_ops kReleaseOps = {.get_driver_name = mock_name,
					  .get_timeline_name = mock_name,
					  .release = mock_release};

struct dma_fence *mock_fence(const struct dma_fence_ops *ops = &kMockOps)
{
	auto *f = static_cast<struct dma_fence *>(kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
	dma_fence_init(f, ops, nullptr, dma_fence_context_alloc(1), 1);
	return f;
}

struct count_cb {
	struct dma_fence_cb cb;
	int calls = 0;
};
void count_cb_func(struct dma_fence *, struct dma_fence_cb *cb)
{
	container_of(cb, count_cb, cb)->calls++;
}

class Dsched : public ::testing::Test {
protected:
	void SetUp() override
	{
		harness::init_concurrent_process();
		live0_ = fence_slab_live();
	}
	void TearDown() override
	{
		rcu_barrier();
		EXPECT_EQ(fence_slab_live(), live0_) << "leaked or double-freed kmalloc objects";
	}
	long live0_ = 0;
};

} // namespace

// ---- the scheduler ----------------------------------------------------------------

TEST_F(Dsched, OneThreadAtATimeSwitchingOnlyAtPoints)
{
	for (uint64_t seed = 0; seed < 20; seed++) {
		int inside = 0, max_inside = 0, switches_seen = 0;
		std::vector<int> order;
		auto body = [&](int id) {
			for (int i = 0; i < 5; i++) {
				inside++;
				max_inside = std::max(max_inside, inside);
				if (!order.empty() && order.back() != id)
					switches_seen++;
				order.push_back(id);
				inside--;
				scheduler::point();
			}
		};
		scheduler s(random_spec(seed));
		s.run({{"a", [&] { body(0); }}, {"b", [&] { body(1); }}, {"c", [&] { body(2); }}});
		EXPECT_EQ(max_inside, 1);
		EXPECT_EQ(order.size(), 15u);
		EXPECT_LE(static_cast<size_t>(switches_seen), s.decisions().size());
	}
}

TEST_F(Dsched, SameScheduleSameDecisions)
{
	for (const schedule_spec &spec :
	     {random_spec(42), pct_spec(42, 3), bytes_spec({1, 2, 0, 1, 2, 3, 1, 0})}) {
		std::vector<std::vector<int>> orders;
		std::vector<std::vector<uint8_t>> decisions;
		for (int run = 0; run < 3; run++) {
			std::vector<int> order;
			DEFINE_SPINLOCK(lock);
			auto body = [&](int id) {
				for (int i = 0; i < 4; i++) {
					spin_lock(&lock);
					order.push_back(id);
					spin_unlock(&lock);
				}
			};
			scheduler s(spec);
			s.run({{"a", [&] { body(0); }}, {"b", [&] { body(1); }}, {"c", [&] { body(2); }}});
			orders.push_back(order);
			decisions.push_back(s.decisions());
		}
		EXPECT_EQ(orders[0], orders[1]) << harness::format_schedule(spec);
		EXPECT_EQ(orders[0], orders[2]) << harness::format_schedule(spec);
		EXPECT_EQ(decisions[0], decisions[1]) << harness::format_schedule(spec);
	}
}

TEST_F(Dsched, DifferentSeedsGiveDifferentInterleavings)
{
	std::set<std::vector<int>> seen;
	for (uint64_t seed = 0; seed < 30; seed++) {
		std::vector<int> order;
		auto body = [&](int id) {
			for (int i = 0; i < 3; i++) {
				order.push_back(id);
				scheduler::point();
			}
		};
		scheduler s(random_spec(seed));
		s.run({{"a", [&] { body(0); }}, {"b", [&] { body(1); }}});
		seen.insert(order);
	}
	EXPECT_GT(seen.size(), 5u);
}

TEST_F(Dsched, BytesPickThreadAndRunLength)
{
	// L0 T1 L1 T2: a runs 1 point, then b (1 % 2) runs 2, then a (0)
	// until the end (the bytes ran out: no preemption, round-robin when
	// forced).
	std::vector<int> order;
	auto body = [&](int id) {
		for (int i = 0; i < 4; i++) {
			scheduler::point();
			order.push_back(id);
		}
	};
	scheduler s(bytes_spec({1, 1, 2, 0}));
	s.run({{"a", [&] { body(0); }}, {"b", [&] { body(1); }}});
	EXPECT_EQ(order, (std::vector<int>{0, 1, 1, 0, 0, 0, 1, 1}));
}

TEST_F(Dsched, SpinlockHolderDescheduledContenderYields)
{
	// b is preempted while holding the lock; a then contends and must block
	// (not spin on the thread that holds the baton) until b unlocks.
	for (uint64_t seed = 0; seed < 50; seed++) {
		DEFINE_SPINLOCK(lock);
		std::vector<std::string> log;
		auto body = [&](const char *who) {
			spin_lock(&lock);
			log.push_back(std::string(who) + "+");
			scheduler::point();
			scheduler::point();
			log.push_back(std::string(who) + "-");
			spin_unlock(&lock);
		};
		scheduler s(random_spec(seed));
		s.run({{"a", [&] { body("a"); }}, {"b", [&] { body("b"); }}});
		ASSERT_EQ(log.size(), 4u);
		EXPECT_EQ(log[0][0], log[1][0]) << "seed " << seed << ": critical sections overlapped";
		EXPECT_EQ(log[2][0], log[3][0]) << "seed " << seed;
	}
}

TEST_F(Dsched, SynchronizeRcuWaitsForPreexistingReaders)
{
	int waited = 0;
	for (uint64_t seed = 0; seed < 100; seed++) {
		int section = 0;     // id of the reader's current section, 0 = outside
		int next_id = 1;
		bool violated = false;
		auto reader = [&] {
			for (int i = 0; i < 3; i++) {
				rcu_read_lock();
				section = next_id++;
				scheduler::point();
				scheduler::point();
				section = 0;
				rcu_read_unlock();
			}
		};
		auto updater = [&] {
			for (int i = 0; i < 2; i++) {
				int before = section;
				synchronize_rcu();
				if (before && section == before)
					violated = true;
				waited += before != 0;
			}
		};
		scheduler s(random_spec(seed));
		s.run({{"reader", reader}, {"updater", updater}});
		EXPECT_FALSE(violated) << "seed " << seed;
	}
	EXPECT_GT(waited, 0) << "no schedule had synchronize_rcu() wait for a reader";
}

TEST_F(Dsched, DeferredFreeWaitsForReaders)
{
	// The reader holds a pointer under RCU while the updater drops the last
	// reference (kfree_rcu) and runs rcu_barrier(): ASan would report the
	// read if the free came first.
	for (uint64_t seed = 0; seed < 100; seed++) {
		fence::rcu_ptr<struct dma_fence> slot;
		struct dma_fence *f = mock_fence();
		RCU_INIT_POINTER(slot, f);
		u64 seen = 0;
		auto reader = [&] {
			rcu_read_lock();
			struct dma_fence *p = rcu_dereference(slot);
			scheduler::point();
			if (p)
				seen += std::atomic_ref<u64>(p->seqno).load();
			rcu_read_unlock();
		};
		auto updater = [&] {
			struct dma_fence *old = rcu_replace_pointer(slot, nullptr, true);
			dma_fence_put(old);
			rcu_barrier();
		};
		scheduler s(random_spec(seed));
		s.run({{"reader", reader}, {"updater", updater}});
		EXPECT_LE(seen, 1u);
	}
}

TEST_F(Dsched, RcuBarrierRunsCallbacksQueuedWhileItWaited)
{
	// Regression: an rcu_barrier() waiting for another thread's batch waited
	// for "nothing pending" only, so callbacks queued after that batch were
	// never run and the barrier never returned (a DEADLOCK report;
	// corpora/concurrent_fuzz/crashes/20261125-deadlock-rcu-barrier-queued-meanwhile.prog).
	struct obj {
		struct rcu_head rh;
	};
	auto queue_one = [] { kfree_rcu(static_cast<obj *>(kzalloc(sizeof(obj), GFP_KERNEL)), rh); };
	for (uint64_t seed = 0; seed < 300; seed++) {
		scheduler s(seed % 2 ? random_spec(seed) : pct_spec(seed, 3, 32));
		s.run({{"a", [&] {
				queue_one();
				rcu_barrier();
			}},
		       {"b", [&] { rcu_barrier(); }},
		       {"c", [&] {
				rcu_read_lock();
				scheduler::point();
				rcu_read_unlock();
				queue_one();
				queue_one();
			}},
		       {"d", [&] {
				scheduler::point();
				rcu_barrier();
			}}});
		rcu_barrier();
		EXPECT_EQ(fence_rcu_pending(), 0) << "seed " << seed;
	}
}

TEST_F(Dsched, VirtualTimeAdvancesOnlyWhenAllSleep)
{
	struct dma_fence *f = mock_fence();
	const unsigned long j0 = jiffies;
	long ret = -1;
	scheduler s(random_spec(1));
	s.run({{"waiter", [&] { ret = dma_fence_wait_timeout(f, false, 5); }},
	       {"busy", [&] {
			for (int i = 0; i < 10; i++)
				scheduler::point();
		}}});
	EXPECT_EQ(ret, 0); // timed out: nobody signals
	EXPECT_GE(jiffies - j0, 5u);
	EXPECT_LT(jiffies - j0, 7u);
	dma_fence_put(f);
}

TEST_F(Dsched, WakeupEndsSleepBeforeItsTimeout)
{
	for (uint64_t seed = 0; seed < 30; seed++) {
		struct dma_fence *f = mock_fence();
		const unsigned long j0 = jiffies;
		long ret = -1;
		scheduler s(random_spec(seed));
		s.run({{"waiter", [&] { ret = dma_fence_wait_timeout(f, false, 100); }},
		       {"signaller", [&] { dma_fence_signal(f); }}});
		EXPECT_GT(ret, 0) << "seed " << seed;
		EXPECT_LT(jiffies - j0, 100u) << "seed " << seed;
		dma_fence_put(f);
	}
}

TEST_F(Dsched, PctFindsADepthTwoOrderingBug)
{
	// b must run between a's two steps: one change point at the right place.
	int found = 0;
	for (uint64_t seed = 0; seed < 100; seed++) {
		int state = 0;
		bool hit = false;
		auto a = [&] {
			state = 1;
			scheduler::point();
			state = 2;
		};
		auto b = [&] {
			scheduler::point();
			if (state == 1)
				hit = true;
		};
		scheduler s(pct_spec(seed, 2, 4));
		s.run({{"a", a}, {"b", b}});
		found += hit;
	}
	EXPECT_GT(found, 5);
}

TEST(DschedDeathTest, ReportsDeadlockWithEachThreadsWait)
{
	GTEST_FLAG_SET(death_test_style, "threadsafe");
	auto abba = [] {
		harness::init_concurrent_process();
		DEFINE_SPINLOCK(l1);
		DEFINE_SPINLOCK(l2);
		auto ab = [&](spinlock_t *x, spinlock_t *y) {
			spin_lock(x);
			scheduler::point();
			scheduler::point();
			spin_lock(y);
			spin_unlock(y);
			spin_unlock(x);
		};
		// a takes l1, b takes l2, then each wants the other's lock.
		scheduler s(bytes_spec({1, 1, 1, 0, 5}));
		s.run({{"a", [&] { ab(&l1, &l2); }}, {"b", [&] { ab(&l2, &l1); }}});
	};
	EXPECT_DEATH(abba(),
		     "DEADLOCK.*\n.*thread 0 \\(a\\).*\n.*waits for spinlock .*held by thread 1 \\(b\\)");
}

// ---- dsched twins of core/tests/dma_fence_mt_test.cpp -------------------------------

TEST(DmaFenceDsched, SignalRacesRemoveCallback)
{
	harness::init_concurrent_process();
	long n_removed = 0, n_ran = 0;
	for (uint64_t seed = 0; seed < 200; seed++) {
		struct dma_fence *f = mock_fence();
		count_cb c, other;
		ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
		ASSERT_EQ(dma_fence_add_callback(f, &other.cb, count_cb_func), 0);
		bool removed = false;
		scheduler s(seed % 2 ? random_spec(seed) : pct_spec(seed, 2));
		s.run({{"remover", [&] { removed = dma_fence_remove_callback(f, &c.cb); }},
		       {"signaller", [&] { dma_fence_signal(f); }}});
		EXPECT_EQ(removed ? 0 : 1, c.calls) << "seed " << seed; // removed XOR ran
		EXPECT_EQ(other.calls, 1) << "seed " << seed;
		(removed ? n_removed : n_ran)++;
		dma_fence_put(f);
	}
	EXPECT_GT(n_removed, 0);
	EXPECT_GT(n_ran, 0);
	rcu_barrier();
}

TEST(DmaFenceDsched, SignalRacesRelease)
{
	// Two owners: one signals then drops its reference, the other drops its
	// own. Exactly one release, the callback runs once with no error.
	harness::init_concurrent_process();
	for (uint64_t seed = 0; seed < 200; seed++) {
		struct dma_fence *f = mock_fence(&kReleaseOps);
		dma_fence_get(f);
		count_cb c;
		ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
		const int r0 = g_releases.load();
		scheduler s(seed % 2 ? random_spec(seed) : pct_spec(seed, 3));
		s.run({{"signal+put", [&] {
				dma_fence_signal(f);
				dma_fence_put(f);
			}},
		       {"put", [&] { dma_fence_put(f); }}});
		EXPECT_EQ(g_releases.load(), r0 + 1) << "seed " << seed;
		EXPECT_EQ(c.calls, 1) << "seed " << seed;
	}
	rcu_barrier();
}

TEST(DmaFenceDsched, GetRcuSafeRacesReplacedSlot)
{
	// get_rcu_safe returns the fence that is in the slot (or NULL), with a
	// reference, while an updater replaces and drops the slot's fence.
	harness::init_concurrent_process();
	for (uint64_t seed = 0; seed < 200; seed++) {
		fence::rcu_ptr<struct dma_fence> slot;
		struct dma_fence *a = mock_fence(), *b = mock_fence();
		RCU_INIT_POINTER(slot, a);
		struct dma_fence *got = nullptr;
		scheduler s(seed % 2 ? random_spec(seed) : pct_spec(seed, 3));
		s.run({{"reader", [&] {
				rcu_read_lock();
				got = dma_fence_get_rcu_safe(&slot);
				rcu_read_unlock();
			}},
		       {"updater", [&] {
				struct dma_fence *old = rcu_replace_pointer(slot, b, true);
				dma_fence_put(old);
			}}});
		ASSERT_TRUE(got == a || got == b) << "seed " << seed;
		EXPECT_GE(kref_read(&got->refcount), 1u);
		dma_fence_put(got);
		dma_fence_put(rcu_replace_pointer(slot, nullptr, true));
		rcu_barrier();
	}
}

// SPDX-License-Identifier: MIT
//
// Kernel primitives of the fence core: spinlock_t, kref, list_head, the slab
// allocator, time, jiffies, sleeping and signals, WARN/BUG, might_sleep().
//
// Oracle: each primitive must have the kernel's semantics for real, not
// just its signature. A spinlock that does not exclude loses increments; a
// sleep that does not sleep returns early; a lost wakeup or an ignored
// signal makes a wait run into its (large) timeout; a WARN that is not
// fatal outside fence::expect_warn lets API misuse pass silently.
//
// Death tests use the "threadsafe" style (re-exec) because the process has
// threads (the RCU reclaim thread, the lock-holder threads below).
// Timing: sleeps are compared with each other and with lower bounds only;
// there is no upper bound tighter than "well before the timeout" because
// the CI machine is small and shared.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "fence/bug.h"
#include "fence/kref.h"
#include "fence/list.h"
#include "fence/sched.h"
#include "fence/slab.h"
#include "fence/spinlock.h"

namespace {

void threadsafe_death_tests()
{
	GTEST_FLAG_SET(death_test_style, "threadsafe");
}

// ---- spinlock_t ------------------------------------------------------------

TEST(Spinlock, ZeroFilledIsUnlocked)
{
	spinlock_t lock;
	memset(&lock, 0, sizeof(lock));
	EXPECT_FALSE(spin_is_locked(&lock));
	DEFINE_SPINLOCK(defined);
	EXPECT_FALSE(spin_is_locked(&defined));
	spin_lock(&lock);
	EXPECT_TRUE(spin_is_locked(&lock));
	spin_unlock(&lock);
	EXPECT_FALSE(spin_is_locked(&lock));
}

TEST(Spinlock, MutualExclusion)
{
	// A plain (non-atomic) counter: only the lock keeps increments from being
	// lost, and under TSan only the lock's acquire/release keeps it race-free.
	constexpr int kThreads = 4;
	constexpr long kIters = 20000;
	DEFINE_SPINLOCK(lock);
	long counter = 0;
	std::atomic<int> inside{0};
	std::atomic<bool> overlap{false};
	std::atomic<bool> go{false};
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; t++) {
		threads.emplace_back([&] {
			while (!go.load(std::memory_order_acquire))
				std::this_thread::yield();
			for (long i = 0; i < kIters; i++) {
				spin_lock(&lock);
				if (inside.fetch_add(1, std::memory_order_relaxed) != 0)
					overlap.store(true, std::memory_order_relaxed);
				counter = counter + 1;
				inside.fetch_sub(1, std::memory_order_relaxed);
				spin_unlock(&lock);
			}
		});
	}
	go.store(true, std::memory_order_release);
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(counter, kThreads * kIters);
	EXPECT_FALSE(overlap.load());
	EXPECT_FALSE(spin_is_locked(&lock));
}

TEST(Spinlock, HeldStateAndPreemptCount)
{
	DEFINE_SPINLOCK(a);
	DEFINE_SPINLOCK(b);
	EXPECT_FALSE(in_atomic());
	EXPECT_FALSE(lockdep_is_held(&a));
	spin_lock(&a);
	EXPECT_TRUE(lockdep_is_held(&a));
	EXPECT_TRUE(in_atomic());
	lockdep_assert_held(&a); // must not die
	bool held_elsewhere = true;
	std::thread([&] { held_elsewhere = lockdep_is_held(&a); }).join();
	EXPECT_FALSE(held_elsewhere) << "lockdep_is_held() must be per thread";

	unsigned long flags = 42;
	spin_lock_irqsave(&b, flags);
	EXPECT_EQ(flags, 0UL);
	EXPECT_EQ(fence_preempt_count, 2);
	spin_unlock_irqrestore(&b, flags);
	EXPECT_EQ(fence_preempt_count, 1);
	spin_unlock(&a);
	EXPECT_FALSE(in_atomic());
	EXPECT_FALSE(lockdep_is_held(&a));
}

TEST(Spinlock, ContendedLockWaitsForHolder)
{
	DEFINE_SPINLOCK(lock);
	std::atomic<bool> holder_in{false};
	std::atomic<bool> holder_release{false};
	std::atomic<bool> holder_released{false};
	std::thread holder([&] {
		spin_lock(&lock);
		holder_in.store(true);
		while (!holder_release.load())
			std::this_thread::yield();
		holder_released.store(true);
		spin_unlock(&lock);
	});
	while (!holder_in.load())
		std::this_thread::yield();
	std::thread waiter([&] {
		spin_lock(&lock);
		// Ordering check: we can only get here after the holder let go.
		EXPECT_TRUE(holder_released.load());
		spin_unlock(&lock);
	});
	holder_release.store(true);
	holder.join();
	waiter.join();
}

TEST(SpinlockDeathTest, AssertHeldDiesWhenNotHeld)
{
	threadsafe_death_tests();
	DEFINE_SPINLOCK(lock);
	EXPECT_DEATH(lockdep_assert_held(&lock),
		     "lockdep_assert_held\\(&lock\\) failed: lock not held by this thread");
}

TEST(SpinlockDeathTest, AssertHeldDiesWhenHeldByAnotherThread)
{
	threadsafe_death_tests();
	DEFINE_SPINLOCK(lock);
	EXPECT_DEATH(
		{
			std::thread([&] { spin_lock(&lock); }).join();
			lockdep_assert_held(&lock);
		},
		"lockdep_assert_held\\(&lock\\) failed");
}

TEST(SpinlockDeathTest, UnlockByNonOwnerDies)
{
	threadsafe_death_tests();
	DEFINE_SPINLOCK(lock);
	EXPECT_DEATH(
		{
			std::thread([&] { spin_lock(&lock); }).join();
			spin_unlock(&lock);
		},
		"kernel BUG at .*spinlock\\.h:[0-9]+");
}

TEST(SpinlockDeathTest, UnlockOfFreeLockDies)
{
	threadsafe_death_tests();
	DEFINE_SPINLOCK(lock);
	EXPECT_DEATH(spin_unlock(&lock), "kernel BUG at .*spinlock\\.h:[0-9]+");
}

TEST(SpinlockDeathTest, RecursionDies)
{
	threadsafe_death_tests();
	DEFINE_SPINLOCK(lock);
	EXPECT_DEATH(
		{
			spin_lock(&lock);
			spin_lock(&lock);
		},
		"spinlock recursion");
}

// ---- kref ------------------------------------------------------------------

struct counted {
	struct kref ref;
	int released;
};

void counted_release(struct kref *k)
{
	container_of(k, struct counted, ref)->released++;
}

TEST(Kref, GetPut)
{
	counted c{};
	kref_init(&c.ref);
	EXPECT_EQ(kref_read(&c.ref), 1u);
	kref_get(&c.ref);
	EXPECT_EQ(kref_read(&c.ref), 2u);
	EXPECT_EQ(kref_put(&c.ref, counted_release), 0);
	EXPECT_EQ(c.released, 0);
	EXPECT_EQ(kref_put(&c.ref, counted_release), 1);
	EXPECT_EQ(c.released, 1);
	EXPECT_EQ(kref_read(&c.ref), 0u);
}

TEST(Kref, GetUnlessZero)
{
	counted c{};
	EXPECT_EQ(kref_read(&c.ref), 0u) << "zero-filled kref counts 0";
	EXPECT_EQ(kref_get_unless_zero(&c.ref), 0);
	EXPECT_EQ(kref_read(&c.ref), 0u);
	kref_init(&c.ref);
	EXPECT_NE(kref_get_unless_zero(&c.ref), 0);
	EXPECT_EQ(kref_read(&c.ref), 2u);
	EXPECT_EQ(kref_put(&c.ref, counted_release), 0);
	EXPECT_EQ(kref_put(&c.ref, counted_release), 1);
	EXPECT_EQ(kref_get_unless_zero(&c.ref), 0) << "no resurrection after the last put";
	EXPECT_EQ(c.released, 1);
}

TEST(Kref, GetOnZeroWarns)
{
	counted c{};
	fence::expect_warn w;
	kref_get(&c.ref);
	EXPECT_EQ(w.count(), 1u);
}

TEST(Kref, ConcurrentGetPutReleasesOnce)
{
	counted c{};
	kref_init(&c.ref);
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; t++) {
		threads.emplace_back([&] {
			for (int i = 0; i < 5000; i++) {
				if (kref_get_unless_zero(&c.ref))
					EXPECT_EQ(kref_put(&c.ref, counted_release), 0);
			}
		});
	}
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(kref_read(&c.ref), 1u);
	EXPECT_EQ(c.released, 0);
	EXPECT_EQ(kref_put(&c.ref, counted_release), 1);
	EXPECT_EQ(c.released, 1);
}

TEST(KrefDeathTest, PutOnZeroDies)
{
	threadsafe_death_tests();
	counted c{};
	EXPECT_DEATH(kref_put(&c.ref, counted_release), "refcount_t: underflow");
}

// ---- list_head ---------------------------------------------------------------

struct item {
	int v;
	struct list_head node;
};

std::vector<int> values(struct list_head *head)
{
	std::vector<int> out;
	struct item *pos;
	list_for_each_entry(pos, head, node)
		out.push_back(pos->v);
	return out;
}

TEST(List, AddIsStackOrderAddTailIsQueueOrder)
{
	LIST_HEAD(stack);
	LIST_HEAD(queue);
	EXPECT_TRUE(list_empty(&stack));
	item a{1, {}}, b{2, {}}, c{3, {}};
	item x{1, {}}, y{2, {}}, z{3, {}};
	list_add(&a.node, &stack);
	list_add(&b.node, &stack);
	list_add(&c.node, &stack);
	list_add_tail(&x.node, &queue);
	list_add_tail(&y.node, &queue);
	list_add_tail(&z.node, &queue);
	EXPECT_EQ(values(&stack), (std::vector<int>{3, 2, 1}));
	EXPECT_EQ(values(&queue), (std::vector<int>{1, 2, 3}));
	EXPECT_FALSE(list_empty(&stack));
	EXPECT_EQ(list_first_entry(&queue, struct item, node), &x);
	// Backward links are consistent too.
	EXPECT_EQ(queue.prev, &z.node);
	EXPECT_EQ(z.node.prev, &y.node);
}

TEST(List, DelInitLeavesEmptyEntry)
{
	struct list_head head;
	INIT_LIST_HEAD(&head);
	item a{1, {}}, b{2, {}}, c{3, {}};
	list_add_tail(&a.node, &head);
	list_add_tail(&b.node, &head);
	list_add_tail(&c.node, &head);
	list_del_init(&b.node);
	EXPECT_TRUE(list_empty(&b.node));
	EXPECT_EQ(values(&head), (std::vector<int>{1, 3}));
	list_del_init(&b.node); // deleting an empty entry again is harmless
	EXPECT_EQ(values(&head), (std::vector<int>{1, 3}));
	list_del(&a.node);
	EXPECT_EQ(a.node.next, nullptr);
	list_del_init(&c.node);
	EXPECT_TRUE(list_empty(&head));
}

TEST(List, Replace)
{
	LIST_HEAD(head);
	item a{1, {}}, b{2, {}}, c{3, {}}, n{9, {}};
	list_add_tail(&a.node, &head);
	list_add_tail(&b.node, &head);
	list_add_tail(&c.node, &head);
	list_replace(&b.node, &n.node);
	EXPECT_EQ(values(&head), (std::vector<int>{1, 9, 3}));
	EXPECT_EQ(a.node.next, &n.node);
	EXPECT_EQ(c.node.prev, &n.node);
	// Replacing the only entry.
	LIST_HEAD(one);
	item d{4, {}}, e{5, {}};
	list_add(&d.node, &one);
	list_replace(&d.node, &e.node);
	EXPECT_EQ(values(&one), (std::vector<int>{5}));
	EXPECT_EQ(one.prev, &e.node);
}

TEST(List, ForEachEntrySafeWithRemovalAndFree)
{
	const long live0 = fence_slab_live();
	LIST_HEAD(head);
	for (int i = 0; i < 10; i++) {
		auto *it = static_cast<item *>(kmalloc(sizeof(item), GFP_KERNEL));
		ASSERT_NE(it, nullptr);
		it->v = i;
		list_add_tail(&it->node, &head);
	}
	struct item *pos, *n;
	int visited = 0;
	list_for_each_entry_safe(pos, n, &head, node) {
		visited++;
		if (pos->v % 2 == 0) {
			list_del(&pos->node);
			kfree(pos); // ASan proves the iterator no longer touches it
		}
	}
	EXPECT_EQ(visited, 10);
	EXPECT_EQ(values(&head), (std::vector<int>{1, 3, 5, 7, 9}));
	list_for_each_entry_safe(pos, n, &head, node) {
		list_del_init(&pos->node);
		kfree(pos);
	}
	EXPECT_TRUE(list_empty(&head));
	EXPECT_EQ(fence_slab_live(), live0);
}

// ---- slab ----------------------------------------------------------------------

TEST(Slab, LiveAccounting)
{
	const long live0 = fence_slab_live();
	void *a = kmalloc(24, GFP_KERNEL);
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(fence_slab_live(), live0 + 1);
	auto *z = static_cast<unsigned char *>(kzalloc(64, GFP_ATOMIC));
	ASSERT_NE(z, nullptr);
	for (int i = 0; i < 64; i++)
		ASSERT_EQ(z[i], 0) << "kzalloc must zero-fill, byte " << i;
	auto *arr = static_cast<int *>(kcalloc(8, sizeof(int), GFP_KERNEL));
	ASSERT_NE(arr, nullptr);
	EXPECT_EQ(arr[7], 0);
	void *empty = kmalloc(0, GFP_KERNEL);
	EXPECT_NE(empty, nullptr);
	EXPECT_EQ(fence_slab_live(), live0 + 4);
	EXPECT_EQ(kcalloc(SIZE_MAX / 2, 4, GFP_KERNEL), nullptr) << "overflow must fail";
	EXPECT_EQ(fence_slab_live(), live0 + 4);
	kfree(nullptr);
	EXPECT_EQ(fence_slab_live(), live0 + 4);
	kfree(a);
	kfree(z);
	kfree(arr);
	kfree(empty);
	EXPECT_EQ(fence_slab_live(), live0);
}

TEST(Slab, FailslabNth)
{
	const long live0 = fence_slab_live();
	EXPECT_EQ(fence_failslab_nth(2), 0UL);
	void *first = kmalloc(8, GFP_KERNEL);
	void *second = kmalloc(8, GFP_KERNEL);
	void *third = kmalloc(8, GFP_KERNEL);
	EXPECT_NE(first, nullptr);
	EXPECT_EQ(second, nullptr) << "the 2nd allocation must fail";
	EXPECT_NE(third, nullptr) << "failslab fires once";
	EXPECT_EQ(fence_slab_live(), live0 + 2) << "a failed allocation is not live";
	kfree(first);
	kfree(third);

	EXPECT_EQ(fence_failslab_nth(1), 0UL);
	EXPECT_EQ(fence_failslab_nth(1), 1UL) << "returns the previous setting";
	// Per thread: another thread's allocation is unaffected.
	void *other = nullptr;
	std::thread([&] { other = kzalloc(8, GFP_KERNEL); }).join();
	EXPECT_NE(other, nullptr);
	kfree(other);
	EXPECT_EQ(kzalloc(8, GFP_KERNEL), nullptr) << "the other thread did not use up ours";
	EXPECT_EQ(fence_failslab_nth(0), 0UL) << "spent";
	fence_failslab_nth(3);
	EXPECT_EQ(fence_failslab_nth(0), 3UL);
	void *after = kmalloc(8, GFP_KERNEL);
	EXPECT_NE(after, nullptr) << "0 disables";
	kfree(after);
	EXPECT_EQ(fence_slab_live(), live0);
}

// ---- time and jiffies ------------------------------------------------------------

TEST(Time, KtimeIsMonotonic)
{
	ktime_t prev = ktime_get();
	EXPECT_GT(prev, 0);
	for (int i = 0; i < 10000; i++) {
		ktime_t now = ktime_get();
		ASSERT_GE(now, prev);
		prev = now;
	}
	EXPECT_TRUE(ktime_after(ktime_add_ns(prev, 1), prev));
	EXPECT_TRUE(ktime_before(prev, ktime_add_ns(prev, 1)));
	EXPECT_EQ(ktime_compare(prev, prev), 0);
	EXPECT_EQ(ktime_compare(prev, prev + 1), -1);
	EXPECT_EQ(ktime_compare(prev + 1, prev), 1);
	EXPECT_EQ(ktime_to_ns(ns_to_ktime(123)), 123);
}

TEST(Time, JiffiesAndHz)
{
	static_assert(HZ == 1000, "one jiffy is one millisecond");
	EXPECT_EQ(msecs_to_jiffies(0), 0UL);
	EXPECT_EQ(msecs_to_jiffies(1), 1UL);
	EXPECT_EQ(msecs_to_jiffies(1000), static_cast<unsigned long>(HZ));
	EXPECT_EQ(msecs_to_jiffies(250), 250UL);
	EXPECT_EQ(jiffies_to_msecs(HZ), 1000u);
	EXPECT_EQ(usecs_to_jiffies(0), 0UL);
	EXPECT_EQ(usecs_to_jiffies(1), 1UL) << "rounds up";
	EXPECT_EQ(usecs_to_jiffies(1000), 1UL);
	EXPECT_EQ(usecs_to_jiffies(1001), 2UL);
	EXPECT_EQ(NSEC_PER_SEC / HZ, NSEC_PER_MSEC);

	const unsigned long j0 = jiffies;
	const ktime_t t0 = ktime_get();
	set_current_state(TASK_UNINTERRUPTIBLE);
	EXPECT_EQ(schedule_timeout(5), 0);
	EXPECT_GE(ktime_get() - t0, 5 * NSEC_PER_MSEC);
	EXPECT_GE(jiffies - j0, 5UL) << "jiffies advance with the monotonic clock";
}

// Virtual time (single-threaded replay): the clock is a counter, sleeps cost nothing.
class virtual_time_scope {
public:
	virtual_time_scope() : old_(fence_time_set_virtual(true)) {}
	~virtual_time_scope() { fence_time_set_virtual(old_); }

private:
	bool old_;
};

TEST(Time, VirtualTimeTicksAndSleepsForFree)
{
	EXPECT_FALSE(fence_time_is_virtual()) << "real time is the default";
	const ktime_t wall0 = ktime_get();
	{
		virtual_time_scope v;
		EXPECT_TRUE(fence_time_is_virtual());
		const ktime_t a = ktime_get();
		const ktime_t b = ktime_get();
		EXPECT_EQ(b - a, NSEC_PER_USEC) << "1 us per call";
		const unsigned long j0 = jiffies;
		set_current_state(TASK_UNINTERRUPTIBLE);
		EXPECT_EQ(schedule_timeout(5 * HZ), 0) << "a 5 s sleep times out at once";
		EXPECT_GE(jiffies - j0, 5UL * HZ);
		EXPECT_GE(ktime_get() - b, 5 * NSEC_PER_SEC);

		// A sleep something already ended does not advance time.
		fence_signal_raise(current);
		set_current_state(TASK_INTERRUPTIBLE);
		const ktime_t c = ktime_get();
		EXPECT_EQ(schedule_timeout(7 * HZ), 7 * HZ);
		EXPECT_LT(ktime_get() - c, NSEC_PER_MSEC);
		fence_signal_clear(current);
	}
	EXPECT_FALSE(fence_time_is_virtual());
	EXPECT_LT(ktime_get() - wall0, 5 * NSEC_PER_SEC) << "virtual sleeps took real time";
}

TEST(TimeDeathTest, VirtualTimeEndlessSleepIsADeadlock)
{
	threadsafe_death_tests();
	EXPECT_DEATH(
		{
			fence_time_set_virtual(true);
			set_current_state(TASK_UNINTERRUPTIBLE);
			schedule_timeout(MAX_SCHEDULE_TIMEOUT);
		},
		"this sleep would never end");
}

// ---- sleeping, waking, signals ------------------------------------------------------

ktime_t timed_sleep(long timeout, long *ret)
{
	const ktime_t t0 = ktime_get();
	set_current_state(TASK_UNINTERRUPTIBLE);
	*ret = schedule_timeout(timeout);
	return ktime_get() - t0;
}

TEST(Sched, ScheduleTimeoutSleepsAboutTheTimeout)
{
	long r2 = -1, r20 = -1;
	// The shortest of three short sleeps, against one long one: a loaded
	// machine can stretch a sleep, never shorten it.
	ktime_t t2 = timed_sleep(2, &r2);
	for (int i = 0; i < 2; i++) {
		long r;
		t2 = std::min(t2, timed_sleep(2, &r));
		EXPECT_EQ(r, 0);
	}
	const ktime_t t20 = timed_sleep(20, &r20);
	EXPECT_EQ(r2, 0) << "timed out: returns 0";
	EXPECT_EQ(r20, 0);
	EXPECT_GE(t2, 2 * NSEC_PER_MSEC);
	EXPECT_GE(t20, 20 * NSEC_PER_MSEC);
	EXPECT_GT(t20, t2) << "a 20-jiffy sleep must take longer than a 2-jiffy one";
}

TEST(Sched, ScheduleTimeoutInTaskRunningReturnsAtOnce)
{
	set_current_state(TASK_RUNNING);
	const ktime_t t0 = ktime_get();
	const long left = schedule_timeout(10 * HZ);
	EXPECT_GT(left, 0);
	EXPECT_LE(left, 10 * HZ);
	EXPECT_LT(ktime_get() - t0, 5 * NSEC_PER_SEC);
	EXPECT_EQ(wake_up_process(current), 0) << "a running task is not woken";
}

TEST(Sched, WakeUpProcessFromAnotherThreadEndsTheSleep)
{
	struct task_struct *me = current;
	std::atomic<bool> about_to_sleep{false};
	std::atomic<int> woken{-1};
	std::thread waker([&] {
		while (!about_to_sleep.load())
			std::this_thread::yield();
		woken.store(wake_up_process(me));
	});
	const ktime_t t0 = ktime_get();
	set_current_state(TASK_UNINTERRUPTIBLE);
	about_to_sleep.store(true);
	// The wakeup may come before or during schedule_timeout(): neither may
	// be lost, so this returns long before the 10 s timeout either way.
	const long left = schedule_timeout(10 * HZ);
	waker.join();
	EXPECT_EQ(woken.load(), 1);
	EXPECT_GT(left, 0);
	EXPECT_LE(left, 10 * HZ);
	EXPECT_LT(ktime_get() - t0, 5 * NSEC_PER_SEC);
}

TEST(Sched, WakeUpStateMatchesState)
{
	struct task_struct *me = current;
	set_current_state(TASK_UNINTERRUPTIBLE);
	int r = -1;
	std::thread([&] { r = wake_up_state(me, TASK_INTERRUPTIBLE); }).join();
	EXPECT_EQ(r, 0) << "TASK_INTERRUPTIBLE wakeups leave uninterruptible sleepers alone";
	std::thread([&] { r = wake_up_state(me, TASK_UNINTERRUPTIBLE); }).join();
	EXPECT_EQ(r, 1);
	EXPECT_GT(schedule_timeout(10 * HZ), 0) << "the wakeup was not lost";
}

TEST(Sched, PendingSignalEndsInterruptibleSleepAtOnce)
{
	EXPECT_FALSE(signal_pending(current));
	fence_signal_raise(current);
	EXPECT_TRUE(signal_pending(current));
	const ktime_t t0 = ktime_get();
	set_current_state(TASK_INTERRUPTIBLE);
	const long left = schedule_timeout(10 * HZ);
	EXPECT_GT(left, 0);
	EXPECT_LT(ktime_get() - t0, 5 * NSEC_PER_SEC);
	EXPECT_TRUE(signal_pending(current)) << "sleeping does not consume the signal";

	// An uninterruptible sleep ignores the signal and runs to its timeout.
	long r = -1;
	const ktime_t slept = timed_sleep(3, &r);
	EXPECT_EQ(r, 0);
	EXPECT_GE(slept, 3 * NSEC_PER_MSEC);

	fence_signal_clear(current);
	EXPECT_FALSE(signal_pending(current));
	set_current_state(TASK_INTERRUPTIBLE);
	EXPECT_EQ(schedule_timeout(2), 0) << "once cleared, the sleep times out again";
}

TEST(Sched, SignalRaisedFromAnotherThreadWakesInterruptibleSleep)
{
	struct task_struct *me = current;
	std::atomic<bool> about_to_sleep{false};
	std::thread raiser([&] {
		while (!about_to_sleep.load())
			std::this_thread::yield();
		fence_signal_raise(me);
	});
	set_current_state(TASK_INTERRUPTIBLE);
	about_to_sleep.store(true);
	const long left = schedule_timeout(10 * HZ);
	raiser.join();
	EXPECT_GT(left, 0);
	EXPECT_TRUE(signal_pending(me));
	fence_signal_clear(me);
	EXPECT_FALSE(signal_pending(me));
}

TEST(Sched, EachThreadHasItsOwnTask)
{
	struct task_struct *mine = current;
	struct task_struct *other = nullptr;
	std::thread([&] { other = current; }).join();
	EXPECT_NE(mine, other);
	EXPECT_EQ(mine, current);
}

// ---- WARN / BUG / might_sleep ------------------------------------------------------

TEST(Warn, WarnOnReturnsConditionAndIsCountedInExpectWarn)
{
	const unsigned long before = fence::warn_count();
	fence::expect_warn w;
	EXPECT_FALSE(WARN_ON(1 + 1 == 3));
	EXPECT_EQ(w.count(), 0u);
	EXPECT_TRUE(WARN_ON(1 + 1 == 2));
	EXPECT_EQ(w.count(), 1u);
	EXPECT_TRUE(WARN(true, "formatted %d", 7));
	EXPECT_FALSE(WARN(false, "never printed"));
	EXPECT_EQ(w.count(), 2u);
	EXPECT_EQ(fence::warn_count(), before + 2);
}

TEST(Warn, ExpectWarnScopesNest)
{
	fence::expect_warn outer;
	{
		fence::expect_warn inner;
		WARN_ON(true);
		EXPECT_EQ(inner.count(), 1u);
	}
	EXPECT_EQ(outer.count(), 0u) << "the innermost scope counts";
	WARN_ON(true);
	EXPECT_EQ(outer.count(), 1u);
}

TEST(Warn, ExpectWarnIsPerThread)
{
	fence::expect_warn w;
	bool other_warned = false;
	std::thread([&] {
		// This thread has no expect_warn: it only stays alive because the
		// condition is false.
		other_warned = WARN_ON(false);
	}).join();
	EXPECT_FALSE(other_warned);
	EXPECT_EQ(w.count(), 0u);
}

const char *g_hook_msg_seen;
std::string g_hook_msg;
void warn_hook(const char *msg) noexcept
{
	g_hook_msg = msg;
	g_hook_msg_seen = g_hook_msg.c_str();
}

TEST(Warn, HookSeesTheMessage)
{
	fence::set_warn_hook(warn_hook);
	{
		fence::expect_warn w;
		WARN(2 > 1, "hook %s", "payload");
	}
	fence::set_warn_hook(nullptr);
	ASSERT_NE(g_hook_msg_seen, nullptr);
	EXPECT_NE(g_hook_msg.find("WARN_ON(2 > 1)"), std::string::npos) << g_hook_msg;
	EXPECT_NE(g_hook_msg.find("hook payload"), std::string::npos) << g_hook_msg;
	EXPECT_NE(g_hook_msg.find("primitives_test.cpp"), std::string::npos) << g_hook_msg;
}

TEST(WarnDeathTest, WarnOnIsFatalWithoutExpectWarn)
{
	threadsafe_death_tests();
	ASSERT_TRUE(fence::panic_on_warn.load()) << "panic_on_warn is the default";
	EXPECT_DEATH(WARN_ON(2 + 2 == 4),
		     "WARNING: .*primitives_test\\.cpp:[0-9]+: WARN_ON\\(2 \\+ 2 == 4\\)"
		     "(.|\n)*panic_on_warn set");
}

TEST(WarnDeathTest, WarnIsFatalOnAThreadWithoutExpectWarn)
{
	threadsafe_death_tests();
	EXPECT_DEATH(
		{
			fence::expect_warn w; // the main thread's scope does not cover others
			std::thread([] { WARN_ON(true); }).join();
		},
		"panic_on_warn set");
}

// The line of the BUG_ON in bug_on_42(), for the death test's regex.
constexpr int kBugOnLine = __LINE__ + 3;
void bug_on_42(int v)
{
	BUG_ON(v == 42);
}

TEST(WarnDeathTest, BugOnDiesWithFileAndLine)
{
	threadsafe_death_tests();
	bug_on_42(41); // false: nothing happens
	EXPECT_DEATH(bug_on_42(42), "kernel BUG at .*primitives_test\\.cpp:" +
					    std::to_string(kBugOnLine) + ": v == 42");
	EXPECT_DEATH(BUG(), "kernel BUG at .*primitives_test\\.cpp:[0-9]+: BUG\\(\\)");
}

TEST(WarnDeathTest, BugOnIsFatalEvenInsideExpectWarn)
{
	threadsafe_death_tests();
	EXPECT_DEATH(
		{
			fence::expect_warn w;
			bug_on_42(42);
		},
		"kernel BUG at");
}

TEST(MightSleep, UnderSpinlockWarns)
{
	DEFINE_SPINLOCK(lock);
	might_sleep(); // fine outside atomic context: no WARN (it would be fatal)
	fence::expect_warn w;
	spin_lock(&lock);
	might_sleep();
	spin_unlock(&lock);
	EXPECT_EQ(w.count(), 1u);
	might_sleep();
	EXPECT_EQ(w.count(), 1u);
}

TEST(MightSleep, ScheduleTimeoutUnderSpinlockWarns)
{
	DEFINE_SPINLOCK(lock);
	fence::expect_warn w;
	spin_lock(&lock);
	set_current_state(TASK_UNINTERRUPTIBLE);
	EXPECT_EQ(schedule_timeout(1), 0);
	spin_unlock(&lock);
	EXPECT_EQ(w.count(), 1u);
}

TEST(MightSleepDeathTest, UnderSpinlockIsFatalWithoutExpectWarn)
{
	threadsafe_death_tests();
	DEFINE_SPINLOCK(lock);
	EXPECT_DEATH(
		{
			spin_lock(&lock);
			might_sleep();
		},
		"sleeping function called from invalid context(.|\n)*in_atomic\\(\\): 1");
}

} // namespace

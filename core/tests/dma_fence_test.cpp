// SPDX-License-Identifier: MIT
//
// dma_fence API tests: one or more tests per public function and per rule of
// KERNEL-SEMANTICS.md A.2/A.3 (Linux 7.1 semantics). Names follow the
// kernel's selftests (drivers/dma-buf/st-dma-fence.c) where one exists:
// test_late_add_callback -> DmaFenceTest.LateAddCallbackReturnsENOENT.
//
// Oracle: any EXPECT failure, an unexpected WARN (panic_on_warn aborts),
// a sanitizer report, or fence memory still allocated after rcu_barrier()
// at the end of a test (FenceTest::TearDown) means the core is broken.
//
// Built twice: dma_fence_test (everything but death tests) and, with
// FENCEFUZZ_DEATH_TESTS, dma_fence_death_test (label "death").
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fence/fence.h"
#include "fence/slab.h"
#include "test_ops.h"

using namespace fft;

namespace {

class DmaFenceTest : public FenceTest {};

struct order_cb {
	struct dma_fence_cb cb;
	std::vector<int> *log;
	int id;
};

[[maybe_unused]] void order_cb_func(struct dma_fence *, struct dma_fence_cb *cb)
{
	order_cb *o = container_of(cb, order_cb, cb);
	o->log->push_back(o->id);
}

} // namespace

#ifndef FENCEFUZZ_DEATH_TESTS

// ---- init, flags, contexts ----------------------------------------------------

TEST_F(DmaFenceTest, SanityCheck)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_enable_sw_signaling(f);
	dma_fence_signal(f);
	EXPECT_TRUE(dma_fence_is_signaled(f));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, InitSetsFieldsAndInlineLock)
{
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *f = mock_alloc(&names_ops, ctx, 7);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(refcount(f), 1u);
	EXPECT_TRUE(ops_is(f, &names_ops));
	EXPECT_EQ(f->context, ctx);
	EXPECT_EQ(f->seqno, 7u);
	EXPECT_EQ(f->error, 0);
	EXPECT_EQ(f->flags,
		  (1UL << DMA_FENCE_FLAG_INITIALIZED_BIT) | (1UL << DMA_FENCE_FLAG_INLINE_LOCK_BIT));
	EXPECT_EQ(dma_fence_spinlock(f), &f->inline_lock);
	EXPECT_TRUE(list_empty(&f->cb_list));
	EXPECT_FALSE(dma_fence_test_signaled_flag(f));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, InitOverwritesStaleState)
{
	// A recycled fence (typesafe-by-RCU) still holds its previous life's
	// flags and error: init must start it clean.
	auto *f = static_cast<struct dma_fence *>(kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
	ASSERT_NE(f, nullptr);
	f->flags = ~0UL;
	f->error = -EIO;
	dma_fence_init(f, &names_ops, nullptr, 1, 1);
	EXPECT_EQ(f->flags,
		  (1UL << DMA_FENCE_FLAG_INITIALIZED_BIT) | (1UL << DMA_FENCE_FLAG_INLINE_LOCK_BIT));
	EXPECT_EQ(f->error, 0);
	EXPECT_EQ(dma_fence_get_status(f), 0);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, InitWithExternLockUsesIt)
{
	DEFINE_SPINLOCK(lock);
	struct dma_fence *f = mock_alloc(&names_ops, 0, 1, &lock);
	ASSERT_NE(f, nullptr);
	EXPECT_FALSE(test_bit(DMA_FENCE_FLAG_INLINE_LOCK_BIT, &f->flags));
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_INITIALIZED_BIT, &f->flags));
	EXPECT_EQ(dma_fence_spinlock(f), &lock);
	EXPECT_EQ(f->extern_lock, &lock);

	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	EXPECT_TRUE(spin_is_locked(&lock));
	EXPECT_TRUE(lockdep_is_held(&lock));
	dma_fence_signal_locked(f);
	dma_fence_unlock_irqrestore(f, flags);
	EXPECT_FALSE(spin_is_locked(&lock));
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, ExternLockIsSharedForInOrderSignalling)
{
	// The legacy use of an external lock: one lock, several fences,
	// signalled in order inside one critical section.
	DEFINE_SPINLOCK(lock);
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *a = mock_alloc(&names_ops, ctx, 1, &lock);
	struct dma_fence *b = mock_alloc(&names_ops, ctx, 2, &lock);
	ASSERT_TRUE(a && b);
	EXPECT_EQ(dma_fence_spinlock(a), dma_fence_spinlock(b));
	std::vector<int> log;
	order_cb ca = {{}, &log, 1}, cbb = {{}, &log, 2};
	ASSERT_EQ(dma_fence_add_callback(a, &ca.cb, order_cb_func), 0);
	ASSERT_EQ(dma_fence_add_callback(b, &cbb.cb, order_cb_func), 0);

	spin_lock(&lock);
	dma_fence_signal_locked(a);
	EXPECT_TRUE(lockdep_is_held(dma_fence_spinlock(b))); // b is locked too
	dma_fence_signal_locked(b);
	spin_unlock(&lock);
	EXPECT_EQ(log, (std::vector<int>{1, 2}));
	dma_fence_put(a);
	dma_fence_put(b);
}

TEST_F(DmaFenceTest, InlineLockIsPerFence)
{
	struct dma_fence *a = mock_alloc();
	struct dma_fence *b = mock_alloc();
	ASSERT_TRUE(a && b);
	EXPECT_EQ(dma_fence_spinlock(a), &a->inline_lock);
	EXPECT_EQ(dma_fence_spinlock(b), &b->inline_lock);
	unsigned long fa, fb;
	dma_fence_lock_irqsave(a, fa);
	EXPECT_TRUE(lockdep_is_held(dma_fence_spinlock(a)));
	EXPECT_FALSE(lockdep_is_held(dma_fence_spinlock(b)));
	dma_fence_lock_irqsave(b, fb); // would deadlock if the lock were shared
	dma_fence_unlock_irqrestore(b, fb);
	dma_fence_unlock_irqrestore(a, fa);
	dma_fence_put(a);
	dma_fence_put(b);
}

TEST_F(DmaFenceTest, Init64SetsSeqno64Flag)
{
	struct dma_fence *f = mock_alloc(&names_ops, 0, 1, nullptr, true);
	struct dma_fence *g = mock_alloc(&names_ops, 0, 1, nullptr, false);
	ASSERT_TRUE(f && g);
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_SEQNO64_BIT, &f->flags));
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_INITIALIZED_BIT, &f->flags));
	EXPECT_FALSE(test_bit(DMA_FENCE_FLAG_SEQNO64_BIT, &g->flags));
	dma_fence_put(f);
	dma_fence_put(g);
}

TEST_F(DmaFenceTest, WasInitializedOnZeroedMemory)
{
	auto *f = static_cast<struct dma_fence *>(kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
	ASSERT_NE(f, nullptr);
	EXPECT_FALSE(dma_fence_was_initialized(nullptr));
	EXPECT_FALSE(dma_fence_was_initialized(f));
	dma_fence_init(f, &names_ops, nullptr, 1, 1);
	EXPECT_TRUE(dma_fence_was_initialized(f));
	dma_fence_signal(f);
	// Detach cleared ops: the pre-7.1 "ops != NULL" test would say no.
	EXPECT_TRUE(ops_detached(f));
	EXPECT_TRUE(dma_fence_was_initialized(f));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, ContextAllocStartsAtOneAndIsConsecutive)
{
	const u64 a = dma_fence_context_alloc(1);
	EXPECT_GE(a, 1u);
	const u64 b = dma_fence_context_alloc(3);
	EXPECT_EQ(b, a + 1);
	const u64 c = dma_fence_context_alloc(1);
	EXPECT_EQ(c, b + 3);
	for (int i = 0; i < 100; i++)
		EXPECT_NE(dma_fence_context_alloc(1), 0u);
}

TEST_F(DmaFenceTest, ContextAllocZeroWarns)
{
	const u64 before = dma_fence_context_alloc(1);
	{
		fence::expect_warn w;
		(void)dma_fence_context_alloc(0);
		EXPECT_EQ(w.count(), 1u);
	}
	// Zero contexts allocated: the next one follows directly.
	EXPECT_EQ(dma_fence_context_alloc(1), before + 1);
}

// ---- references -------------------------------------------------------------

TEST_F(DmaFenceTest, GetPutNullIsSafe)
{
	EXPECT_EQ(dma_fence_get(nullptr), nullptr);
	dma_fence_put(nullptr);
}

TEST_F(DmaFenceTest, GetPutCountsReferences)
{
	const long live = fence_slab_live();
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(dma_fence_get(f), f);
	EXPECT_EQ(refcount(f), 2u);
	dma_fence_put(f);
	EXPECT_EQ(refcount(f), 1u);
	dma_fence_put(f); // last: kfree_rcu, freed at the next grace period
	rcu_barrier();
	EXPECT_EQ(fence_slab_live(), live);
}

TEST_F(DmaFenceTest, ReleaseOpIsCalledOnLastPut)
{
	const long before = g_release_calls.load();
	struct dma_fence *f = mock_alloc(&release_ops);
	ASSERT_NE(f, nullptr);
	dma_fence_get(f);
	dma_fence_put(f);
	EXPECT_EQ(g_release_calls.load(), before);
	dma_fence_signal(f);
	dma_fence_put(f);
	EXPECT_EQ(g_release_calls.load(), before + 1);
}

TEST_F(DmaFenceTest, GetRcuFailsOnceRefcountHitZero)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	{
		fence::rcu_read_guard g;
		EXPECT_EQ(dma_fence_get_rcu(f), f);
		EXPECT_EQ(refcount(f), 2u);
		dma_fence_put(f);
		dma_fence_put(f); // refcount 0; memory stays until the grace period
		EXPECT_EQ(dma_fence_get_rcu(f), nullptr);
		EXPECT_EQ(refcount(f), 0u);
	}
}

TEST_F(DmaFenceTest, GetRcuSafeReturnsFenceInSlot)
{
	fence::rcu_ptr<struct dma_fence> slot{nullptr};
	{
		fence::rcu_read_guard g;
		EXPECT_EQ(dma_fence_get_rcu_safe(&slot), nullptr);
	}
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	rcu_assign_pointer(slot, f);
	struct dma_fence *got;
	{
		fence::rcu_read_guard g;
		got = dma_fence_get_rcu_safe(&slot);
	}
	EXPECT_EQ(got, f);
	EXPECT_EQ(refcount(f), 2u);
	dma_fence_put(got);

	// Replaced: the reader gets the new fence, never the old one.
	struct dma_fence *n = mock_alloc();
	ASSERT_NE(n, nullptr);
	struct dma_fence *old = rcu_replace_pointer(slot, n, true);
	EXPECT_EQ(old, f);
	dma_fence_put(old);
	{
		fence::rcu_read_guard g;
		got = dma_fence_get_rcu_safe(&slot);
	}
	EXPECT_EQ(got, n);
	EXPECT_EQ(refcount(n), 2u);
	dma_fence_put(got);
	dma_fence_put(rcu_replace_pointer(slot, nullptr, true));
}

// ---- signaling --------------------------------------------------------------

TEST_F(DmaFenceTest, Signaling)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_enable_sw_signaling(f);
	EXPECT_FALSE(dma_fence_is_signaled(f));
	EXPECT_FALSE(dma_fence_test_signaled_flag(f));
	dma_fence_signal(f);
	EXPECT_TRUE(dma_fence_is_signaled(f));
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &f->flags));
	// 7.1: names-only ops are detached at signal.
	EXPECT_TRUE(ops_detached(f));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, SignalIsIdempotent)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
	dma_fence_signal_timestamp(f, 1000);
	EXPECT_EQ(c.calls, 1);
	dma_fence_signal(f);
	dma_fence_signal_timestamp(f, 2000);
	{
		unsigned long flags;
		dma_fence_lock_irqsave(f, flags);
		dma_fence_signal_locked(f);
		dma_fence_signal_timestamp_locked(f, 3000);
		dma_fence_unlock_irqrestore(f, flags);
	}
	EXPECT_EQ(c.calls, 1);
	EXPECT_EQ(dma_fence_timestamp(f), 1000); // the first signal's timestamp stays
	EXPECT_EQ(dma_fence_get_status(f), 1);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, CheckAndSignalReturnsPreviousState)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
	EXPECT_FALSE(dma_fence_check_and_signal(f)); // this call signaled it
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	EXPECT_EQ(c.calls, 1);
	EXPECT_TRUE(dma_fence_check_and_signal(f)); // already signaled
	EXPECT_EQ(c.calls, 1);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, CheckAndSignalLockedReturnsPreviousState)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	EXPECT_FALSE(dma_fence_check_and_signal_locked(f));
	EXPECT_TRUE(dma_fence_check_and_signal_locked(f));
	dma_fence_unlock_irqrestore(f, flags);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, SignalTimestampStoresTimestamp)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	const ktime_t ts = 123456789;
	dma_fence_signal_timestamp(f, ts);
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &f->flags));
	EXPECT_EQ(f->timestamp, ts);
	EXPECT_EQ(dma_fence_timestamp(f), ts);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, SignalRecordsCurrentTime)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	const ktime_t before = ktime_get();
	dma_fence_signal(f);
	const ktime_t after = ktime_get();
	EXPECT_GE(dma_fence_timestamp(f), before);
	EXPECT_LE(dma_fence_timestamp(f), after);
	dma_fence_put(f);
}

namespace {
struct ts_cb {
	struct dma_fence_cb cb;
	bool timestamp_bit;
	ktime_t timestamp;
	bool ops_detached;
};
void ts_cb_func(struct dma_fence *f, struct dma_fence_cb *cb)
{
	ts_cb *t = container_of(cb, ts_cb, cb);
	t->timestamp_bit = test_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &f->flags);
	t->timestamp = dma_fence_timestamp(f);
	t->ops_detached = ops_detached(f);
}
} // namespace

TEST_F(DmaFenceTest, TimestampIsSetBeforeCallbacksRun)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	ts_cb t = {};
	ASSERT_EQ(dma_fence_add_callback(f, &t.cb, ts_cb_func), 0);
	dma_fence_signal_timestamp(f, 4242);
	EXPECT_TRUE(t.timestamp_bit);
	EXPECT_EQ(t.timestamp, 4242);
	EXPECT_TRUE(t.ops_detached); // detach happens before the callbacks, too
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, TimestampOfUnsignaledFenceWarns)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	const ktime_t before = ktime_get();
	{
		fence::expect_warn w;
		const ktime_t t = dma_fence_timestamp(f);
		EXPECT_EQ(w.count(), 1u);
		EXPECT_GE(t, before); // ktime_get(), not garbage from the cb_list union
		EXPECT_LE(t, ktime_get());
	}
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, SignalNullWarns)
{
	fence::expect_warn w;
	dma_fence_signal(nullptr);
	dma_fence_signal_timestamp(nullptr, 1);
	EXPECT_EQ(w.count(), 2u);
}

// ---- detach on signal, names ------------------------------------------------------

TEST_F(DmaFenceTest, NamesBeforeAndAfterSignal)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(driver_name(f), kDriver);
	EXPECT_EQ(timeline_name(f), kTimeline);
	dma_fence_signal(f);
	EXPECT_EQ(driver_name(f), "detached-driver");
	EXPECT_EQ(timeline_name(f), "signaled-timeline");
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, DetachedOpsAtSignalWithoutWaitOrRelease)
{
	for (const struct dma_fence_ops *ops : {&names_ops, &hw_ops, &signaled_ops, &deadline_ops}) {
		struct dma_fence *f = mock_alloc(ops);
		ASSERT_NE(f, nullptr);
		EXPECT_TRUE(ops_is(f, ops));
		dma_fence_signal(f);
		EXPECT_TRUE(ops_detached(f));
		dma_fence_put(f); // falls back to kfree_rcu
	}
}

TEST_F(DmaFenceTest, NotDetachedWhenOpsHaveWait)
{
	struct dma_fence *f = mock_alloc(&wait_ops);
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	EXPECT_TRUE(ops_is(f, &wait_ops));
	// Signaled: the safe getters no longer call into the driver.
	EXPECT_EQ(driver_name(f), "detached-driver");
	EXPECT_EQ(timeline_name(f), "signaled-timeline");
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, NotDetachedWhenOpsHaveRelease)
{
	const long before = g_release_calls.load();
	struct dma_fence *f = mock_alloc(&release_ops);
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	EXPECT_TRUE(ops_is(f, &release_ops));
	dma_fence_put(f);
	EXPECT_EQ(g_release_calls.load(), before + 1); // still attached at release
}

// ---- callbacks --------------------------------------------------------------------

TEST_F(DmaFenceTest, AddCallback)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	EXPECT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
	EXPECT_EQ(c.calls, 0);
	dma_fence_signal(f);
	EXPECT_EQ(c.calls, 1);
	EXPECT_TRUE(c.lock_held); // callbacks run under the fence lock
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, CallbacksRunInRegistrationOrder)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	std::vector<int> log;
	order_cb cbs[5];
	for (int i = 0; i < 5; i++) {
		cbs[i] = {{}, &log, i};
		ASSERT_EQ(dma_fence_add_callback(f, &cbs[i].cb, order_cb_func), 0);
	}
	// Removing one keeps the order of the others.
	EXPECT_TRUE(dma_fence_remove_callback(f, &cbs[2].cb));
	dma_fence_signal(f);
	EXPECT_EQ(log, (std::vector<int>{0, 1, 3, 4}));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, LateAddCallbackReturnsENOENT)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	count_cb c = {};
	c.cb.node = {nullptr, nullptr}; // must be initialised by the failed add
	EXPECT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), -ENOENT);
	EXPECT_EQ(c.calls, 0);
	EXPECT_TRUE(list_empty(&c.cb.node));
	// A failed add leaves the node empty, so a remove reports "not removed".
	EXPECT_FALSE(dma_fence_remove_callback(f, &c.cb));
	EXPECT_EQ(c.calls, 0);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, AddCallbackEnablesSignaling)
{
	struct dma_fence *f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	count_cb c1 = {}, c2 = {};
	EXPECT_FALSE(test_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f->flags));
	EXPECT_EQ(dma_fence_add_callback(f, &c1.cb, count_cb_func), 0);
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f->flags));
	EXPECT_EQ(to_mock(f)->enable_calls, 1);
	EXPECT_EQ(dma_fence_add_callback(f, &c2.cb, count_cb_func), 0);
	EXPECT_EQ(to_mock(f)->enable_calls, 1); // at most once per fence
	dma_fence_signal(f);
	EXPECT_EQ(c1.calls + c2.calls, 2);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, AddCallbackWhenEnableSignalingSaysPassedReturnsENOENT)
{
	struct dma_fence *f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	to_mock(f)->enable_ret = false; // "already passed": the core signals
	count_cb c = {};
	EXPECT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), -ENOENT);
	EXPECT_EQ(c.calls, 0);
	EXPECT_TRUE(list_empty(&c.cb.node));
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	EXPECT_TRUE(ops_detached(f));
	EXPECT_EQ(to_mock(f)->enable_calls, 1);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, AddCallbackBadArgumentsWarn)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	{
		fence::expect_warn w;
		EXPECT_EQ(dma_fence_add_callback(f, &c.cb, nullptr), -EINVAL);
		EXPECT_EQ(dma_fence_add_callback(nullptr, &c.cb, count_cb_func), -EINVAL);
		EXPECT_EQ(w.count(), 2u);
	}
	EXPECT_TRUE(list_empty(&f->cb_list));
	dma_fence_signal(f);
	EXPECT_EQ(c.calls, 0);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, RmCallback)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
	EXPECT_TRUE(dma_fence_remove_callback(f, &c.cb)); // removed before it ran
	EXPECT_FALSE(dma_fence_remove_callback(f, &c.cb)); // already removed
	dma_fence_signal(f);
	EXPECT_EQ(c.calls, 0);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, LateRmCallback)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
	dma_fence_signal(f);
	EXPECT_EQ(c.calls, 1);
	EXPECT_FALSE(dma_fence_remove_callback(f, &c.cb)); // it already ran
	EXPECT_EQ(c.calls, 1);
	dma_fence_put(f);
}

namespace {
struct self_cb {
	struct dma_fence_cb cb;
	int *calls;
	int readd_ret;
	bool node_empty;
};
void self_freeing_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	self_cb *s = container_of(cb, self_cb, cb);
	(*s->calls)++;
	s->node_empty = list_empty(&cb->node); // re-initialised before the call
	kfree(s); // the cb may free itself: the core must not touch it after
}
void readding_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	self_cb *s = container_of(cb, self_cb, cb);
	(*s->calls)++;
	s->node_empty = list_empty(&cb->node);
	// Re-arming on the fence that is signalling: lockless -ENOENT, no deadlock.
	s->readd_ret = dma_fence_add_callback(f, cb, readding_cb);
}
} // namespace

TEST_F(DmaFenceTest, CallbackMayFreeItsCb)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	int calls = 0;
	for (int i = 0; i < 3; i++) {
		auto *s = static_cast<self_cb *>(kzalloc(sizeof(self_cb), GFP_KERNEL));
		ASSERT_NE(s, nullptr);
		s->calls = &calls;
		ASSERT_EQ(dma_fence_add_callback(f, &s->cb, self_freeing_cb), 0);
	}
	dma_fence_signal(f); // ASan: no use of a freed cb while walking the list
	EXPECT_EQ(calls, 3);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, CallbackMayReArmItsCb)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	int calls = 0;
	self_cb s = {};
	s.calls = &calls;
	s.readd_ret = 1;
	ASSERT_EQ(dma_fence_add_callback(f, &s.cb, readding_cb), 0);
	dma_fence_signal(f);
	EXPECT_EQ(calls, 1);
	EXPECT_TRUE(s.node_empty);
	EXPECT_EQ(s.readd_ret, -ENOENT);
	EXPECT_FALSE(dma_fence_remove_callback(f, &s.cb));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, CallbackSeesErrorSetBeforeSignal)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
	dma_fence_set_error(f, -ETIME);
	dma_fence_signal(f);
	EXPECT_EQ(c.calls, 1);
	EXPECT_EQ(c.error_seen, -ETIME);
	dma_fence_put(f);
}

// ---- status and error ----------------------------------------------------------

TEST_F(DmaFenceTest, Status)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(dma_fence_get_status(f), 0);
	dma_fence_signal(f);
	EXPECT_EQ(dma_fence_get_status(f), 1);
	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	EXPECT_EQ(dma_fence_get_status_locked(f), 1);
	dma_fence_unlock_irqrestore(f, flags);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, Error)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_set_error(f, -EIO);
	EXPECT_EQ(f->error, -EIO);
	EXPECT_EQ(dma_fence_get_status(f), 0); // error, but not yet signaled
	dma_fence_signal(f);
	EXPECT_EQ(dma_fence_get_status(f), -EIO);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, SetErrorAcceptsWholeErrnoRange)
{
	for (int err : {-1, -ENODATA, -ECANCELED, -ETIME, -MAX_ERRNO}) {
		struct dma_fence *f = mock_alloc();
		ASSERT_NE(f, nullptr);
		dma_fence_set_error(f, err); // no WARN (panic_on_warn would abort)
		dma_fence_signal(f);
		EXPECT_EQ(dma_fence_get_status(f), err);
		dma_fence_put(f);
	}
}

TEST_F(DmaFenceTest, SetErrorOnSignaledFenceWarnsAndStores)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	{
		fence::expect_warn w;
		dma_fence_set_error(f, -EIO);
		EXPECT_EQ(w.count(), 1u);
	}
	EXPECT_EQ(f->error, -EIO); // the kernel stores it anyway
	EXPECT_EQ(dma_fence_get_status(f), -EIO);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, SetErrorOutOfRangeWarnsAndStores)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	for (int err : {0, 1, EIO, -MAX_ERRNO - 1}) {
		fence::expect_warn w;
		dma_fence_set_error(f, err);
		EXPECT_EQ(w.count(), 1u) << err;
		EXPECT_EQ(f->error, err);
	}
	dma_fence_set_error(f, -EIO);
	dma_fence_signal(f);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, StatusPollsSignaledOp)
{
	struct dma_fence *f = mock_alloc(&signaled_ops);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(dma_fence_get_status(f), 0);
	EXPECT_EQ(to_mock(f)->signaled_calls, 1);
	to_mock(f)->signaled_ret = true;
	to_mock(f)->signaled_error = -ECANCELED; // ->signaled may set the error
	EXPECT_EQ(dma_fence_get_status(f), -ECANCELED);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	EXPECT_TRUE(ops_detached(f));
	dma_fence_put(f);
}

// ---- polling: test_signaled_flag, is_signaled ------------------------------------

TEST_F(DmaFenceTest, TestSignaledFlagHasNoSideEffects)
{
	struct dma_fence *f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	to_mock(f)->signaled_ret = true;
	EXPECT_FALSE(dma_fence_test_signaled_flag(f));
	EXPECT_EQ(to_mock(f)->signaled_calls, 0);
	EXPECT_EQ(to_mock(f)->enable_calls, 0);
	EXPECT_FALSE(dma_fence_test_signaled_flag(f));
	EXPECT_TRUE(ops_is(f, &hw_ops));
	dma_fence_signal(f);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, IsSignaledPollsSignaledOpAndSignals)
{
	struct dma_fence *f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
	EXPECT_FALSE(dma_fence_is_signaled(f));
	EXPECT_EQ(to_mock(f)->signaled_calls, 1);
	EXPECT_FALSE(dma_fence_test_signaled_flag(f));

	to_mock(f)->signaled_ret = true;
	EXPECT_TRUE(dma_fence_is_signaled(f));
	EXPECT_EQ(to_mock(f)->signaled_calls, 2);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	EXPECT_EQ(c.calls, 1); // signalled for real: callbacks ran
	EXPECT_TRUE(ops_detached(f));

	EXPECT_TRUE(dma_fence_is_signaled(f)); // flag set: no more polling
	EXPECT_EQ(to_mock(f)->signaled_calls, 2);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, IsSignaledDoesNotEnableSignaling)
{
	struct dma_fence *f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	EXPECT_FALSE(dma_fence_is_signaled(f));
	EXPECT_EQ(to_mock(f)->enable_calls, 0);
	EXPECT_FALSE(test_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f->flags));
	dma_fence_signal(f);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, IsSignaledLockedPollsUnderLock)
{
	struct dma_fence *f = mock_alloc(&signaled_ops);
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	EXPECT_FALSE(dma_fence_is_signaled_locked(f));
	to_mock(f)->signaled_ret = true;
	EXPECT_TRUE(dma_fence_is_signaled_locked(f));
	EXPECT_EQ(c.calls, 1);
	dma_fence_unlock_irqrestore(f, flags);
	EXPECT_EQ(to_mock(f)->signaled_calls, 2);
	dma_fence_put(f);
}

// ---- enable_sw_signaling --------------------------------------------------------

TEST_F(DmaFenceTest, EnableSwSignalingCallsOpAtMostOnce)
{
	struct dma_fence *f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	dma_fence_enable_sw_signaling(f);
	EXPECT_EQ(to_mock(f)->enable_calls, 1);
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f->flags));
	EXPECT_FALSE(dma_fence_test_signaled_flag(f));
	dma_fence_enable_sw_signaling(f);
	EXPECT_EQ(to_mock(f)->enable_calls, 1);
	dma_fence_signal(f);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, EnableSwSignalingSignalsWhenOpReturnsFalse)
{
	struct dma_fence *f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	to_mock(f)->enable_ret = false;
	dma_fence_enable_sw_signaling(f);
	EXPECT_EQ(to_mock(f)->enable_calls, 1);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	EXPECT_EQ(dma_fence_get_status(f), 1);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, EnableSwSignalingOnSignaledFenceIsNoop)
{
	// Attached (->wait) but signaled: enable_signaling is not called.
	static const struct dma_fence_ops hw_wait_ops = {
		.get_driver_name = mock_get_driver_name,
		.get_timeline_name = mock_get_timeline_name,
		.enable_signaling = mock_enable_signaling,
		.wait = mock_wait,
	};
	struct dma_fence *f = mock_alloc(&hw_wait_ops);
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	ASSERT_TRUE(ops_is(f, &hw_wait_ops));
	dma_fence_enable_sw_signaling(f);
	EXPECT_EQ(to_mock(f)->enable_calls, 0);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, EnableSwSignalingWithoutOpSetsFlag)
{
	struct dma_fence *f = mock_alloc(&names_ops);
	ASSERT_NE(f, nullptr);
	dma_fence_enable_sw_signaling(f);
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f->flags));
	EXPECT_FALSE(dma_fence_test_signaled_flag(f));
	dma_fence_signal(f);
	dma_fence_put(f);
}

// ---- set_deadline --------------------------------------------------------------

TEST_F(DmaFenceTest, SetDeadlineCallsOpWhileAttachedAndUnsignaled)
{
	struct dma_fence *f = mock_alloc(&deadline_ops);
	ASSERT_NE(f, nullptr);
	dma_fence_set_deadline(f, 5000);
	dma_fence_set_deadline(f, 7000); // any number of times
	EXPECT_EQ(to_mock(f)->deadline_calls, 2);
	EXPECT_EQ(to_mock(f)->deadline, 7000);
	dma_fence_signal(f);
	ASSERT_TRUE(ops_detached(f));
	dma_fence_set_deadline(f, 9000);
	EXPECT_EQ(to_mock(f)->deadline_calls, 2);
	EXPECT_EQ(to_mock(f)->deadline, 7000);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, SetDeadlineSkipsSignaledAttachedFence)
{
	struct dma_fence *f = mock_alloc(&deadline_wait_ops);
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	ASSERT_TRUE(ops_is(f, &deadline_wait_ops)); // ->wait keeps the ops
	dma_fence_set_deadline(f, 1000);
	EXPECT_EQ(to_mock(f)->deadline_calls, 0);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, SetDeadlineWithoutOpIsNoop)
{
	struct dma_fence *f = mock_alloc(&names_ops);
	ASSERT_NE(f, nullptr);
	dma_fence_set_deadline(f, 1000);
	EXPECT_FALSE(dma_fence_test_signaled_flag(f));
	dma_fence_signal(f);
	dma_fence_put(f);
}

// ---- waits ----------------------------------------------------------------------

TEST_F(DmaFenceTest, WaitSignaledTimeoutZeroReturnsOne)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 1);
	EXPECT_EQ(dma_fence_wait_timeout(f, true, 0), 1);
	EXPECT_EQ(dma_fence_default_wait(f, false, 0), 1);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, WaitSignaledReturnsFullTimeout)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 10), 10);
	EXPECT_EQ(dma_fence_wait_timeout(f, true, MAX_SCHEDULE_TIMEOUT), MAX_SCHEDULE_TIMEOUT);
	EXPECT_EQ(dma_fence_wait(f, true), 0);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, WaitUnsignaledTimeoutZeroReturnsZero)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 0);
	EXPECT_EQ(dma_fence_wait_timeout(f, true, 0), 0);
	EXPECT_TRUE(list_empty(&f->cb_list)); // no waiter left behind
	dma_fence_signal(f);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, WaitTimeout)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	for (signed long timeout : {1L, 2L, 5L}) {
		const ktime_t start = ktime_get();
		EXPECT_EQ(dma_fence_wait_timeout(f, false, timeout), 0) << timeout;
		// HZ = 1000: one jiffy is one millisecond.
		EXPECT_GE(ktime_get() - start, (timeout - 1) * NSEC_PER_MSEC) << timeout;
		EXPECT_TRUE(list_empty(&f->cb_list));
	}
	EXPECT_EQ(dma_fence_wait_timeout(f, true, 2), 0);
	dma_fence_signal(f);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, WaitSignaledFromAnotherThreadReturnsRemaining)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	const signed long timeout = 10 * HZ;
	const unsigned long start = jiffies;
	std::thread t([f] {
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
		dma_fence_signal(f);
	});
	const signed long ret = dma_fence_wait_timeout(f, true, timeout);
	const unsigned long elapsed = jiffies - start;
	t.join();
	EXPECT_GT(ret, 0);
	EXPECT_LE(ret, timeout);
	EXPECT_GE(ret, timeout - static_cast<signed long>(elapsed) - 1);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, WaitForeverSignaledFromAnotherThread)
{
	struct dma_fence *f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	std::thread t([f] {
		// The wait enables signaling before it sleeps.
		while (!test_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f->flags))
			std::this_thread::yield();
		dma_fence_signal(f);
	});
	EXPECT_EQ(dma_fence_wait(f, false), 0);
	t.join();
	EXPECT_EQ(to_mock(f)->enable_calls, 1);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, WaitNegativeTimeoutWarnsAndReturnsEINVAL)
{
	struct dma_fence *f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	{
		fence::expect_warn w;
		EXPECT_EQ(dma_fence_wait_timeout(f, false, -1), -EINVAL);
		EXPECT_EQ(w.count(), 1u);
	}
	EXPECT_EQ(to_mock(f)->enable_calls, 0); // rejected before anything else
	dma_fence_signal(f);
	{
		fence::expect_warn w;
		EXPECT_EQ(dma_fence_wait_timeout(f, true, -5), -EINVAL);
		EXPECT_EQ(w.count(), 1u);
	}
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, WaitTimeoutEnablesSignaling)
{
	struct dma_fence *f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 0);
	EXPECT_EQ(to_mock(f)->enable_calls, 1);
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f->flags));
	dma_fence_signal(f);
	dma_fence_put(f);

	// enable_signaling says "already passed": the wait sees a signaled fence.
	f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	to_mock(f)->enable_ret = false;
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 1);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, DefaultWaitDoesNotEnableSignaling)
{
	struct dma_fence *f = mock_alloc(&hw_ops);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(dma_fence_default_wait(f, false, 0), 0);
	EXPECT_EQ(dma_fence_default_wait(f, false, 1), 0);
	EXPECT_EQ(to_mock(f)->enable_calls, 0);
	EXPECT_FALSE(test_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f->flags));
	dma_fence_signal(f);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, WaitCallsCustomWaitOp)
{
	struct dma_fence *f = mock_alloc(&wait_ops);
	ASSERT_NE(f, nullptr);
	to_mock(f)->wait_ret = 42;
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 100), 42);
	EXPECT_EQ(to_mock(f)->wait_calls, 1);
	// A custom ->wait may return other errors; dma_fence_wait() passes them on.
	to_mock(f)->wait_ret = -EIO;
	EXPECT_EQ(dma_fence_wait(f, true), -EIO);
	to_mock(f)->wait_ret = 17;
	EXPECT_EQ(dma_fence_wait(f, true), 0);
	EXPECT_EQ(to_mock(f)->wait_calls, 3);
	// Still attached after signal, so ->wait keeps being used.
	dma_fence_signal(f);
	to_mock(f)->wait_ret = 5;
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 5);
	EXPECT_EQ(to_mock(f)->wait_calls, 4);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, DetachedFenceUsesDefaultWait)
{
	// Detached at signal: the core cannot reach any ->wait any more, and
	// the default wait answers 1 for timeout 0 on a signaled fence.
	struct dma_fence *f = mock_alloc(&names_ops);
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	ASSERT_TRUE(ops_detached(f));
	EXPECT_EQ(dma_fence_wait_timeout(f, true, 0), 1);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, InterruptibleWaitWithSignalPendingReturnsERESTARTSYS)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	fence_signal_raise(current);
	const ktime_t start = ktime_get();
	EXPECT_EQ(dma_fence_wait_timeout(f, true, 100), -ERESTARTSYS);
	EXPECT_EQ(dma_fence_wait_timeout(f, true, 60 * HZ), -ERESTARTSYS);
	EXPECT_EQ(dma_fence_wait(f, true), -ERESTARTSYS);
	EXPECT_LT(ktime_get() - start, 30 * NSEC_PER_SEC); // did not sleep out the timeout
	// An uninterruptible wait ignores the pending signal.
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 3), 0);
	EXPECT_TRUE(list_empty(&f->cb_list));
	// Signaled wins over a pending signal (checked first).
	dma_fence_signal(f);
	EXPECT_EQ(dma_fence_wait_timeout(f, true, 100), 100);
	fence_signal_clear(current);
	EXPECT_FALSE(signal_pending(current));
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, InterruptibleWaitInterruptedWhileSleeping)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	struct task_struct *waiter = current;
	std::thread t([waiter] {
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
		fence_signal_raise(waiter);
	});
	const signed long ret = dma_fence_wait_timeout(f, true, 10 * HZ);
	t.join();
	EXPECT_EQ(ret, -ERESTARTSYS);
	EXPECT_TRUE(list_empty(&f->cb_list)); // the waiter dequeued itself
	EXPECT_FALSE(dma_fence_test_signaled_flag(f));
	fence_signal_clear(current);
	dma_fence_signal(f);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, UninterruptibleWaitIgnoresSignalWhileSleeping)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	struct task_struct *waiter = current;
	std::atomic<bool> raised{false};
	std::thread t([&] {
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
		fence_signal_raise(waiter);
		raised = true;
		std::this_thread::sleep_for(std::chrono::milliseconds(3));
		dma_fence_signal(f);
	});
	const signed long ret = dma_fence_wait_timeout(f, false, 10 * HZ);
	t.join();
	EXPECT_GT(ret, 0); // woken by the fence, not by the task signal
	EXPECT_TRUE(raised);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	fence_signal_clear(current);
	dma_fence_put(f);
}

// ---- wait_any -----------------------------------------------------------------------

namespace {
struct fence_set {
	struct dma_fence *f[3];
	explicit fence_set(const struct dma_fence_ops *ops = &names_ops)
	{
		const u64 ctx = dma_fence_context_alloc(1);
		for (int i = 0; i < 3; i++)
			f[i] = mock_alloc(ops, ctx, i + 1);
	}
	~fence_set()
	{
		for (auto *x : f) {
			dma_fence_signal(x);
			dma_fence_put(x);
		}
	}
};
} // namespace

TEST_F(DmaFenceTest, WaitAnyTimeoutZero)
{
	fence_set s;
	u32 idx = 99;
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 3, false, 0, &idx), 0);
	EXPECT_EQ(idx, 99u);
	dma_fence_signal(s.f[1]);
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 3, false, 0, &idx), 1);
	EXPECT_EQ(idx, 1u);
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 3, true, 0, nullptr), 1);
}

TEST_F(DmaFenceTest, WaitAnyTimeoutZeroPollsSignaledOp)
{
	fence_set s(&signaled_ops);
	u32 idx = 99;
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 3, false, 0, &idx), 0);
	to_mock(s.f[2])->signaled_ret = true;
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 3, false, 0, &idx), 1);
	EXPECT_EQ(idx, 2u);
	EXPECT_TRUE(dma_fence_test_signaled_flag(s.f[2])); // is_signaled signalled it
}

TEST_F(DmaFenceTest, WaitAnyAlreadySignaledReturnsTimeout)
{
	fence_set s;
	dma_fence_signal(s.f[2]);
	u32 idx = 99;
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 3, false, 100, &idx), 100);
	EXPECT_EQ(idx, 2u);
	// The callbacks on the fences before it were removed again.
	EXPECT_TRUE(list_empty(&s.f[0]->cb_list));
	EXPECT_TRUE(list_empty(&s.f[1]->cb_list));
}

TEST_F(DmaFenceTest, WaitAnyTimesOut)
{
	fence_set s;
	u32 idx = 99;
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 3, true, 2, &idx), 0);
	for (auto *x : s.f)
		EXPECT_TRUE(list_empty(&x->cb_list));
}

TEST_F(DmaFenceTest, WaitAnyWokenByOtherThread)
{
	fence_set s;
	u32 idx = 99;
	std::thread t([&s] {
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
		dma_fence_signal(s.f[1]);
	});
	const signed long ret = dma_fence_wait_any_timeout(s.f, 3, true, 10 * HZ, &idx);
	t.join();
	EXPECT_GT(ret, 0);
	EXPECT_LE(ret, 10 * HZ);
	EXPECT_EQ(idx, 1u);
	EXPECT_TRUE(list_empty(&s.f[0]->cb_list));
	EXPECT_TRUE(list_empty(&s.f[2]->cb_list));
}

TEST_F(DmaFenceTest, WaitAnyInterrupted)
{
	fence_set s;
	u32 idx = 99;
	fence_signal_raise(current);
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 3, true, 100, &idx), -ERESTARTSYS);
	fence_signal_clear(current);
	for (auto *x : s.f)
		EXPECT_TRUE(list_empty(&x->cb_list));
}

TEST_F(DmaFenceTest, WaitAnyBadArgumentsWarn)
{
	fence_set s;
	u32 idx = 99;
	fence::expect_warn w;
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 0, false, 10, &idx), -EINVAL);
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 0, false, 0, &idx), -EINVAL);
	EXPECT_EQ(dma_fence_wait_any_timeout(nullptr, 3, false, 10, &idx), -EINVAL);
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 3, false, -1, &idx), -EINVAL);
	EXPECT_EQ(w.count(), 4u);
	EXPECT_EQ(idx, 99u);
}

TEST_F(DmaFenceTest, WaitAnyAllocationFailureReturnsENOMEM)
{
	fence_set s;
	u32 idx = 99;
	fence_failslab_nth(1);
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 3, false, 10, &idx), -ENOMEM);
	EXPECT_EQ(fence_failslab_nth(0), 0u); // the injected failure was consumed
	for (auto *x : s.f)
		EXPECT_TRUE(list_empty(&x->cb_list));
	// timeout 0 does not allocate, so it cannot fail that way.
	fence_failslab_nth(1);
	EXPECT_EQ(dma_fence_wait_any_timeout(s.f, 3, false, 0, &idx), 0);
	fence_failslab_nth(0);
}

// ---- release with pending callbacks -------------------------------------------------

TEST_F(DmaFenceTest, ReleaseWithPendingCallbacksWarnsAndSignalsEDEADLK)
{
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *f = mock_alloc(&names_ops, ctx, 0x2a);
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
	{
		warn_capture cap;
		fence::expect_warn w;
		dma_fence_put(f); // refcount bug: nobody signalled it
		EXPECT_EQ(w.count(), 1u);
		ASSERT_EQ(g_warn_msgs.size(), 1u);
		char expect[128];
		snprintf(expect, sizeof(expect), "Fence %s:%s:%llx:%llx released with pending signals!",
			 kDriver, kTimeline, static_cast<unsigned long long>(ctx), 0x2aULL);
		EXPECT_NE(g_warn_msgs[0].find(expect), std::string::npos) << g_warn_msgs[0];
	}
	EXPECT_EQ(c.calls, 1);
	EXPECT_EQ(c.error_seen, -EDEADLK);
}

TEST_F(DmaFenceTest, ReleaseOfSignaledFenceDoesNotWarn)
{
	// After signal the cb_list union holds the timestamp: it must not be
	// mistaken for pending callbacks.
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
	dma_fence_signal_timestamp(f, 0x123456789abcLL); // cb_list.next != &cb_list
	const unsigned long warns = fence::warn_count();
	dma_fence_put(f);
	EXPECT_EQ(fence::warn_count(), warns);
	EXPECT_EQ(c.calls, 1);
}

TEST_F(DmaFenceTest, ReleaseAfterRemovedCallbackDoesNotWarn)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	count_cb c = {};
	ASSERT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), 0);
	ASSERT_TRUE(dma_fence_remove_callback(f, &c.cb));
	const unsigned long warns = fence::warn_count();
	dma_fence_put(f); // unsignaled, but nothing pending
	EXPECT_EQ(fence::warn_count(), warns);
	EXPECT_EQ(c.calls, 0);
}

// ---- seqno ordering --------------------------------------------------------------

TEST_F(DmaFenceTest, IsLaterWrapsAt32Bits)
{
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *a = mock_alloc(&names_ops, ctx, 1);
	struct dma_fence *b = mock_alloc(&names_ops, ctx, 0xFFFFFFFFull);
	ASSERT_TRUE(a && b);
	EXPECT_TRUE(dma_fence_is_later(a, b)); // 1 follows 0xFFFFFFFF after wrap
	EXPECT_FALSE(dma_fence_is_later(b, a));
	EXPECT_TRUE(__dma_fence_is_later(a, 1, 0xFFFFFFFFull));
	EXPECT_TRUE(__dma_fence_is_later(a, 0, 0xFFFFFFFFull));
	EXPECT_TRUE(__dma_fence_is_later(a, 2, 1));
	EXPECT_FALSE(__dma_fence_is_later(a, 1, 1));
	EXPECT_FALSE(__dma_fence_is_later(a, 1, 2));
	// Half the 32-bit space ahead is "later", further is "earlier".
	EXPECT_TRUE(__dma_fence_is_later(a, 0x7FFFFFFFull, 0));
	EXPECT_FALSE(__dma_fence_is_later(a, 0x80000000ull, 0));
	// Without SEQNO64 only the lower 32 bits count.
	EXPECT_FALSE(__dma_fence_is_later(a, 0x100000001ull, 2));
	EXPECT_TRUE(__dma_fence_is_later(a, 3, 0x100000002ull));
	EXPECT_FALSE(__dma_fence_is_later(a, 0x500000001ull, 0x100000001ull));
	dma_fence_put(a);
	dma_fence_put(b);
}

TEST_F(DmaFenceTest, IsLaterWithInit64IsPlain64BitCompare)
{
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *a = mock_alloc(&names_ops, ctx, 1, nullptr, true);
	struct dma_fence *b = mock_alloc(&names_ops, ctx, 0xFFFFFFFFull, nullptr, true);
	ASSERT_TRUE(a && b);
	EXPECT_FALSE(dma_fence_is_later(a, b)); // no wrap-around
	EXPECT_TRUE(dma_fence_is_later(b, a));
	EXPECT_FALSE(__dma_fence_is_later(a, 1, 0xFFFFFFFFull));
	EXPECT_TRUE(__dma_fence_is_later(a, 0x100000000ull, 0xFFFFFFFFull));
	EXPECT_TRUE(__dma_fence_is_later(a, 0x100000001ull, 2));
	EXPECT_TRUE(__dma_fence_is_later(a, 0x80000000ull, 0));
	EXPECT_FALSE(__dma_fence_is_later(a, 5, 5));
	EXPECT_TRUE(__dma_fence_is_later(a, ~0ull, 0));
	dma_fence_put(a);
	dma_fence_put(b);
}

TEST_F(DmaFenceTest, IsLaterContextMismatchWarns)
{
	struct dma_fence *a = mock_alloc(&names_ops, 0, 5);
	struct dma_fence *b = mock_alloc(&names_ops, 0, 1);
	ASSERT_TRUE(a && b);
	ASSERT_NE(a->context, b->context);
	{
		fence::expect_warn w;
		EXPECT_FALSE(dma_fence_is_later(a, b));
		EXPECT_FALSE(dma_fence_is_later_or_same(a, b));
		EXPECT_EQ(w.count(), 2u);
	}
	dma_fence_put(a);
	dma_fence_put(b);
}

TEST_F(DmaFenceTest, IsLaterOrSame)
{
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *a = mock_alloc(&names_ops, ctx, 1);
	struct dma_fence *b = mock_alloc(&names_ops, ctx, 2);
	struct dma_fence *b2 = mock_alloc(&names_ops, ctx, 2);
	ASSERT_TRUE(a && b && b2);
	EXPECT_TRUE(dma_fence_is_later_or_same(a, a));
	EXPECT_TRUE(dma_fence_is_later_or_same(b, a));
	EXPECT_FALSE(dma_fence_is_later_or_same(a, b));
	// Equal seqno, different fence: neither the same nor later.
	EXPECT_FALSE(dma_fence_is_later_or_same(b, b2));
	for (auto *x : {a, b, b2})
		dma_fence_put(x);
}

TEST_F(DmaFenceTest, LaterReturnsUnsignaledLaterFence)
{
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *a = mock_alloc(&names_ops, ctx, 1);
	struct dma_fence *b = mock_alloc(&names_ops, ctx, 2);
	ASSERT_TRUE(a && b);
	EXPECT_EQ(dma_fence_later(a, b), b);
	EXPECT_EQ(dma_fence_later(b, a), b);
	dma_fence_signal(a); // the earlier one's state does not matter
	EXPECT_EQ(dma_fence_later(a, b), b);
	dma_fence_signal(b);
	EXPECT_EQ(dma_fence_later(a, b), nullptr);
	EXPECT_EQ(dma_fence_later(b, a), nullptr);
	dma_fence_put(a);
	dma_fence_put(b);
}

TEST_F(DmaFenceTest, LaterPollsSignaledOp)
{
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *a = mock_alloc(&signaled_ops, ctx, 1);
	struct dma_fence *b = mock_alloc(&signaled_ops, ctx, 2);
	ASSERT_TRUE(a && b);
	to_mock(b)->signaled_ret = true;
	EXPECT_EQ(dma_fence_later(a, b), nullptr);
	EXPECT_TRUE(dma_fence_test_signaled_flag(b));
	EXPECT_EQ(to_mock(a)->signaled_calls, 0); // only the later one is looked at
	dma_fence_signal(a);
	dma_fence_put(a);
	dma_fence_put(b);
}

TEST_F(DmaFenceTest, LaterContextMismatchWarnsAndReturnsNull)
{
	struct dma_fence *a = mock_alloc();
	struct dma_fence *b = mock_alloc();
	ASSERT_TRUE(a && b);
	{
		fence::expect_warn w;
		EXPECT_EQ(dma_fence_later(a, b), nullptr);
		EXPECT_EQ(w.count(), 1u);
	}
	dma_fence_signal(a);
	dma_fence_signal(b);
	dma_fence_put(a);
	dma_fence_put(b);
}

// ---- stub fences ---------------------------------------------------------------------

TEST_F(DmaFenceTest, Stub)
{
	struct dma_fence *f = dma_fence_get_stub();
	ASSERT_NE(f, nullptr);
	// Signaled once, at first use ("boot"): the timestamp never changes.
	const ktime_t ts = dma_fence_timestamp(f);
	EXPECT_LE(ts, ktime_get());
	const unsigned refs = refcount(f);
	struct dma_fence *g = dma_fence_get_stub();
	EXPECT_EQ(g, f); // one global stub
	EXPECT_EQ(refcount(f), refs + 1);
	dma_fence_put(g);
	EXPECT_EQ(refcount(f), refs);

	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	EXPECT_TRUE(dma_fence_is_signaled(f));
	EXPECT_EQ(dma_fence_get_status(f), 1);
	EXPECT_EQ(f->context, 0u);
	EXPECT_EQ(f->seqno, 0u);
	EXPECT_TRUE(ops_detached(f)); // stub ops have no release/wait
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f->flags));
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_INLINE_LOCK_BIT, &f->flags));
	EXPECT_TRUE(dma_fence_was_initialized(f));
	EXPECT_EQ(driver_name(f), "detached-driver");
	EXPECT_EQ(timeline_name(f), "signaled-timeline");
	dma_fence_signal(f); // idempotent
	EXPECT_EQ(dma_fence_timestamp(f), ts);
	EXPECT_EQ(dma_fence_wait_timeout(f, true, 0), 1);
	count_cb c = {};
	EXPECT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), -ENOENT);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, AllocatePrivateStubCarriesTimestamp)
{
	const ktime_t ts = 987654321;
	struct dma_fence *f = dma_fence_allocate_private_stub(ts);
	ASSERT_NE(f, nullptr);
	struct dma_fence *stub = dma_fence_get_stub();
	EXPECT_NE(f, stub);
	dma_fence_put(stub);
	EXPECT_EQ(refcount(f), 1u);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	EXPECT_EQ(dma_fence_timestamp(f), ts);
	EXPECT_EQ(f->context, 0u);
	EXPECT_EQ(f->seqno, 0u);
	EXPECT_TRUE(ops_detached(f));
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f->flags));
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_INLINE_LOCK_BIT, &f->flags));
	EXPECT_EQ(dma_fence_get_status(f), 1);
	EXPECT_EQ(driver_name(f), "detached-driver");
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, AllocatePrivateStubReturnsNullOnENOMEM)
{
	const long live = fence_slab_live();
	fence_failslab_nth(1);
	EXPECT_EQ(dma_fence_allocate_private_stub(1), nullptr);
	EXPECT_EQ(fence_failslab_nth(0), 0u);
	EXPECT_EQ(fence_slab_live(), live);
}

// ---- describe ---------------------------------------------------------------------

TEST_F(DmaFenceTest, DescribeUnsignaled)
{
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *f = mock_alloc(&names_ops, ctx, 17);
	ASSERT_NE(f, nullptr);
	// Timeline first, then driver.
	EXPECT_EQ(dma_fence_describe(f),
		  std::to_string(ctx) + ":17 mock-timeline mock-driver unsignalled\n");
	dma_fence_signal(f);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, DescribeSignaled)
{
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *f = mock_alloc(&names_ops, ctx, 18);
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	EXPECT_EQ(dma_fence_describe(f), std::to_string(ctx) + ":18   signalled\n");
	std::ostringstream s;
	dma_fence_describe(f, s);
	EXPECT_EQ(s.str(), std::to_string(ctx) + ":18   signalled\n");
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, DescribePollsSignaledOp)
{
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *f = mock_alloc(&signaled_ops, ctx, 19);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(dma_fence_describe(f),
		  std::to_string(ctx) + ":19 mock-timeline mock-driver unsignalled\n");
	to_mock(f)->signaled_ret = true;
	EXPECT_EQ(dma_fence_describe(f), std::to_string(ctx) + ":19   signalled\n");
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	dma_fence_put(f);
}

// ---- signalling annotations --------------------------------------------------------

#ifdef FENCE_LOCKDEP
TEST_F(DmaFenceTest, BeginSignallingNests)
{
	const bool outer = dma_fence_begin_signalling();
	EXPECT_FALSE(outer);
	const bool inner = dma_fence_begin_signalling();
	EXPECT_TRUE(inner); // already inside a section
	dma_fence_end_signalling(inner);
	// Still inside the outer section: a wait is reported.
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f); // nested begin inside dma_fence_signal(): fine
	{
		fence::expect_warn w;
		EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 1);
		EXPECT_EQ(w.count(), 1u);
	}
	dma_fence_end_signalling(outer);
	const unsigned long warns = fence::warn_count();
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 1); // section closed
	EXPECT_EQ(fence::warn_count(), warns);
	dma_fence_put(f);
}

TEST_F(DmaFenceTest, BeginSignallingInAtomicContextReturnsTrue)
{
	DEFINE_SPINLOCK(lock);
	spin_lock(&lock);
	const bool cookie = dma_fence_begin_signalling();
	spin_unlock(&lock);
	EXPECT_TRUE(cookie);
	dma_fence_end_signalling(cookie);
}

TEST_F(DmaFenceTest, WaitInsideSignallingSectionWarnsWithBothSites)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	warn_capture cap;
	const int begin_line = __LINE__ + 1;
	const bool cookie = dma_fence_begin_signalling();
	{
		fence::expect_warn w;
		EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 1);
		EXPECT_EQ(w.count(), 1u);
	}
	dma_fence_end_signalling(cookie);
	ASSERT_EQ(g_warn_msgs.size(), 1u);
	const std::string &msg = g_warn_msgs[0];
	EXPECT_NE(msg.find("dma_fence_map"), std::string::npos) << msg;
	// The wait site (inside dma_fence_wait_timeout) ...
	EXPECT_NE(msg.find("waiting on a dma_fence at "), std::string::npos) << msg;
	EXPECT_NE(msg.find("dma-fence.cpp:"), std::string::npos) << msg;
	// ... and where this test began the section.
	EXPECT_NE(msg.find("dma_fence_test.cpp:" + std::to_string(begin_line)), std::string::npos)
		<< msg;
	dma_fence_put(f);
}

namespace {
void might_wait_cb(struct dma_fence *, struct dma_fence_cb *cb)
{
	count_cb *c = container_of(cb, count_cb, cb);
	c->calls++;
	__dma_fence_might_wait(); // as if the callback waited on another fence
}
} // namespace

TEST_F(DmaFenceTest, SignalIsASignallingSectionButSignalTimestampIsNot)
{
	// dma_fence_signal() wraps itself in begin/end_signalling, so a callback
	// that may wait is reported; dma_fence_signal_timestamp() is not annotated.
	struct dma_fence *a = mock_alloc();
	struct dma_fence *b = mock_alloc();
	ASSERT_TRUE(a && b);
	count_cb ca = {}, cbb = {};
	ASSERT_EQ(dma_fence_add_callback(a, &ca.cb, might_wait_cb), 0);
	ASSERT_EQ(dma_fence_add_callback(b, &cbb.cb, might_wait_cb), 0);
	{
		fence::expect_warn w;
		dma_fence_signal(a);
		EXPECT_EQ(ca.calls, 1);
		EXPECT_EQ(w.count(), 1u);
	}
	{
		fence::expect_warn w;
		dma_fence_signal_timestamp(b, 1);
		EXPECT_EQ(cbb.calls, 1);
		EXPECT_EQ(w.count(), 0u);
	}
	// The section ended with dma_fence_signal(): waiting is fine again.
	const unsigned long warns = fence::warn_count();
	EXPECT_EQ(dma_fence_wait_timeout(a, false, 0), 1);
	EXPECT_EQ(fence::warn_count(), warns);
	dma_fence_put(a);
	dma_fence_put(b);
}

TEST_F(DmaFenceTest, MightWaitOutsideSectionIsSilent)
{
	const unsigned long warns = fence::warn_count();
	__dma_fence_might_wait();
	const bool cookie = dma_fence_begin_signalling();
	dma_fence_end_signalling(cookie);
	__dma_fence_might_wait();
	EXPECT_EQ(fence::warn_count(), warns);
}
#else
TEST_F(DmaFenceTest, SignallingAnnotationsAreNoopsWithoutLockdep)
{
	EXPECT_TRUE(dma_fence_begin_signalling());
	const bool cookie = dma_fence_begin_signalling();
	EXPECT_TRUE(cookie);
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	const unsigned long warns = fence::warn_count();
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 1);
	__dma_fence_might_wait();
	EXPECT_EQ(fence::warn_count(), warns);
	dma_fence_end_signalling(cookie);
	dma_fence_put(f);
}
#endif

// ---- trace events ------------------------------------------------------------------

namespace {
struct trace_event {
	enum dma_fence_trace_event ev;
	const struct dma_fence *fence;
	u64 context;
	u64 seqno;
	std::string driver;
	std::string timeline;
};

struct trace_log {
	std::mutex lock;
	std::vector<trace_event> events;
	std::atomic<bool> wait_started{false};
};

void trace_record(const struct dma_fence_trace_record *rec, void *data)
{
	auto *log = static_cast<trace_log *>(data);
	EXPECT_TRUE(rcu_read_lock_held()); // names are RCU-protected
	{
		std::lock_guard<std::mutex> g(log->lock);
		log->events.push_back({rec->event, rec->fence, rec->context, rec->seqno, rec->driver,
				       rec->timeline});
	}
	if (rec->event == DMA_FENCE_TRACE_WAIT_START)
		log->wait_started = true;
}

std::vector<enum dma_fence_trace_event> kinds(const std::vector<trace_event> &evs)
{
	std::vector<enum dma_fence_trace_event> k;
	for (const auto &e : evs)
		k.push_back(e.ev);
	return k;
}
} // namespace

TEST_F(DmaFenceTest, TraceEventNames)
{
	EXPECT_STREQ(dma_fence_trace_event_name(DMA_FENCE_TRACE_INIT), "dma_fence_init");
	EXPECT_STREQ(dma_fence_trace_event_name(DMA_FENCE_TRACE_ENABLE_SIGNAL),
		     "dma_fence_enable_signal");
	EXPECT_STREQ(dma_fence_trace_event_name(DMA_FENCE_TRACE_SIGNALED), "dma_fence_signaled");
	EXPECT_STREQ(dma_fence_trace_event_name(DMA_FENCE_TRACE_WAIT_START), "dma_fence_wait_start");
	EXPECT_STREQ(dma_fence_trace_event_name(DMA_FENCE_TRACE_WAIT_END), "dma_fence_wait_end");
	EXPECT_STREQ(dma_fence_trace_event_name(DMA_FENCE_TRACE_DESTROY), "dma_fence_destroy");
}

TEST_F(DmaFenceTest, TraceEventsInOrder)
{
	trace_log log;
	dma_fence_set_trace_sink(trace_record, &log);
	const u64 ctx = dma_fence_context_alloc(1);
	struct dma_fence *f = mock_alloc(&hw_ops, ctx, 3);
	ASSERT_NE(f, nullptr);
	dma_fence_enable_sw_signaling(f);
	dma_fence_enable_sw_signaling(f); // no second enable_signal event
	dma_fence_signal(f);
	dma_fence_signal(f); // no second signaled event
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 1);
	dma_fence_put(f);
	dma_fence_set_trace_sink(nullptr, nullptr);

	ASSERT_EQ(kinds(log.events),
		  (std::vector<enum dma_fence_trace_event>{
			  DMA_FENCE_TRACE_INIT, DMA_FENCE_TRACE_ENABLE_SIGNAL, DMA_FENCE_TRACE_SIGNALED,
			  DMA_FENCE_TRACE_WAIT_START, DMA_FENCE_TRACE_WAIT_END, DMA_FENCE_TRACE_DESTROY}));
	for (const auto &e : log.events) {
		EXPECT_EQ(e.fence, f);
		EXPECT_EQ(e.context, ctx);
		EXPECT_EQ(e.seqno, 3u);
	}
	// Names come through the safe getters: the driver's while unsignaled,
	// the fixed strings once the SIGNALED bit is set.
	for (int i : {0, 1}) {
		EXPECT_EQ(log.events[i].driver, kDriver) << i;
		EXPECT_EQ(log.events[i].timeline, kTimeline) << i;
	}
	for (int i : {2, 3, 4, 5}) {
		EXPECT_EQ(log.events[i].driver, "detached-driver") << i;
		EXPECT_EQ(log.events[i].timeline, "signaled-timeline") << i;
	}
}

TEST_F(DmaFenceTest, TraceWaitStartPrecedesSignalOfWaitedFence)
{
	trace_log log;
	dma_fence_set_trace_sink(trace_record, &log);
	struct dma_fence *f = mock_alloc(&names_ops);
	ASSERT_NE(f, nullptr);
	std::thread t([&log, f] {
		while (!log.wait_started)
			std::this_thread::yield();
		dma_fence_signal(f);
	});
	EXPECT_EQ(dma_fence_wait(f, false), 0);
	t.join();
	dma_fence_put(f);
	dma_fence_set_trace_sink(nullptr, nullptr);

	ASSERT_EQ(kinds(log.events),
		  (std::vector<enum dma_fence_trace_event>{
			  DMA_FENCE_TRACE_INIT, DMA_FENCE_TRACE_WAIT_START, DMA_FENCE_TRACE_SIGNALED,
			  DMA_FENCE_TRACE_WAIT_END, DMA_FENCE_TRACE_DESTROY}));
	// No ->enable_signaling: no enable_signal event even though the wait enabled it.
	EXPECT_EQ(log.events[1].driver, kDriver); // the wait started before the signal
	EXPECT_EQ(log.events[1].timeline, kTimeline);
	EXPECT_EQ(log.events[3].driver, "detached-driver");
}

TEST_F(DmaFenceTest, TraceSinkUnsetSeesNothing)
{
	trace_log log;
	dma_fence_set_trace_sink(trace_record, &log);
	dma_fence_set_trace_sink(nullptr, nullptr);
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	dma_fence_put(f);
	EXPECT_TRUE(log.events.empty());
}

#else // FENCEFUZZ_DEATH_TESTS

// ---- death tests (binary dma_fence_death_test, label "death") -------------------------

class DmaFenceDeathTest : public FenceTest {
protected:
	void SetUp() override
	{
		GTEST_FLAG_SET(death_test_style, "threadsafe");
		FenceTest::SetUp();
	}
};

TEST_F(DmaFenceDeathTest, InitWithoutNamesBugs)
{
	static const struct dma_fence_ops no_timeline_ops = {
		.get_driver_name = mock_get_driver_name,
	};
	static const struct dma_fence_ops no_driver_ops = {
		.get_timeline_name = mock_get_timeline_name,
	};
	struct dma_fence f = {};
	EXPECT_DEATH(dma_fence_init(&f, &no_timeline_ops, nullptr, 1, 1),
		     "kernel BUG at .*dma-fence.cpp:[0-9]+: .*get_timeline_name");
	EXPECT_DEATH(dma_fence_init(&f, &no_driver_ops, nullptr, 1, 1),
		     "kernel BUG at .*dma-fence.cpp:[0-9]+: .*get_driver_name");
	EXPECT_DEATH(dma_fence_init64(&f, nullptr, nullptr, 1, 1), "kernel BUG at .*!ops");
	EXPECT_FALSE(dma_fence_was_initialized(&f)); // the parent never initialised it
}

TEST_F(DmaFenceDeathTest, SignalLockedWithoutLockDies)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	EXPECT_DEATH(dma_fence_signal_locked(f), "lockdep_assert_held.*not held");
	EXPECT_DEATH(dma_fence_get_status_locked(f), "lockdep_assert_held.*not held");
	dma_fence_signal(f);
	dma_fence_put(f);
}

TEST_F(DmaFenceDeathTest, UnexpectedWarnIsFatal)
{
	// panic_on_warn: a WARN outside an expect_warn scope aborts, which is
	// what makes every other test's "no WARN" implicit checks real.
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	dma_fence_signal(f);
	EXPECT_DEATH(dma_fence_set_error(f, -EIO), "WARN_ON.*SIGNALED.*panic_on_warn");
	dma_fence_put(f);
}

#ifdef FENCE_DEBUG_CHECKS
TEST_F(DmaFenceDeathTest, NameOutsideRcuBugs)
{
	struct dma_fence *f = mock_alloc();
	ASSERT_NE(f, nullptr);
	EXPECT_DEATH((void)dma_fence_driver_name(f), "kernel BUG at .*rcu_read_lock_held");
	dma_fence_signal(f);
	dma_fence_put(f);
}
#endif

#endif // FENCEFUZZ_DEATH_TESTS

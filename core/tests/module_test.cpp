// SPDX-License-Identifier: MIT
//
// Module-layer tests: every driver model of fence/module.h, the unload rules
// of "Independence for dma_fences!" (force-complete with -ENODEV, -EBUSY
// while a pinned fence lives, a grace period before the image goes), and
// fences that outlive their module.
//
// Oracle: an unloaded module's image is PROT_NONE, so any access to it from
// a fence that is supposed to be independent crashes the test (and the
// fault handler names the module and the field); EXPECT failures, WARNs
// (fatal), sanitizer reports and leaked fence memory (FenceTest::TearDown)
// mean broken too.
//
// Built twice: module_test and, with FENCEFUZZ_DEATH_TESTS, module_death_test
// (label "death"), which proves that a call into an unloaded module dies
// naming the module and the op.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "fence/fence.h"
#include "fence/module.h"
#include "fence/slab.h"
#include "test_ops.h"

using namespace fft;

namespace {

class FenceModuleTest : public FenceTest {
protected:
	static struct fence_module *load(const char *name, enum fence_driver_model model)
	{
		struct fence_module *m = nullptr;
		EXPECT_EQ(fence_module_load(name, model, &m), 0) << name;
		return m;
	}
	static std::string tl_name(const char *mod, enum fence_driver_model model)
	{
		return std::string(mod) + "." + fence_driver_model_name(model) + ".tl";
	}
};

[[maybe_unused]] std::string model_param_name(const testing::TestParamInfo<enum fence_driver_model> &info)
{
	return fence_driver_model_name(info.param);
}

} // namespace

#ifndef FENCEFUZZ_DEATH_TESTS

// ---- load, accessors ---------------------------------------------------------------

TEST_F(FenceModuleTest, LoadAndAccessors)
{
	const long loaded = fence_module_count_loaded();
	struct fence_module *a = load("acc0", FENCE_MODEL_NAMES);
	struct fence_module *b = load("acc1", FENCE_MODEL_HW);
	ASSERT_TRUE(a && b);
	EXPECT_EQ(fence_module_count_loaded(), loaded + 2);
	EXPECT_STREQ(fence_module_name(a), "acc0");
	EXPECT_STREQ(fence_module_name(b), "acc1");
	EXPECT_EQ(fence_module_model(a), FENCE_MODEL_NAMES);
	EXPECT_EQ(fence_module_model(b), FENCE_MODEL_HW);
	EXPECT_GE(fence_module_context(a), 1u);
	EXPECT_NE(fence_module_context(a), fence_module_context(b));
	EXPECT_EQ(fence_module_pending(a), 0);
	EXPECT_EQ(fence_module_live_pinned(a), 0);
	EXPECT_EQ(fence_module_hw_seqno(b), 0u);
	EXPECT_EQ(fence_module_unload(a), 0);
	EXPECT_EQ(fence_module_count_loaded(), loaded + 1);
	// The other module is unaffected.
	struct dma_fence *f = fence_module_create_fence(b, 1, 0);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(driver_name(f), "acc1");
	EXPECT_EQ(fence_module_unload(b), 0);
	EXPECT_EQ(fence_module_count_loaded(), loaded);
	EXPECT_EQ(dma_fence_get_status(f), -ENODEV);
	dma_fence_put(f);
}

TEST_F(FenceModuleTest, LoadRejectsBadArguments)
{
	struct fence_module *m = nullptr;
	EXPECT_EQ(fence_module_load("bad", FENCE_MODEL_COUNT, &m), -EINVAL);
	EXPECT_EQ(fence_module_load(nullptr, FENCE_MODEL_NAMES, &m), -EINVAL);
	EXPECT_EQ(fence_module_load("bad", FENCE_MODEL_NAMES, nullptr), -EINVAL);
	EXPECT_EQ(m, nullptr);
}

TEST_F(FenceModuleTest, ModelNames)
{
	EXPECT_STREQ(fence_driver_model_name(FENCE_MODEL_NAMES), "names");
	EXPECT_STREQ(fence_driver_model_name(FENCE_MODEL_HW), "hw");
	EXPECT_STREQ(fence_driver_model_name(FENCE_MODEL_RECYCLE), "recycle");
	EXPECT_STREQ(fence_driver_model_name(FENCE_MODEL_WAIT), "wait");
	EXPECT_STREQ(fence_driver_model_name(FENCE_MODEL_DEADLINE), "deadline");
	EXPECT_STREQ(fence_driver_model_name(FENCE_MODEL_TIMELINE), "timeline");
	EXPECT_EQ(fence_driver_model_name(FENCE_MODEL_COUNT), nullptr);
}

TEST_F(FenceModuleTest, LongNameIsTruncatedTo31Chars)
{
	const std::string longname(40, 'x');
	struct fence_module *m = load(longname.c_str(), FENCE_MODEL_NAMES);
	ASSERT_NE(m, nullptr);
	EXPECT_EQ(std::string(fence_module_name(m)), longname.substr(0, 31));
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(driver_name(f), longname.substr(0, 31));
	dma_fence_signal(f);
	dma_fence_put(f);
	EXPECT_EQ(fence_module_unload(m), 0);
}

// ---- driver models -------------------------------------------------------------------

TEST_F(FenceModuleTest, NamesModel)
{
	struct fence_module *m = load("nm", FENCE_MODEL_NAMES);
	ASSERT_NE(m, nullptr);
	const u64 ctx = fence_module_context(m);
	struct dma_fence *f = fence_module_create_fence(m, 5, 0);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(f->context, ctx);
	EXPECT_EQ(f->seqno, 5u);
	EXPECT_EQ(refcount(f), 2u); // ours and the module's
	EXPECT_EQ(fence_module_pending(m), 1);
	EXPECT_EQ(fence_module_live_pinned(m), 0);
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_INLINE_LOCK_BIT, &f->flags));
	EXPECT_FALSE(test_bit(DMA_FENCE_FLAG_SEQNO64_BIT, &f->flags));
	EXPECT_FALSE(ops_detached(f));
	EXPECT_EQ(driver_name(f), "nm");
	EXPECT_EQ(timeline_name(f), tl_name("nm", FENCE_MODEL_NAMES));
	EXPECT_EQ(dma_fence_describe(f),
		  std::to_string(ctx) + ":5 " + tl_name("nm", FENCE_MODEL_NAMES) + " nm unsignalled\n");

	dma_fence_signal(f);
	EXPECT_TRUE(ops_detached(f));
	EXPECT_EQ(driver_name(f), "detached-driver");
	// The module drops its reference at its next create (reap).
	EXPECT_EQ(refcount(f), 2u);
	struct dma_fence *g = fence_module_create_fence(m, 6, 0);
	ASSERT_NE(g, nullptr);
	EXPECT_EQ(refcount(f), 1u);
	EXPECT_EQ(fence_module_pending(m), 1);
	EXPECT_NE(g, f);

	EXPECT_EQ(fence_module_unload(m), 0);
	EXPECT_EQ(dma_fence_get_status(f), 1);
	EXPECT_EQ(dma_fence_get_status(g), -ENODEV);
	EXPECT_EQ(refcount(g), 1u);
	dma_fence_put(f);
	dma_fence_put(g);
}

TEST_F(FenceModuleTest, HwModelIrqSignalsArmedFences)
{
	struct fence_module *m = load("hw0", FENCE_MODEL_HW);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f1 = fence_module_create_fence(m, 1, 0);
	struct dma_fence *f2 = fence_module_create_fence(m, 2, 0);
	struct dma_fence *f3 = fence_module_create_fence(m, 3, 0);
	ASSERT_TRUE(f1 && f2 && f3);
	count_cb c1 = {};
	ASSERT_EQ(dma_fence_add_callback(f1, &c1.cb, count_cb_func), 0); // arms f1
	dma_fence_enable_sw_signaling(f2);				  // arms f2
	EXPECT_EQ(fence_module_pending(m), 3);

	EXPECT_EQ(fence_module_irq(m, 2), 2);
	EXPECT_EQ(fence_module_hw_seqno(m), 2u);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f1));
	EXPECT_TRUE(dma_fence_test_signaled_flag(f2));
	EXPECT_EQ(c1.calls, 1);
	EXPECT_FALSE(dma_fence_test_signaled_flag(f3));
	EXPECT_EQ(fence_module_pending(m), 1);
	EXPECT_FALSE(dma_fence_is_signaled(f3)); // ->signaled: hw 2 < 3

	// f3 was never armed: the interrupt leaves it for ->signaled polling.
	EXPECT_EQ(fence_module_irq(m, 3), 0);
	EXPECT_FALSE(dma_fence_test_signaled_flag(f3));
	EXPECT_TRUE(dma_fence_is_signaled(f3));
	EXPECT_TRUE(ops_detached(f3));

	// The hardware counter never goes back.
	EXPECT_EQ(fence_module_irq(m, 1), 0);
	EXPECT_EQ(fence_module_hw_seqno(m), 3u);

	EXPECT_EQ(fence_module_unload(m), 0);
	for (auto *f : {f1, f2, f3}) {
		EXPECT_EQ(dma_fence_get_status(f), 1);
		dma_fence_put(f);
	}
}

TEST_F(FenceModuleTest, HwModelEnableAfterHardwarePassedSignalsAtOnce)
{
	struct fence_module *m = load("hw1", FENCE_MODEL_HW);
	ASSERT_NE(m, nullptr);
	EXPECT_EQ(fence_module_irq(m, 10), 0);
	struct dma_fence *f = fence_module_create_fence(m, 7, 0);
	ASSERT_NE(f, nullptr);
	EXPECT_FALSE(dma_fence_test_signaled_flag(f));
	dma_fence_enable_sw_signaling(f); // ->enable_signaling returns false
	EXPECT_TRUE(dma_fence_test_signaled_flag(f));
	EXPECT_EQ(dma_fence_get_status(f), 1);

	struct dma_fence *g = fence_module_create_fence(m, 11, 0);
	ASSERT_NE(g, nullptr);
	EXPECT_EQ(dma_fence_wait_timeout(g, false, 0), 0); // arms it
	EXPECT_EQ(fence_module_irq(m, 11), 1);
	EXPECT_EQ(dma_fence_wait_timeout(g, false, 0), 1);
	EXPECT_EQ(fence_module_unload(m), 0);
	dma_fence_put(f);
	dma_fence_put(g);
}

TEST_F(FenceModuleTest, HwModelWaitWokenByIrqFromAnotherThread)
{
	struct fence_module *m = load("hw2", FENCE_MODEL_HW);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	std::thread irq([m, f] {
		// The wait arms the fence (enable_signaling) before it sleeps.
		while (!test_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f->flags))
			std::this_thread::yield();
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
		EXPECT_EQ(fence_module_irq(m, 1), 1);
	});
	const signed long ret = dma_fence_wait_timeout(f, true, 10 * HZ);
	irq.join();
	EXPECT_GT(ret, 0);
	EXPECT_EQ(dma_fence_get_status(f), 1);
	EXPECT_EQ(fence_module_unload(m), 0);
	dma_fence_put(f);
}

TEST_F(FenceModuleTest, RecycleModelReusesMemory)
{
	struct fence_module *m = load("rc", FENCE_MODEL_RECYCLE);
	ASSERT_NE(m, nullptr);
	struct dma_fence *a = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(fence_module_live_pinned(m), 1);
	dma_fence_set_error(a, -EIO);
	dma_fence_signal(a);
	EXPECT_FALSE(ops_detached(a)); // ->release: pinned, never detached
	struct dma_fence *const addr = a;
	dma_fence_put(a); // the module still holds its reference
	EXPECT_EQ(fence_module_live_pinned(m), 1);

	// The next create reaps a (last reference: ->release into the cache)
	// and reuses its memory at once.
	struct dma_fence *b = fence_module_create_fence(m, 2, 0);
	ASSERT_NE(b, nullptr);
	EXPECT_EQ(b, addr);
	EXPECT_EQ(fence_module_live_pinned(m), 1);
	// A fresh fence, nothing left of a's life.
	EXPECT_EQ(b->seqno, 2u);
	EXPECT_EQ(refcount(b), 2u);
	EXPECT_EQ(b->error, 0);
	EXPECT_FALSE(dma_fence_test_signaled_flag(b));
	EXPECT_FALSE(test_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &b->flags));
	EXPECT_TRUE(list_empty(&b->cb_list));
	EXPECT_EQ(dma_fence_get_status(b), 0);
	EXPECT_EQ(driver_name(b), "rc");
	EXPECT_EQ(timeline_name(b), tl_name("rc", FENCE_MODEL_RECYCLE));

	// A second live fence gets other memory.
	struct dma_fence *c = fence_module_create_fence(m, 3, 0);
	ASSERT_NE(c, nullptr);
	EXPECT_NE(c, b);
	EXPECT_EQ(fence_module_live_pinned(m), 2);
	dma_fence_signal(b);
	dma_fence_signal(c);
	dma_fence_put(b);
	dma_fence_put(c);
	EXPECT_EQ(fence_module_unload(m), 0); // frees the cache
}

TEST_F(FenceModuleTest, WaitModel)
{
	struct fence_module *m = load("wt", FENCE_MODEL_WAIT);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(fence_module_live_pinned(m), 1);
	{
		fence::rcu_read_guard g;
		const struct dma_fence_ops *ops = rcu_dereference(f->ops);
		ASSERT_NE(ops, nullptr);
		EXPECT_NE(ops->wait, nullptr);
		EXPECT_NE(ops->release, nullptr);
	}
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 0);
	EXPECT_EQ(dma_fence_wait_timeout(f, true, 1), 0);
	std::thread t([f] {
		std::this_thread::sleep_for(std::chrono::milliseconds(3));
		dma_fence_signal(f);
	});
	const signed long ret = dma_fence_wait_timeout(f, true, 10 * HZ);
	t.join();
	EXPECT_GT(ret, 0);
	EXPECT_FALSE(ops_detached(f)); // ->wait keeps the ops
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 1);
	EXPECT_EQ(dma_fence_wait(f, true), 0);
	dma_fence_put(f);
	EXPECT_EQ(fence_module_unload(m), 0); // reaps f: its release unpins the module
}

TEST_F(FenceModuleTest, DeadlineModelRecordsEarliestDeadline)
{
	struct fence_module *m = load("dl", FENCE_MODEL_DEADLINE);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(fence_module_fence_deadline(f), 0);
	dma_fence_set_deadline(f, 1000);
	EXPECT_EQ(fence_module_fence_deadline(f), 1000);
	dma_fence_set_deadline(f, 500);
	dma_fence_set_deadline(f, 2000); // later: ignored by the driver
	EXPECT_EQ(fence_module_fence_deadline(f), 500);
	dma_fence_signal(f);
	EXPECT_TRUE(ops_detached(f));
	dma_fence_set_deadline(f, 100); // detached: ->set_deadline not called
	EXPECT_EQ(fence_module_fence_deadline(f), 500);
	EXPECT_EQ(fence_module_unload(m), 0);
	dma_fence_set_deadline(f, 50); // no access to the unloaded module
	EXPECT_EQ(fence_module_fence_deadline(f), 500);
	dma_fence_put(f);
}

TEST_F(FenceModuleTest, TimelineModelIncSignalsUpToValue)
{
	struct fence_module *m = load("tl", FENCE_MODEL_TIMELINE);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f1 = fence_module_create_fence(m, 1, 0);
	struct dma_fence *f2 = fence_module_create_fence(m, 2, 0);
	struct dma_fence *f3 = fence_module_create_fence(m, 3, 0);
	ASSERT_TRUE(f1 && f2 && f3);
	count_cb c2 = {};
	ASSERT_EQ(dma_fence_add_callback(f2, &c2.cb, count_cb_func), 0);

	// sw_sync: no enable needed, inc signals everything at or below the value.
	EXPECT_EQ(fence_module_timeline_inc(m, 2), 2);
	EXPECT_EQ(fence_module_hw_seqno(m), 2u);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f1));
	EXPECT_TRUE(dma_fence_test_signaled_flag(f2));
	EXPECT_EQ(c2.calls, 1);
	EXPECT_FALSE(dma_fence_is_signaled(f3));

	// A fence at or below the current value is signaled as soon as polled.
	struct dma_fence *f4 = fence_module_create_fence(m, 2, 0);
	ASSERT_NE(f4, nullptr);
	EXPECT_FALSE(dma_fence_test_signaled_flag(f4));
	EXPECT_EQ(dma_fence_get_status(f4), 1);

	EXPECT_EQ(fence_module_timeline_inc(m, 1), 1); // f3 only (f4 already signaled)
	EXPECT_EQ(dma_fence_get_status(f3), 1);
	EXPECT_EQ(fence_module_hw_seqno(m), 3u);
	EXPECT_EQ(fence_module_pending(m), 0);

	EXPECT_EQ(fence_module_unload(m), 0);
	for (auto *f : {f1, f2, f3, f4})
		dma_fence_put(f);
}

TEST_F(FenceModuleTest, IrqAndIncRejectOtherModels)
{
	struct fence_module *n = load("rej0", FENCE_MODEL_NAMES);
	struct fence_module *h = load("rej1", FENCE_MODEL_HW);
	struct fence_module *t = load("rej2", FENCE_MODEL_TIMELINE);
	ASSERT_TRUE(n && h && t);
	EXPECT_EQ(fence_module_irq(n, 1), -EINVAL);
	EXPECT_EQ(fence_module_irq(t, 1), -EINVAL);
	EXPECT_EQ(fence_module_timeline_inc(n, 1), -EINVAL);
	EXPECT_EQ(fence_module_timeline_inc(h, 1), -EINVAL);
	EXPECT_EQ(fence_module_hw_seqno(h), 0u);
	EXPECT_EQ(fence_module_hw_seqno(t), 0u);
	for (auto *m : {n, h, t})
		EXPECT_EQ(fence_module_unload(m), 0);
}

TEST_F(FenceModuleTest, Seqno64Flag)
{
	struct fence_module *m = load("s64", FENCE_MODEL_NAMES);
	ASSERT_NE(m, nullptr);
	struct dma_fence *a = fence_module_create_fence(m, 1, FENCE_CREATE_SEQNO64);
	struct dma_fence *b = fence_module_create_fence(m, 0xFFFFFFFFull, FENCE_CREATE_SEQNO64);
	ASSERT_TRUE(a && b);
	EXPECT_TRUE(test_bit(DMA_FENCE_FLAG_SEQNO64_BIT, &a->flags));
	EXPECT_FALSE(dma_fence_is_later(a, b)); // 64-bit compare, no wrap
	EXPECT_EQ(fence_module_unload(m), 0);
	dma_fence_put(a);
	dma_fence_put(b);
}

TEST_F(FenceModuleTest, ExternLockFencesShareTheModuleLockAndPin)
{
	struct fence_module *m = load("ext", FENCE_MODEL_NAMES);
	ASSERT_NE(m, nullptr);
	struct dma_fence *a = fence_module_create_fence(m, 1, FENCE_CREATE_EXTERN_LOCK);
	struct dma_fence *b = fence_module_create_fence(m, 2, FENCE_CREATE_EXTERN_LOCK);
	struct dma_fence *c = fence_module_create_fence(m, 3, 0);
	ASSERT_TRUE(a && b && c);
	EXPECT_FALSE(test_bit(DMA_FENCE_FLAG_INLINE_LOCK_BIT, &a->flags));
	EXPECT_EQ(dma_fence_spinlock(a), dma_fence_spinlock(b));
	EXPECT_EQ(dma_fence_spinlock(c), &c->inline_lock);
	EXPECT_EQ(fence_module_live_pinned(m), 2); // the extern-lock fences only

	dma_fence_signal(a);
	EXPECT_FALSE(ops_detached(a)); // the extern-lock variant has a ->release
	EXPECT_EQ(driver_name(a), "detached-driver");

	// a and b live on the module's lock: unload must refuse.
	const long loaded = fence_module_count_loaded();
	EXPECT_EQ(fence_module_unload(m), -EBUSY);
	EXPECT_EQ(fence_module_count_loaded(), loaded);
	EXPECT_EQ(dma_fence_get_status(a), 1);
	EXPECT_EQ(dma_fence_get_status(b), -ENODEV); // pending ones were completed
	EXPECT_EQ(dma_fence_get_status(c), -ENODEV);

	// The module keeps working.
	struct dma_fence *d = fence_module_create_fence(m, 4, 0);
	ASSERT_NE(d, nullptr);
	EXPECT_EQ(driver_name(d), "ext");
	EXPECT_EQ(dma_fence_get_status(d), 0);

	dma_fence_put(a);
	dma_fence_put(b);
	EXPECT_EQ(fence_module_live_pinned(m), 0);
	EXPECT_EQ(fence_module_unload(m), 0);
	EXPECT_EQ(fence_module_count_loaded(), loaded - 1);
	EXPECT_EQ(dma_fence_get_status(d), -ENODEV);
	dma_fence_put(c);
	dma_fence_put(d);
}

// ---- unload rules -----------------------------------------------------------------

class FenceModuleDetachingTest : public FenceModuleTest,
				 public testing::WithParamInterface<enum fence_driver_model> {};

TEST_P(FenceModuleDetachingTest, FenceOutlivesUnloadedModule)
{
	const enum fence_driver_model model = GetParam();
	struct fence_module *m = load("gone", model);
	ASSERT_NE(m, nullptr);
	const u64 ctx = fence_module_context(m);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0); // signaled before unload
	struct dma_fence *g = fence_module_create_fence(m, 2, 0); // completed by unload
	ASSERT_TRUE(f && g);
	dma_fence_set_deadline(f, 1234);
	dma_fence_signal(f);
	const ktime_t ts = dma_fence_timestamp(f);
	fence::rcu_ptr<struct dma_fence> slot{nullptr};
	rcu_assign_pointer(slot, dma_fence_get(f));

	EXPECT_EQ(fence_module_unload(m), 0);
	// From here on the module image is PROT_NONE: any access crashes.

	EXPECT_TRUE(ops_detached(f));
	EXPECT_TRUE(ops_detached(g));
	EXPECT_EQ(dma_fence_get_status(f), 1);
	EXPECT_EQ(dma_fence_get_status(g), -ENODEV);
	EXPECT_TRUE(dma_fence_is_signaled(f));
	EXPECT_TRUE(dma_fence_is_signaled(g));
	EXPECT_EQ(driver_name(f), "detached-driver");
	EXPECT_EQ(timeline_name(g), "signaled-timeline");
	EXPECT_EQ(dma_fence_describe(f), std::to_string(ctx) + ":1   signalled\n");
	EXPECT_EQ(dma_fence_describe(g), std::to_string(ctx) + ":2   signalled\n");
	EXPECT_EQ(dma_fence_wait_timeout(f, true, 0), 1);
	EXPECT_EQ(dma_fence_wait_timeout(g, false, 7), 7);
	EXPECT_EQ(dma_fence_wait(f, true), 0);
	EXPECT_EQ(dma_fence_timestamp(f), ts);
	dma_fence_enable_sw_signaling(g);
	dma_fence_set_deadline(g, 1);
	count_cb c = {};
	EXPECT_EQ(dma_fence_add_callback(f, &c.cb, count_cb_func), -ENOENT);
	EXPECT_FALSE(dma_fence_remove_callback(f, &c.cb));
	EXPECT_TRUE(dma_fence_check_and_signal(g)); // already signaled by the unload
	struct dma_fence *fs[] = {f, g};
	u32 idx = 9;
	EXPECT_EQ(dma_fence_wait_any_timeout(fs, 2, true, 5, &idx), 5);
	EXPECT_EQ(idx, 0u);
	if (model == FENCE_MODEL_DEADLINE)
		EXPECT_EQ(fence_module_fence_deadline(f), 1234);
	{
		fence::rcu_read_guard rg;
		struct dma_fence *got = dma_fence_get_rcu_safe(&slot);
		EXPECT_EQ(got, f);
		dma_fence_put(got);
	}
	dma_fence_put(rcu_replace_pointer(slot, nullptr, true));
	dma_fence_put(f);
	dma_fence_put(g); // release without ops: kfree_rcu, no module call
}

INSTANTIATE_TEST_SUITE_P(Models, FenceModuleDetachingTest,
			 testing::Values(FENCE_MODEL_NAMES, FENCE_MODEL_HW, FENCE_MODEL_DEADLINE,
					 FENCE_MODEL_TIMELINE),
			 model_param_name);

TEST_P(FenceModuleDetachingTest, UnloadForceCompletesPendingWithENODEV)
{
	const enum fence_driver_model model = GetParam();
	struct fence_module *m = load("force", model);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	struct dma_fence *g = fence_module_create_fence(m, 2, 0);
	struct dma_fence *h = fence_module_create_fence(m, 3, 0);
	ASSERT_TRUE(f && g && h);
	count_cb cf = {}, cg = {};
	ASSERT_EQ(dma_fence_add_callback(f, &cf.cb, count_cb_func), 0);
	ASSERT_EQ(dma_fence_add_callback(g, &cg.cb, count_cb_func), 0);
	dma_fence_put(h); // only the module holds h: unload completes and frees it
	EXPECT_EQ(fence_module_pending(m), 3);

	EXPECT_EQ(fence_module_unload(m), 0);
	EXPECT_EQ(cf.calls, 1);
	EXPECT_EQ(cf.error_seen, -ENODEV);
	EXPECT_EQ(cg.calls, 1);
	EXPECT_EQ(cg.error_seen, -ENODEV);
	EXPECT_EQ(dma_fence_get_status(f), -ENODEV);
	EXPECT_EQ(dma_fence_get_status(g), -ENODEV);
	EXPECT_EQ(refcount(f), 1u); // the module's reference is gone
	dma_fence_put(f);
	dma_fence_put(g);
}

class FenceModulePinnedTest : public FenceModuleTest,
			      public testing::WithParamInterface<enum fence_driver_model> {
protected:
	static unsigned create_flags(enum fence_driver_model model)
	{
		// NAMES is pinned only through the deprecated external lock.
		return model == FENCE_MODEL_NAMES ? FENCE_CREATE_EXTERN_LOCK : 0;
	}
};

TEST_P(FenceModulePinnedTest, UnloadWithLivePinnedFenceIsBusy)
{
	const enum fence_driver_model model = GetParam();
	const unsigned flags = create_flags(model);
	struct fence_module *m = load("busy", model);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, flags);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(fence_module_live_pinned(m), 1);
	const long loaded = fence_module_count_loaded();

	EXPECT_EQ(fence_module_unload(m), -EBUSY);
	EXPECT_EQ(fence_module_count_loaded(), loaded);
	EXPECT_EQ(fence_module_live_pinned(m), 1);
	// Teardown still completed the fence, but it stays attached.
	EXPECT_EQ(dma_fence_get_status(f), -ENODEV);
	EXPECT_FALSE(ops_detached(f));
	EXPECT_EQ(fence_module_pending(m), 0);
	EXPECT_EQ(refcount(f), 1u);

	// Still loaded and working: its ops and names are reachable.
	struct dma_fence *g = fence_module_create_fence(m, 2, flags);
	ASSERT_NE(g, nullptr);
	EXPECT_EQ(driver_name(g), "busy");
	EXPECT_EQ(timeline_name(g), tl_name("busy", model));
	EXPECT_EQ(fence_module_live_pinned(m), 2);
	EXPECT_EQ(dma_fence_wait_timeout(g, false, 0), 0);
	dma_fence_signal(g);
	EXPECT_EQ(dma_fence_wait_timeout(g, false, 0), 1);
	EXPECT_EQ(fence_module_unload(m), -EBUSY); // g, f still alive

	dma_fence_put(f);
	dma_fence_put(g);
	EXPECT_EQ(fence_module_live_pinned(m), 0);
	EXPECT_EQ(fence_module_unload(m), 0);
	EXPECT_EQ(fence_module_count_loaded(), loaded - 1);
}

INSTANTIATE_TEST_SUITE_P(Models, FenceModulePinnedTest,
			 testing::Values(FENCE_MODEL_RECYCLE, FENCE_MODEL_WAIT, FENCE_MODEL_NAMES),
			 [](const testing::TestParamInfo<enum fence_driver_model> &info) {
				 return info.param == FENCE_MODEL_NAMES
						? std::string("extern_lock")
						: std::string(fence_driver_model_name(info.param));
			 });

TEST_F(FenceModuleTest, UnloadWaitsForRcuReaders)
{
	// A reader that fetched the module's name string before the fence
	// signalled may use it until its read-side section ends: unload must
	// wait a grace period before the image goes.
	struct fence_module *m = load("gp", FENCE_MODEL_NAMES);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	std::atomic<bool> unloaded{false};
	std::atomic<int> unload_ret{1};

	rcu_read_lock();
	const char *name = dma_fence_driver_name(f);
	EXPECT_STREQ(name, "gp");
	std::thread t([&] {
		dma_fence_signal(f);
		unload_ret = fence_module_unload(m);
		unloaded = true;
	});
	while (!dma_fence_test_signaled_flag(f))
		std::this_thread::yield();
	std::this_thread::sleep_for(std::chrono::milliseconds(20));
	EXPECT_FALSE(unloaded); // blocked in synchronize_rcu()
	EXPECT_STREQ(name, "gp"); // still mapped: would fault after unload
	rcu_read_unlock();
	t.join();
	EXPECT_TRUE(unloaded);
	EXPECT_EQ(unload_ret, 0);
	dma_fence_put(f);
}

// ---- the driver contract (fence_module_contract_take) ---------------------------------

// What the module saw breached since the last take ("" if nothing).
std::string contract_breach()
{
	char buf[256];
	return fence_module_contract_take(buf, sizeof(buf)) ? std::string(buf) : std::string();
}

// The ops table a fence is attached to now (read under RCU, for calling an
// op directly the way a buggy core would).
const struct dma_fence_ops *ops_of(struct dma_fence *f)
{
	rcu_read_lock();
	const struct dma_fence_ops *ops = rcu_dereference(f->ops);
	rcu_read_unlock();
	return ops;
}

TEST_F(FenceModuleTest, DriverContractHoldsUnderTheCoresOwnCalls)
{
	// Every model through the core's API: waits, callbacks, deadlines,
	// names, signal, release, unload. Not one breach.
	contract_breach(); // nothing left from an earlier test
	for (int mi = 0; mi < FENCE_MODEL_COUNT; mi++) {
		auto model = static_cast<enum fence_driver_model>(mi);
		struct fence_module *m = load("ok", model);
		ASSERT_NE(m, nullptr);
		for (unsigned flags : {0u, unsigned(FENCE_CREATE_EXTERN_LOCK)}) {
			struct dma_fence *f = fence_module_create_fence(m, 1, flags);
			ASSERT_NE(f, nullptr);
			dma_fence_enable_sw_signaling(f);
			dma_fence_enable_sw_signaling(f);
			dma_fence_set_deadline(f, 100);
			EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 0);
			(void)driver_name(f);
			dma_fence_signal(f);
			(void)driver_name(f);
			dma_fence_set_deadline(f, 50);
			EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 1);
			dma_fence_put(f);
		}
		EXPECT_EQ(fence_module_unload(m), 0);
		EXPECT_EQ(contract_breach(), "") << fence_driver_model_name(model);
	}
}

TEST_F(FenceModuleTest, DriverContractReportsEnableSignalingTwiceAndOnSignaled)
{
	contract_breach();
	struct fence_module *m = load("hw", FENCE_MODEL_HW);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 5, 0);
	ASSERT_NE(f, nullptr);
	const struct dma_fence_ops *ops = ops_of(f);
	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	EXPECT_TRUE(ops->enable_signaling(f)); // the first call: allowed
	EXPECT_EQ(contract_breach(), "");
	EXPECT_TRUE(ops->enable_signaling(f)); // a core that ignores ENABLE_SIGNAL
	dma_fence_unlock_irqrestore(f, flags);
	const std::string twice = contract_breach();
	EXPECT_NE(twice.find("driver_enable_signaling: ->enable_signaling called a second time"),
		  std::string::npos)
		<< twice;
	EXPECT_NE(twice.find("of module 'hw'"), std::string::npos) << twice;
	EXPECT_EQ(contract_breach(), ""); // taken: gone

	struct dma_fence *g = fence_module_create_fence(m, 6, 0);
	ASSERT_NE(g, nullptr);
	dma_fence_lock_irqsave(g, flags);
	dma_fence_signal_locked(g); // detaches: a reader inside RCU may still call
	rcu_read_lock();
	(void)ops->enable_signaling(g); // on a signaled fence
	rcu_read_unlock();
	dma_fence_unlock_irqrestore(g, flags);
	EXPECT_NE(contract_breach().find("called on a signaled fence"), std::string::npos);
	EXPECT_EQ(fence_module_irq(m, 10), 1);
	EXPECT_EQ(fence_module_unload(m), 0);
	dma_fence_put(f);
	dma_fence_put(g);
	EXPECT_EQ(contract_breach(), "");
}

TEST_F(FenceModuleTest, DriverContractReportsSetDeadlineUnderTheFenceLock)
{
	contract_breach();
	struct fence_module *m = load("dl", FENCE_MODEL_DEADLINE);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	const struct dma_fence_ops *ops = ops_of(f);
	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	ops->set_deadline(f, 100);
	dma_fence_unlock_irqrestore(f, flags);
	EXPECT_NE(contract_breach().find("driver_set_deadline: ->set_deadline called with the fence's lock held"),
		  std::string::npos);
	ops->set_deadline(f, 90); // unlocked: allowed
	EXPECT_EQ(contract_breach(), "");
	dma_fence_signal(f);
	EXPECT_EQ(fence_module_unload(m), 0);
	dma_fence_put(f);
}

TEST_F(FenceModuleTest, DriverContractReportsCallsAfterDetachOutsideRcu)
{
	contract_breach();
	struct fence_module *m = load("nm", FENCE_MODEL_NAMES);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	const struct dma_fence_ops *ops = ops_of(f);
	dma_fence_signal(f);
	ASSERT_TRUE(ops_detached(f));
	rcu_read_lock();
	(void)ops->get_driver_name(f); // a reader that loaded the ops before: allowed
	rcu_read_unlock();
	EXPECT_EQ(contract_breach(), "");
	(void)ops->get_timeline_name(f); // outside RCU: nothing keeps the module
	EXPECT_NE(contract_breach().find("driver_get_timeline_name: ->get_timeline_name called after the "
					 "ops were detached, outside an RCU read-side section"),
		  std::string::npos);
	EXPECT_EQ(fence_module_unload(m), 0);
	dma_fence_put(f);
}

TEST_F(FenceModuleTest, DriverContractReportsCallsAfterRelease)
{
	// A recycled fence is still memory after ->release (typesafe by RCU):
	// only the contract sees an op called on it then.
	contract_breach();
	struct fence_module *m = load("rc", FENCE_MODEL_RECYCLE);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	const struct dma_fence_ops *ops = ops_of(f);
	dma_fence_signal(f);
	struct dma_fence *g = fence_module_create_fence(m, 2, 0); // reaps: the module drops f
	ASSERT_NE(g, nullptr);
	dma_fence_put(f); // the last reference: ->release, into the cache
	EXPECT_EQ(contract_breach(), "");
	rcu_read_lock();
	(void)ops->get_driver_name(f); // still memory, but nobody's fence
	rcu_read_unlock();
	EXPECT_NE(contract_breach().find("driver_get_driver_name: ->get_driver_name called after ->release"),
		  std::string::npos);
	dma_fence_signal(g);
	dma_fence_put(g);
	EXPECT_EQ(fence_module_unload(m), 0);
}

#else // FENCEFUZZ_DEATH_TESTS

// ---- death tests (binary module_death_test, label "death") ----------------------------

class FenceModuleDeathTest : public FenceModuleTest {
protected:
	void SetUp() override
	{
		GTEST_FLAG_SET(death_test_style, "threadsafe");
		FenceModuleTest::SetUp();
	}
};

TEST_F(FenceModuleDeathTest, CallThroughStaleOpsNamesModuleAndOp)
{
	struct fence_module *m = load("deadmod", FENCE_MODEL_NAMES);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	const struct dma_fence_ops *ops;
	{
		fence::rcu_read_guard g;
		ops = rcu_dereference(f->ops); // a stale copy kept past the section: the bug
	}
	ASSERT_NE(ops, nullptr);
	dma_fence_signal(f);
	ASSERT_EQ(fence_module_unload(m), 0);
	EXPECT_DEATH((void)ops->get_driver_name(f), "unloaded module 'deadmod'.*get_driver_name");
	// The fence itself is independent of the module.
	EXPECT_EQ(dma_fence_get_status(f), 1);
	dma_fence_put(f);
}

TEST_F(FenceModuleDeathTest, CallIntoUnloadedModuleCodeNamesTheOp)
{
	// The function pointer survives (it is code, not module memory), but
	// the op's first access to the module image faults inside the op.
	struct fence_module *m = load("opcall", FENCE_MODEL_NAMES);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	const char *(*get_timeline_name)(struct dma_fence *);
	{
		fence::rcu_read_guard g;
		get_timeline_name = rcu_dereference(f->ops)->get_timeline_name;
	}
	dma_fence_signal(f);
	ASSERT_EQ(fence_module_unload(m), 0);
	EXPECT_DEATH((void)get_timeline_name(f),
		     "unloaded module 'opcall' \\(id [0-9]+\\).*in op get_timeline_name");
	dma_fence_put(f);
}

TEST_F(FenceModuleDeathTest, StaleNameStringFaults)
{
	struct fence_module *m = load("stale", FENCE_MODEL_NAMES);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	const char *name;
	{
		fence::rcu_read_guard g;
		name = dma_fence_timeline_name(f); // valid only inside this section
	}
	dma_fence_signal(f);
	ASSERT_EQ(fence_module_unload(m), 0);
	EXPECT_DEATH(fprintf(stderr, "%zu\n", strlen(name)),
		     "unloaded module 'stale'.*timeline name string");
	dma_fence_put(f);
}

#endif // FENCEFUZZ_DEATH_TESTS

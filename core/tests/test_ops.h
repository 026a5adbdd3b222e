/* SPDX-License-Identifier: MIT */
/*
 * core/tests/test_ops.h - ad-hoc fences and ops tables for the API tests.
 *
 * A mock_fence is a kzalloc'd struct whose first member is the dma_fence,
 * so the core's default release (dma_fence_free() -> kfree_rcu) frees it.
 * Its counters record what the core called; the ops tables below combine
 * the optional callbacks the way the tests need them (the module layer's
 * driver models do not cover "wait only" or "release only").
 *
 * FenceTest is the fixture every test uses. Its TearDown checks what each
 * test must leave behind: no fence memory (fence_slab_live() back at its
 * SetUp value after rcu_barrier(), so a missed dma_fence_put() fails in
 * every preset, not only under LeakSanitizer), no queued RCU callbacks and
 * no pending task signal. It also removes any trace sink, WARN hook or
 * failslab setting a failed test may have left.
 *
 * The environment turns RCU auto reclaim off: kfree_rcu'd fences are freed
 * only at rcu_barrier(), so frees happen at the same point of every run and
 * a fence whose last reference was dropped inside rcu_read_lock() stays
 * readable until the test calls rcu_barrier(). (One MT test turns it on for
 * its duration, so that frees really race with its readers.)
 */
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "fence/fence.h"
#include "fence/slab.h"

namespace fft {

/* ---- the mock fence ---------------------------------------------------------- */

struct mock_fence {
	struct dma_fence base; /* first: dma_fence_free() frees from here */
	int enable_calls;      /* ->enable_signaling calls */
	int signaled_calls;    /* ->signaled calls */
	int deadline_calls;    /* ->set_deadline calls */
	int wait_calls;	       /* ->wait calls */
	ktime_t deadline;      /* last ->set_deadline argument */
	bool enable_ret;       /* what ->enable_signaling returns */
	bool signaled_ret;     /* what ->signaled returns */
	int signaled_error;    /* error ->signaled sets when it returns true (0: none) */
	signed long wait_ret;  /* what ->wait returns */
};

inline mock_fence *to_mock(struct dma_fence *f) noexcept
{
	return container_of(f, mock_fence, base);
}

/* Counters are bumped with atomic_ref: a few tests call ops from two threads. */
inline void bump(int &c) noexcept { std::atomic_ref<int>(c).fetch_add(1, std::memory_order_relaxed); }
inline int peek(int &c) noexcept { return std::atomic_ref<int>(c).load(std::memory_order_relaxed); }

inline constexpr const char kDriver[] = "mock-driver";
inline constexpr const char kTimeline[] = "mock-timeline";

inline const char *mock_get_driver_name(struct dma_fence *) { return kDriver; }
inline const char *mock_get_timeline_name(struct dma_fence *) { return kTimeline; }

inline bool mock_enable_signaling(struct dma_fence *f)
{
	dma_fence_assert_held(f); /* the core calls it with the fence lock held */
	bump(to_mock(f)->enable_calls);
	return to_mock(f)->enable_ret;
}

inline bool mock_signaled(struct dma_fence *f)
{
	mock_fence *m = to_mock(f);
	bump(m->signaled_calls);
	if (m->signaled_ret && m->signaled_error)
		dma_fence_set_error(f, m->signaled_error);
	return m->signaled_ret;
}

inline signed long mock_wait(struct dma_fence *f, bool, signed long)
{
	bump(to_mock(f)->wait_calls);
	return to_mock(f)->wait_ret;
}

/* A ->wait that does the real thing, as deprecated driver waits did. */
inline signed long mock_wait_default(struct dma_fence *f, bool intr, signed long timeout)
{
	bump(to_mock(f)->wait_calls);
	return dma_fence_default_wait(f, intr, timeout);
}

inline void mock_set_deadline(struct dma_fence *f, ktime_t deadline)
{
	bump(to_mock(f)->deadline_calls);
	std::atomic_ref<ktime_t>(to_mock(f)->deadline).store(deadline, std::memory_order_relaxed);
}

/* ->release calls, process-wide (the fence is gone after it). */
inline std::atomic<long> g_release_calls{0};

inline void mock_release(struct dma_fence *f)
{
	g_release_calls.fetch_add(1, std::memory_order_relaxed);
	dma_fence_free(f);
}

/* Names only: the selftests' mock; detaches at signal. */
inline const struct dma_fence_ops names_ops = {
	.get_driver_name = mock_get_driver_name,
	.get_timeline_name = mock_get_timeline_name,
};

/* Hardware-like: ->enable_signaling and ->signaled; detaches. */
inline const struct dma_fence_ops hw_ops = {
	.get_driver_name = mock_get_driver_name,
	.get_timeline_name = mock_get_timeline_name,
	.enable_signaling = mock_enable_signaling,
	.signaled = mock_signaled,
};

/* ->signaled only; detaches. */
inline const struct dma_fence_ops signaled_ops = {
	.get_driver_name = mock_get_driver_name,
	.get_timeline_name = mock_get_timeline_name,
	.signaled = mock_signaled,
};

/* ->wait only (returns wait_ret): never detached. */
inline const struct dma_fence_ops wait_ops = {
	.get_driver_name = mock_get_driver_name,
	.get_timeline_name = mock_get_timeline_name,
	.wait = mock_wait,
};

/* ->wait only, sleeping in dma_fence_default_wait(): never detached. */
inline const struct dma_fence_ops wait_default_ops = {
	.get_driver_name = mock_get_driver_name,
	.get_timeline_name = mock_get_timeline_name,
	.wait = mock_wait_default,
};

/* ->release only: never detached. */
inline const struct dma_fence_ops release_ops = {
	.get_driver_name = mock_get_driver_name,
	.get_timeline_name = mock_get_timeline_name,
	.release = mock_release,
};

/* ->set_deadline only: detaches. */
inline const struct dma_fence_ops deadline_ops = {
	.get_driver_name = mock_get_driver_name,
	.get_timeline_name = mock_get_timeline_name,
	.set_deadline = mock_set_deadline,
};

/* ->set_deadline and ->wait: stays attached after signal. */
inline const struct dma_fence_ops deadline_wait_ops = {
	.get_driver_name = mock_get_driver_name,
	.get_timeline_name = mock_get_timeline_name,
	.wait = mock_wait_default,
	.set_deadline = mock_set_deadline,
};

/**
 * mock_alloc - kzalloc and dma_fence_init() a mock fence
 * @ops: its ops table
 * @context: fence context (0 allocates a fresh one)
 * @seqno: sequence number
 * @lock: external lock, or NULL for the inline lock
 * @seqno64: use dma_fence_init64()
 *
 * Return: the fence with one reference, or NULL if kzalloc() failed.
 */
inline struct dma_fence *mock_alloc(const struct dma_fence_ops *ops = &names_ops, u64 context = 0,
				    u64 seqno = 1, spinlock_t *lock = nullptr, bool seqno64 = false)
{
	auto *m = static_cast<mock_fence *>(kzalloc(sizeof(mock_fence), GFP_KERNEL));
	if (!m)
		return nullptr;
	m->enable_ret = true;
	if (!context)
		context = dma_fence_context_alloc(1);
	if (seqno64)
		dma_fence_init64(&m->base, ops, lock, context, seqno);
	else
		dma_fence_init(&m->base, ops, lock, context, seqno);
	return &m->base;
}

/* Compare the RCU-protected ops pointer without dereferencing it. */
inline bool ops_is(struct dma_fence *f, const struct dma_fence_ops *ops) noexcept
{
	return rcu_access_pointer(f->ops) == static_cast<const void *>(ops);
}
inline bool ops_detached(struct dma_fence *f) noexcept
{
	return rcu_access_pointer(f->ops) == nullptr;
}

/* Names, copied out of the RCU section they are valid in. */
inline std::string driver_name(struct dma_fence *f)
{
	fence::rcu_read_guard g;
	return dma_fence_driver_name(f);
}
inline std::string timeline_name(struct dma_fence *f)
{
	fence::rcu_read_guard g;
	return dma_fence_timeline_name(f);
}

inline unsigned refcount(struct dma_fence *f) noexcept { return kref_read(&f->refcount); }

/* ---- callbacks ----------------------------------------------------------- */

/* A callback that counts its runs and records the fence error it saw. */
struct count_cb {
	struct dma_fence_cb cb;
	int calls;
	int error_seen;
	bool lock_held; /* the fence lock was held while it ran */
};

inline void count_cb_func(struct dma_fence *f, struct dma_fence_cb *cb)
{
	count_cb *c = container_of(cb, count_cb, cb);
	bump(c->calls);
	c->error_seen = std::atomic_ref<int>(f->error).load(std::memory_order_relaxed);
	c->lock_held = lockdep_is_held(dma_fence_spinlock(f));
}

/* ---- WARN capture ---------------------------------------------------------- */

/* Messages of WARNs seen through fence::set_warn_hook() (single-threaded use). */
inline std::vector<std::string> g_warn_msgs;
inline void warn_hook_record(const char *msg) noexcept { g_warn_msgs.emplace_back(msg); }

struct warn_capture {
	warn_capture()
	{
		g_warn_msgs.clear();
		fence::set_warn_hook(warn_hook_record);
	}
	~warn_capture() { fence::set_warn_hook(nullptr); }
	warn_capture(const warn_capture &) = delete;
	warn_capture &operator=(const warn_capture &) = delete;
	std::string all() const
	{
		std::string s;
		for (const auto &m : g_warn_msgs)
			s += m + "\n";
		return s;
	}
};

/* ---- fixture and environment ------------------------------------------------ */

class FenceTest : public testing::Test {
protected:
	void SetUp() override
	{
		rcu_barrier();
		slab_live_ = fence_slab_live();
	}
	void TearDown() override
	{
		dma_fence_set_trace_sink(nullptr, nullptr);
		fence::set_warn_hook(nullptr);
		fence_failslab_nth(0);
		EXPECT_FALSE(signal_pending(current)) << "a test left its task signal raised";
		fence_signal_clear(current);
		/* Every fence the test made must be gone after the grace period. */
		rcu_barrier();
		EXPECT_EQ(fence_rcu_pending(), 0);
		EXPECT_EQ(fence_slab_live(), slab_live_) << "fence memory leaked (missing dma_fence_put?)";
	}

private:
	long slab_live_ = 0;
};

class Env : public testing::Environment {
public:
	void SetUp() override { fence_rcu_set_auto_reclaim(false); }
	void TearDown() override { rcu_barrier(); }
};

inline testing::Environment *const g_env = testing::AddGlobalTestEnvironment(new Env);

} // namespace fft

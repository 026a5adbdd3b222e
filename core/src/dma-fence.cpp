// SPDX-License-Identifier: MIT
/*
 * DOC: dma-fence.cpp - the dma_fence core (drivers/dma-buf/dma-fence.c, Linux 7.1)
 *
 * A fence's ops table is RCU-protected. Every access to fence->ops
 * happens inside rcu_read_lock() through rcu_dereference(), except:
 *  - signal_timestamp_locked() and release, which read it with the fence
 *    lock held or as the last reference (rcu_dereference_protected());
 *  - ->wait, which is deprecated and called outside RCU after the pointer
 *    was read (a ->wait keeps the ops attached, so the module stays).
 * ->release is called *inside* the RCU read section.
 *
 * Detach on signal: when a fence signals and its ops have neither ->wait
 * nor ->release, fence->ops becomes NULL. From then on the names read
 * "detached-driver" / "signaled-timeline", set_deadline and
 * enable_signaling do nothing, and release falls back to kfree_rcu(). The
 * issuing module only has to wait a grace period after its last fence
 * signaled to unload.
 *
 * Locking: each fence has an inline spinlock (lock == NULL at init) or,
 * deprecated, an external one; dma_fence_spinlock() picks. Callbacks run
 * with the lock held, in registration order.
 *
 * Port notes: function bodies follow the kernel's order of operations; the
 * kernel's tracepoints call the trace sink (see fence/dma-fence.h); the
 * lockdep map "dma_fence_map" is a per-thread signalling-section record
 * (FENCE_LOCKDEP). dma_fence_wait_any_timeout() allocates its callback
 * array with kcalloc(), so failslab reaches its -ENOMEM path.
 */
#include "fence/dma-fence.h"

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "fence/slab.h"
#include "sync.h"

#ifdef FENCE_BENCH_PLAIN_OPS
#ifdef FENCE_DEBUG_CHECKS
#error "FENCE_BENCH_PLAIN_OPS is for bench/'s release build only"
#endif
/*
 * Benchmark-only (bench/, never a shipped build): the same code with no
 * read-side sections around ->ops, i.e. what the fast paths cost when ops
 * is a plain pointer. The accessors stay (acquire/relaxed loads, plain
 * moves on x86).
 */
#define rcu_read_lock() ((void)0)
#define rcu_read_unlock() ((void)0)
#endif

/* ---- trace events ---------------------------------------------------------- */

namespace {

struct trace_sink {
	dma_fence_trace_fn fn;
	void *data;
};
std::atomic<const trace_sink *> g_trace_sink{nullptr};
trace_sink g_trace_sink_storage[2];
unsigned g_trace_sink_idx;

/* Pairs with the release store in dma_fence_set_trace_sink(). */
inline const trace_sink *trace_sink_get() noexcept
{
	return g_trace_sink.load(std::memory_order_acquire);
}

[[gnu::noinline]] void trace_emit(const trace_sink *sink, enum dma_fence_trace_event ev,
				  struct dma_fence *fence) noexcept
{
	/* Names only through the safe getters, and only inside RCU. */
	rcu_read_lock();
	struct dma_fence_trace_record rec = {
		ev, fence, fence->context, fence->seqno,
		dma_fence_driver_name(fence), dma_fence_timeline_name(fence),
	};
	sink->fn(&rec, sink->data);
	rcu_read_unlock();
}

inline void trace_dma_fence(enum dma_fence_trace_event ev, struct dma_fence *fence) noexcept
{
	if (const trace_sink *sink = trace_sink_get(); unlikely(sink != nullptr))
		trace_emit(sink, ev, fence);
}

} // namespace

void dma_fence_set_trace_sink(dma_fence_trace_fn fn, void *data) noexcept
{
	if (!fn) {
		g_trace_sink.store(nullptr, std::memory_order_release);
		return;
	}
	trace_sink *s = &g_trace_sink_storage[g_trace_sink_idx++ & 1];
	s->fn = fn;
	s->data = data;
	g_trace_sink.store(s, std::memory_order_release);
}

const char *dma_fence_trace_event_name(enum dma_fence_trace_event ev) noexcept
{
	switch (ev) {
	case DMA_FENCE_TRACE_INIT: return "dma_fence_init";
	case DMA_FENCE_TRACE_ENABLE_SIGNAL: return "dma_fence_enable_signal";
	case DMA_FENCE_TRACE_SIGNALED: return "dma_fence_signaled";
	case DMA_FENCE_TRACE_WAIT_START: return "dma_fence_wait_start";
	case DMA_FENCE_TRACE_WAIT_END: return "dma_fence_wait_end";
	case DMA_FENCE_TRACE_DESTROY: return "dma_fence_destroy";
	}
	return "dma_fence_unknown";
}

/* ---- signalling annotations (lockdep's dma_fence_map) ----------------------- */

#ifdef FENCE_LOCKDEP
namespace {
struct signalling_section {
	int depth;
	const char *file;
	int line;
};
thread_local signalling_section t_signalling;
} // namespace
#endif

bool dma_fence_begin_signalling(const char *file, int line) noexcept
{
#ifdef FENCE_LOCKDEP
	/* explicitly nesting ... */
	if (t_signalling.depth > 0)
		return true;
	/* ignore driver calls from irq/atomic context */
	if (in_atomic())
		return true;
	t_signalling = {1, file, line};
	return false;
#else
	(void)file;
	(void)line;
	return true;
#endif
}

void dma_fence_end_signalling(bool cookie) noexcept
{
#ifdef FENCE_LOCKDEP
	if (cookie)
		return;
	BUG_ON(t_signalling.depth != 1);
	t_signalling.depth = 0;
#else
	(void)cookie;
#endif
}

void __dma_fence_might_wait(const char *file, int line) noexcept
{
#ifdef FENCE_LOCKDEP
	if (unlikely(t_signalling.depth > 0))
		WARN(true,
		     "possible circular locking dependency detected (dma_fence_map)\n"
		     "  waiting on a dma_fence at %s:%d\n"
		     "  inside a fence signalling section begun at %s:%d\n"
		     "  a fence that must signal cannot wait for another fence",
		     file, line, t_signalling.file, t_signalling.line);
#else
	(void)file;
	(void)line;
#endif
}

/* ---- stub fence, contexts --------------------------------------------------- */

namespace {

const char *dma_fence_stub_get_name(struct dma_fence *) { return "stub"; }

const struct dma_fence_ops dma_fence_stub_ops = {
	.get_driver_name = dma_fence_stub_get_name,
	.get_timeline_name = dma_fence_stub_get_name,
};

/* Starts at 1: context 0 is reserved for the stub fences. */
std::atomic<u64> dma_fence_context_counter{1};

struct dma_fence *stub_fence() noexcept
{
	/* The kernel initialises it at subsys_initcall; here on first use. */
	static struct dma_fence *stub = [] {
		static struct dma_fence f; /* static storage: zero-filled */
		dma_fence_init(&f, &dma_fence_stub_ops, nullptr, 0, 0);
		set_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &f.flags);
		dma_fence_signal(&f);
		return &f;
	}();
	return stub;
}

} // namespace

struct dma_fence *dma_fence_get_stub() noexcept
{
	return dma_fence_get(stub_fence());
}

struct dma_fence *dma_fence_allocate_private_stub(ktime_t timestamp) noexcept
{
	auto *fence = static_cast<struct dma_fence *>(kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
	if (!fence)
		return nullptr;
	dma_fence_init(fence, &dma_fence_stub_ops, nullptr, 0, 0);
	set_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &fence->flags);
	dma_fence_signal_timestamp(fence, timestamp);
	return fence;
}

u64 dma_fence_context_alloc(unsigned num) noexcept
{
	WARN_ON(!num);
	return dma_fence_context_counter.fetch_add(num, std::memory_order_relaxed);
}

/* ---- signaling ------------------------------------------------------------ */

void dma_fence_signal_timestamp_locked(struct dma_fence *fence, ktime_t timestamp) noexcept
{
	const struct dma_fence_ops *ops;
	struct dma_fence_cb *cur, *tmp;
	struct list_head cb_list;

	dma_fence_assert_held(fence);

	if (unlikely(test_and_set_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)))
		return;

	trace_dma_fence(DMA_FENCE_TRACE_SIGNALED, fence);

	/*
	 * Detach: without ->release and ->wait nothing in the core needs the
	 * ops again, so drop them and let the module go. Readers that loaded
	 * the pointer before this store finish inside their RCU section.
	 */
	ops = rcu_dereference_protected(fence->ops, true);
	if (ops && !ops->release && !ops->wait)
		RCU_INIT_POINTER(fence->ops, nullptr);

	/* Stash the cb_list before replacing it with the timestamp */
	list_replace(&fence->cb_list, &cb_list);

	fence->timestamp = timestamp;
	/* Pairs with the acquire test_bit() in dma_fence_timestamp(). */
	set_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &fence->flags);

	list_for_each_entry_safe(cur, tmp, &cb_list, node) {
		INIT_LIST_HEAD(&cur->node);
		FENCE_SCHED_POINT(FENCE_SP_CB_CALL, cur);
		cur->func(fence, cur);
	}
}

void dma_fence_signal_timestamp(struct dma_fence *fence, ktime_t timestamp) noexcept
{
	unsigned long flags;

	if (WARN_ON(!fence))
		return;

	dma_fence_lock_irqsave(fence, flags);
	dma_fence_signal_timestamp_locked(fence, timestamp);
	dma_fence_unlock_irqrestore(fence, flags);
}

void dma_fence_signal_locked(struct dma_fence *fence) noexcept
{
	dma_fence_signal_timestamp_locked(fence, ktime_get());
}

bool dma_fence_check_and_signal_locked(struct dma_fence *fence) noexcept
{
	bool ret;

	ret = dma_fence_test_signaled_flag(fence);
	dma_fence_signal_locked(fence);

	return ret;
}

bool dma_fence_check_and_signal(struct dma_fence *fence) noexcept
{
	unsigned long flags;
	bool ret;

	dma_fence_lock_irqsave(fence, flags);
	ret = dma_fence_check_and_signal_locked(fence);
	dma_fence_unlock_irqrestore(fence, flags);

	return ret;
}

void dma_fence_signal(struct dma_fence *fence) noexcept
{
	unsigned long flags;
	bool tmp;

	if (WARN_ON(!fence))
		return;

	tmp = dma_fence_begin_signalling();

	dma_fence_lock_irqsave(fence, flags);
	dma_fence_signal_timestamp_locked(fence, ktime_get());
	dma_fence_unlock_irqrestore(fence, flags);

	dma_fence_end_signalling(tmp);
}

/* ---- polling -------------------------------------------------------------- */

namespace {

/* Under RCU: does the attached ->signaled say the fence passed? */
bool ops_signaled(struct dma_fence *fence) noexcept
{
	const struct dma_fence_ops *ops;
	bool ret = false;

	rcu_read_lock();
	ops = rcu_dereference(fence->ops);
	if (ops && ops->signaled) {
		FENCE_SCHED_POINT(FENCE_SP_OPS_CALL, ops);
		ret = ops->signaled(fence);
	}
	rcu_read_unlock();
	return ret;
}

} // namespace

bool dma_fence_is_signaled_locked(struct dma_fence *fence) noexcept
{
	dma_fence_assert_held(fence);

	if (dma_fence_test_signaled_flag(fence))
		return true;

	if (ops_signaled(fence)) {
		dma_fence_signal_locked(fence);
		return true;
	}

	return false;
}

bool dma_fence_is_signaled(struct dma_fence *fence) noexcept
{
	if (dma_fence_test_signaled_flag(fence))
		return true;

	if (ops_signaled(fence)) {
		dma_fence_signal(fence);
		return true;
	}

	return false;
}

struct dma_fence *dma_fence_later(struct dma_fence *f1, struct dma_fence *f2) noexcept
{
	if (WARN_ON(f1->context != f2->context))
		return nullptr;

	/*
	 * Can't check just DMA_FENCE_FLAG_SIGNALED_BIT here, it may never
	 * have been set if enable_signaling wasn't called, and enabling that
	 * here is overkill.
	 */
	if (dma_fence_is_later(f1, f2))
		return dma_fence_is_signaled(f1) ? nullptr : f1;
	else
		return dma_fence_is_signaled(f2) ? nullptr : f2;
}

int dma_fence_get_status_locked(struct dma_fence *fence) noexcept
{
	if (dma_fence_is_signaled_locked(fence)) {
		int err = std::atomic_ref<int>(fence->error).load(std::memory_order_relaxed);
		return err ? err : 1;
	}
	return 0;
}

int dma_fence_get_status(struct dma_fence *fence) noexcept
{
	unsigned long flags;
	int status;

	dma_fence_lock_irqsave(fence, flags);
	status = dma_fence_get_status_locked(fence);
	dma_fence_unlock_irqrestore(fence, flags);

	return status;
}

void dma_fence_set_error(struct dma_fence *fence, int error) noexcept
{
	WARN_ON(test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags));
	WARN_ON(error >= 0 || error < -MAX_ERRNO);

	/* WRITE_ONCE: readers (get_status, callbacks) may run on other threads. */
	std::atomic_ref<int>(fence->error).store(error, std::memory_order_relaxed);
}

namespace {
[[maybe_unused]] bool timestamp_is_set(const void *fence) noexcept
{
	return test_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT,
			&static_cast<struct dma_fence *>(const_cast<void *>(fence))->flags);
}
} // namespace

ktime_t dma_fence_timestamp(struct dma_fence *fence) noexcept
{
	if (WARN_ON(!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)))
		return ktime_get();

	/* Pairs with the release set_bit() in dma_fence_signal_timestamp_locked(). */
	while (!test_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &fence->flags)) {
		/* dsched: the signaller is descheduled between the two bits; run it. */
		if (fence_dsched_active())
			fence_dsched_wait(FENCE_SP_ATOMIC, &fence->flags, timestamp_is_set, fence, -1,
					  "the signal timestamp (TIMESTAMP_BIT)");
		cpu_relax();
	}

	return fence->timestamp;
}

/* ---- release -------------------------------------------------------------- */

void dma_fence_release(struct kref *kref) noexcept
{
	struct dma_fence *fence = container_of(kref, struct dma_fence, refcount);
	const struct dma_fence_ops *ops;

	rcu_read_lock();
	trace_dma_fence(DMA_FENCE_TRACE_DESTROY, fence);

	if (!list_empty(&fence->cb_list) &&
	    !test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) {
		const char __attribute__((unused)) *driver_name = dma_fence_driver_name(fence);
		const char *timeline_name = dma_fence_timeline_name(fence);
		unsigned long flags;

		WARN(1, "Fence %s:%s:%" PRIx64 ":%" PRIx64 " released with pending signals!\n",
		     driver_name, timeline_name, fence->context, fence->seqno);

		/*
		 * Failed to signal before release, likely a refcounting issue.
		 *
		 * This should never happen, but if it does make sure that we
		 * don't leave chains dangling. We set the error flag first
		 * so that the callbacks know this signal is due to an error.
		 */
		dma_fence_lock_irqsave(fence, flags);
		std::atomic_ref<int>(fence->error).store(-EDEADLK, std::memory_order_relaxed);
		dma_fence_signal_locked(fence);
		dma_fence_unlock_irqrestore(fence, flags);
	}

	/* Last reference: nobody else can store to fence->ops any more. */
	ops = rcu_dereference(fence->ops);
	if (ops && ops->release) {
		FENCE_SCHED_POINT(FENCE_SP_OPS_CALL, ops);
		ops->release(fence);
	} else {
		dma_fence_free(fence);
	}
	rcu_read_unlock();
}

void dma_fence_free(struct dma_fence *fence) noexcept
{
	kfree_rcu(fence, rcu);
}

/* ---- enable signaling, callbacks ---------------------------------------- */

namespace {

/* Lock held. Return: true if the fence is (now) signaled. */
bool __dma_fence_enable_signaling(struct dma_fence *fence) noexcept
{
	const struct dma_fence_ops *ops;
	bool was_set;

	dma_fence_assert_held(fence);

	was_set = test_and_set_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &fence->flags);

	if (dma_fence_test_signaled_flag(fence))
		return false;

	rcu_read_lock();
	ops = rcu_dereference(fence->ops);
	if (!was_set && ops && ops->enable_signaling) {
		trace_dma_fence(DMA_FENCE_TRACE_ENABLE_SIGNAL, fence);

		FENCE_SCHED_POINT(FENCE_SP_OPS_CALL, ops);
		if (!ops->enable_signaling(fence)) {
			rcu_read_unlock();
			dma_fence_signal_locked(fence);
			return false;
		}
	}
	rcu_read_unlock();

	return true;
}

} // namespace

void dma_fence_enable_sw_signaling(struct dma_fence *fence) noexcept
{
	unsigned long flags;

	dma_fence_lock_irqsave(fence, flags);
	__dma_fence_enable_signaling(fence);
	dma_fence_unlock_irqrestore(fence, flags);
}

int dma_fence_add_callback(struct dma_fence *fence, struct dma_fence_cb *cb,
			   dma_fence_func_t func) noexcept
{
	unsigned long flags;
	int ret = 0;

	if (WARN_ON(!fence || !func))
		return -EINVAL;

	if (dma_fence_test_signaled_flag(fence)) {
		INIT_LIST_HEAD(&cb->node);
		return -ENOENT;
	}

	dma_fence_lock_irqsave(fence, flags);

	if (__dma_fence_enable_signaling(fence)) {
		cb->func = func;
		list_add_tail(&cb->node, &fence->cb_list);
	} else {
		INIT_LIST_HEAD(&cb->node);
		ret = -ENOENT;
	}

	dma_fence_unlock_irqrestore(fence, flags);

	return ret;
}

bool dma_fence_remove_callback(struct dma_fence *fence, struct dma_fence_cb *cb) noexcept
{
	unsigned long flags;
	bool ret;

	dma_fence_lock_irqsave(fence, flags);

	ret = !list_empty(&cb->node);
	if (ret)
		list_del_init(&cb->node);

	dma_fence_unlock_irqrestore(fence, flags);

	return ret;
}

/* ---- waiting --------------------------------------------------------------- */

namespace {

struct default_wait_cb {
	struct dma_fence_cb base;
	struct task_struct *task;
};

void dma_fence_default_wait_cb(struct dma_fence *, struct dma_fence_cb *cb) noexcept
{
	struct default_wait_cb *wait = container_of(cb, struct default_wait_cb, base);

	wake_up_state(wait->task, TASK_NORMAL);
}

} // namespace

signed long dma_fence_default_wait(struct dma_fence *fence, bool intr, signed long timeout) noexcept
{
	struct default_wait_cb cb;
	unsigned long flags;
	signed long ret = timeout ? timeout : 1;

	dma_fence_lock_irqsave(fence, flags);

	if (dma_fence_test_signaled_flag(fence))
		goto out;

	if (intr && signal_pending(current)) {
		ret = -ERESTARTSYS;
		goto out;
	}

	if (!timeout) {
		ret = 0;
		goto out;
	}

	cb.base.func = dma_fence_default_wait_cb;
	cb.task = current;
	list_add(&cb.base.node, &fence->cb_list);

	while (!dma_fence_test_signaled_flag(fence) && ret > 0) {
		if (intr)
			set_current_state(TASK_INTERRUPTIBLE);
		else
			set_current_state(TASK_UNINTERRUPTIBLE);
		dma_fence_unlock_irqrestore(fence, flags);

		ret = schedule_timeout(ret);

		dma_fence_lock_irqsave(fence, flags);
		if (ret > 0 && intr && signal_pending(current))
			ret = -ERESTARTSYS;
	}

	if (!list_empty(&cb.base.node))
		list_del(&cb.base.node);
	__set_current_state(TASK_RUNNING);

out:
	dma_fence_unlock_irqrestore(fence, flags);
	return ret;
}

signed long dma_fence_wait_timeout(struct dma_fence *fence, bool intr, signed long timeout) noexcept
{
	const struct dma_fence_ops *ops;
	signed long ret;

	if (WARN_ON(timeout < 0))
		return -EINVAL;

	might_sleep();

	__dma_fence_might_wait();

	dma_fence_enable_sw_signaling(fence);

	trace_dma_fence(DMA_FENCE_TRACE_WAIT_START, fence);

	rcu_read_lock();
	ops = rcu_dereference(fence->ops);
	if (ops && ops->wait) {
		/*
		 * Implementing the wait ops is deprecated and not supported for
		 * issuers of fences who need to unload independently of the
		 * fence; a ->wait keeps the ops attached, so the pointer stays
		 * valid outside the RCU section.
		 */
		rcu_read_unlock();
		FENCE_SCHED_POINT(FENCE_SP_OPS_CALL, ops);
		ret = ops->wait(fence, intr, timeout);
	} else {
		rcu_read_unlock();
		ret = dma_fence_default_wait(fence, intr, timeout);
	}

	trace_dma_fence(DMA_FENCE_TRACE_WAIT_END, fence);

	return ret;
}

namespace {

bool dma_fence_test_signaled_any(struct dma_fence **fences, u32 count, u32 *idx) noexcept
{
	for (u32 i = 0; i < count; ++i) {
		struct dma_fence *fence = fences[i];

		if (dma_fence_test_signaled_flag(fence)) {
			if (idx)
				*idx = i;
			return true;
		}
	}
	return false;
}

} // namespace

signed long dma_fence_wait_any_timeout(struct dma_fence **fences, u32 count, bool intr,
				       signed long timeout, u32 *idx) noexcept
{
	struct default_wait_cb *cb;
	signed long ret = timeout;
	unsigned i;

	if (WARN_ON(!fences || !count || timeout < 0))
		return -EINVAL;

	if (timeout == 0) {
		for (i = 0; i < count; ++i)
			if (dma_fence_is_signaled(fences[i])) {
				if (idx)
					*idx = i;
				return 1;
			}

		return 0;
	}

	cb = static_cast<struct default_wait_cb *>(kcalloc(count, sizeof(*cb), GFP_KERNEL));
	if (cb == nullptr) {
		ret = -ENOMEM;
		goto err_free_cb;
	}

	for (i = 0; i < count; ++i) {
		struct dma_fence *fence = fences[i];

		cb[i].task = current;
		if (dma_fence_add_callback(fence, &cb[i].base, dma_fence_default_wait_cb)) {
			/* This fence is already signaled */
			if (idx)
				*idx = i;
			goto fence_rm_cb;
		}
	}

	while (ret > 0) {
		if (intr)
			set_current_state(TASK_INTERRUPTIBLE);
		else
			set_current_state(TASK_UNINTERRUPTIBLE);

		if (dma_fence_test_signaled_any(fences, count, idx))
			break;

		ret = schedule_timeout(ret);

		if (ret > 0 && intr && signal_pending(current))
			ret = -ERESTARTSYS;
	}

	__set_current_state(TASK_RUNNING);

fence_rm_cb:
	while (i-- > 0)
		dma_fence_remove_callback(fences[i], &cb[i].base);

err_free_cb:
	kfree(cb);

	return ret;
}

void dma_fence_set_deadline(struct dma_fence *fence, ktime_t deadline) noexcept
{
	const struct dma_fence_ops *ops;

	rcu_read_lock();
	ops = rcu_dereference(fence->ops);
	if (ops && ops->set_deadline && !dma_fence_is_signaled(fence)) {
		FENCE_SCHED_POINT(FENCE_SP_OPS_CALL, ops);
		ops->set_deadline(fence, deadline);
	}
	rcu_read_unlock();
}

/* ---- names, describe ------------------------------------------------------- */

const char *dma_fence_driver_name(struct dma_fence *fence) noexcept
{
	const struct dma_fence_ops *ops;

	FENCE_ASSERT_DEBUG(rcu_read_lock_held());

	ops = rcu_dereference(fence->ops);
	if (!dma_fence_test_signaled_flag(fence) && ops) {
		FENCE_SCHED_POINT(FENCE_SP_OPS_CALL, ops);
		return ops->get_driver_name(fence);
	}
	return "detached-driver";
}

const char *dma_fence_timeline_name(struct dma_fence *fence) noexcept
{
	const struct dma_fence_ops *ops;

	FENCE_ASSERT_DEBUG(rcu_read_lock_held());

	ops = rcu_dereference(fence->ops);
	if (!dma_fence_test_signaled_flag(fence) && ops) {
		FENCE_SCHED_POINT(FENCE_SP_OPS_CALL, ops);
		return ops->get_timeline_name(fence);
	}
	return "signaled-timeline";
}

void dma_fence_describe(struct dma_fence *fence, std::ostream &out)
{
	char buf[64];

	rcu_read_lock();
	if (!dma_fence_is_signaled(fence)) {
		const char *timeline = dma_fence_timeline_name(fence);
		const char *driver = dma_fence_driver_name(fence);

		snprintf(buf, sizeof(buf), "%" PRIu64 ":%" PRIu64 " ", fence->context, fence->seqno);
		out << buf << timeline << ' ' << driver << " unsignalled\n";
	} else {
		snprintf(buf, sizeof(buf), "%" PRIu64 ":%" PRIu64 " ", fence->context, fence->seqno);
		out << buf << "  signalled\n";
	}
	rcu_read_unlock();
}

std::string dma_fence_describe(struct dma_fence *fence)
{
	std::ostringstream s;
	dma_fence_describe(fence, s);
	return s.str();
}

/* ---- init ------------------------------------------------------------------- */

namespace {

void __dma_fence_init(struct dma_fence *fence, const struct dma_fence_ops *ops, spinlock_t *lock,
		      u64 context, u64 seqno, unsigned long flags) noexcept
{
	BUG_ON(!ops || !ops->get_driver_name || !ops->get_timeline_name);

	kref_init(&fence->refcount);
	/*
	 * At first glance it is counter intuitive to protect a constant
	 * function pointer table by RCU, but this allows modules providing
	 * the function table to unload by waiting for an RCU grace period.
	 */
	RCU_INIT_POINTER(fence->ops, ops);
	INIT_LIST_HEAD(&fence->cb_list);
	fence->context = context;
	fence->seqno = seqno;
	flags |= 1UL << DMA_FENCE_FLAG_INITIALIZED_BIT;
	if (lock) {
		fence->extern_lock = lock;
	} else {
		spin_lock_init(&fence->inline_lock);
		flags |= 1UL << DMA_FENCE_FLAG_INLINE_LOCK_BIT;
	}
	/* Overwrites: a recycled (typesafe-by-RCU) fence starts clean. */
	std::atomic_ref<unsigned long>(fence->flags).store(flags, std::memory_order_release);
	std::atomic_ref<int>(fence->error).store(0, std::memory_order_relaxed);

	trace_dma_fence(DMA_FENCE_TRACE_INIT, fence);
}

} // namespace

void dma_fence_init(struct dma_fence *fence, const struct dma_fence_ops *ops, spinlock_t *lock,
		    u64 context, u64 seqno) noexcept
{
	__dma_fence_init(fence, ops, lock, context, seqno, 0UL);
}

void dma_fence_init64(struct dma_fence *fence, const struct dma_fence_ops *ops, spinlock_t *lock,
		      u64 context, u64 seqno) noexcept
{
	__dma_fence_init(fence, ops, lock, context, seqno, 1UL << DMA_FENCE_FLAG_SEQNO64_BIT);
}

struct dma_fence *dma_fence_get_rcu_safe(const fence::rcu_ptr<struct dma_fence> *fencep) noexcept
{
	do {
		struct dma_fence *fence;

		fence = rcu_dereference(*fencep);
		if (!fence)
			return nullptr;

		if (!dma_fence_get_rcu(fence))
			continue;

		/*
		 * The atomic_inc_not_zero() inside dma_fence_get_rcu() provides
		 * a full memory barrier upon success (such as now). This is
		 * paired with the write barrier from assigning to the __rcu
		 * protected fence pointer so that if that rcu_access_pointer()
		 * hasn't changed, the fence is still the one in the slot.
		 */
		if (fence == rcu_dereference(*fencep))
			return rcu_pointer_handoff(fence);

		dma_fence_put(fence);
	} while (1);
}

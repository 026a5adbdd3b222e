/* SPDX-License-Identifier: MIT */
/*
 * fence/dma-fence.h - the dma_fence core, Linux 7.1 semantics.
 *
 * A port of include/linux/dma-fence.h after the 2026 series "Independence
 * for dma_fences!": the ops table is RCU-protected (fence::rcu_ptr), it is
 * dropped ("detached") when the fence signals unless the ops implement
 * ->wait or ->release, and a fence may use its own inline lock (lock ==
 * NULL at init). Names, argument order, flag bits and return codes are the
 * kernel's, so kernel patches port line by line; see README.md "Porting a
 * kernel patch". C++ helpers are in fence/fence.h.
 */
#pragma once

#include <iosfwd>
#include <string>

#include "fence/bug.h"
#include "fence/kref.h"
#include "fence/list.h"
#include "fence/rcu.h"
#include "fence/sched.h"
#include "fence/spinlock.h"
#include "fence/types.h"

struct dma_fence;
struct dma_fence_ops;
struct dma_fence_cb;

typedef void (*dma_fence_func_t)(struct dma_fence *fence, struct dma_fence_cb *cb);

/**
 * struct dma_fence_cb - callback for dma_fence_add_callback()
 * @node: used by dma_fence_add_callback() to append this struct to fence::cb_list
 * @func: dma_fence_func_t to call
 */
struct dma_fence_cb {
	struct list_head node;
	dma_fence_func_t func;
};

/**
 * struct dma_fence - software synchronization primitive
 * @extern_lock: external spinlock (deprecated), when INLINE_LOCK is clear
 * @inline_lock: the fence's own lock, when DMA_FENCE_FLAG_INLINE_LOCK_BIT
 * @ops: dma_fence_ops, RCU-protected; NULL once detached at signal
 * @cb_list: pending callbacks, valid only while unsignaled
 * @timestamp: time of signal, valid once DMA_FENCE_FLAG_TIMESTAMP_BIT is set
 * @rcu: used for kfree_rcu() at release
 * @context: execution context this fence belongs to
 * @seqno: sequence number within @context
 * @flags: DMA_FENCE_FLAG_* bits, atomic bit operations only
 * @refcount: reference count
 * @error: error status, 0 or negative; set before signaling
 */
struct dma_fence {
	union {
		spinlock_t *extern_lock;
		spinlock_t inline_lock;
	};
	fence::rcu_ptr<const struct dma_fence_ops> ops;
	union {
		struct list_head cb_list;
		ktime_t timestamp;
		struct rcu_head rcu;
	};
	u64 context;
	u64 seqno;
	unsigned long flags;
	struct kref refcount;
	int error;
};

enum dma_fence_flag_bits {
	DMA_FENCE_FLAG_INITIALIZED_BIT,
	DMA_FENCE_FLAG_INLINE_LOCK_BIT,
	DMA_FENCE_FLAG_SEQNO64_BIT,
	DMA_FENCE_FLAG_SIGNALED_BIT,
	DMA_FENCE_FLAG_TIMESTAMP_BIT,
	DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT,
	DMA_FENCE_FLAG_USER_BITS, /* must always be last member */
};

/**
 * struct dma_fence_ops - operations implemented for a fence
 * @get_driver_name: mandatory; the string must stay valid for an RCU grace
 *	period after the fence signals
 * @get_timeline_name: mandatory; same lifetime rule
 * @enable_signaling: optional; called with the fence lock held. Return false
 *	if the fence already passed (the core then signals it). May set error
 *	only when returning false.
 * @signaled: optional fast-path peek; once true must stay true. May set
 *	error when returning true. Called under RCU, maybe under the lock.
 * @wait: optional, deprecated custom wait. Implementing it keeps the ops
 *	attached after signal (the module must stay loaded).
 * @release: optional; frees the fence RCU-safely. Implementing it keeps the
 *	ops attached after signal. Called inside an RCU read-side section.
 * @set_deadline: optional hint; called without the lock, any number of times.
 */
struct dma_fence_ops {
	const char *(*get_driver_name)(struct dma_fence *fence);
	const char *(*get_timeline_name)(struct dma_fence *fence);
	bool (*enable_signaling)(struct dma_fence *fence);
	bool (*signaled)(struct dma_fence *fence);
	signed long (*wait)(struct dma_fence *fence, bool intr, signed long timeout);
	void (*release)(struct dma_fence *fence);
	void (*set_deadline)(struct dma_fence *fence, ktime_t deadline);
};

/*
 * Atomic bit operations on fence->flags (the kernel's set_bit() family).
 *
 * Scheduling points: the read-modify-writes have one before and one after
 * the store. The one before lets other threads run before the bit changes;
 * the one after lets them run between the new bit and the caller's next
 * access, which is often a plain store the bit is meant to publish or to
 * follow (a reader that sees the bit then reads that field: the TIMESTAMP
 * bit and fence->timestamp, SIGNALED and the detach of fence->ops). Without
 * it the deterministic scheduler could never stop a thread between the two.
 * test_bit() has none: a load is ordered only against the caller's previous
 * access, which already ends at a point (the op boundary, a lock, an RCU
 * read lock), and fence_dsched_wait() predicates (timestamp_is_set()) call
 * it, which must never reach a point. In release builds all of them are
 * nothing (fence/detail/sched-hooks.h).
 */
static inline bool test_bit(int nr, const unsigned long *addr) noexcept
{
	/* Acquire: a set bit makes visible what was written before it was set. */
	return (std::atomic_ref<unsigned long>(*const_cast<unsigned long *>(addr))
			.load(std::memory_order_acquire) >> nr) & 1UL;
}
static inline void set_bit(int nr, unsigned long *addr) noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_ATOMIC, addr);
	std::atomic_ref<unsigned long>(*addr).fetch_or(1UL << nr, std::memory_order_release);
	FENCE_SCHED_POINT(FENCE_SP_ATOMIC, addr);
}
static inline void clear_bit(int nr, unsigned long *addr) noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_ATOMIC, addr);
	std::atomic_ref<unsigned long>(*addr).fetch_and(~(1UL << nr), std::memory_order_release);
	FENCE_SCHED_POINT(FENCE_SP_ATOMIC, addr);
}
static inline bool test_and_set_bit(int nr, unsigned long *addr) noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_ATOMIC, addr);
	const bool was = (std::atomic_ref<unsigned long>(*addr).fetch_or(
				  1UL << nr, std::memory_order_acq_rel) >> nr) & 1UL;
	FENCE_SCHED_POINT(FENCE_SP_ATOMIC, addr);
	return was;
}

/**
 * dma_fence_init - initialize a custom fence
 * @fence: the fence to initialize
 * @ops: the dma_fence_ops; get_driver_name and get_timeline_name are mandatory
 * @lock: external spinlock (deprecated), or NULL to use the fence's inline lock
 * @context: the execution context this fence runs on
 * @seqno: a linear increasing sequence number for this context
 *
 * Overwrites flags with INITIALIZED (plus INLINE_LOCK when @lock is NULL),
 * sets the refcount to 1 and error to 0, emits the init trace event.
 *
 * Context: Any context.
 * Return: nothing; BUG()s on missing ops or mandatory callbacks.
 */
void dma_fence_init(struct dma_fence *fence, const struct dma_fence_ops *ops, spinlock_t *lock,
		    u64 context, u64 seqno) noexcept;

/**
 * dma_fence_init64 - initialize a custom fence with 64-bit seqno support
 *
 * As dma_fence_init(), and sets DMA_FENCE_FLAG_SEQNO64_BIT, which makes
 * __dma_fence_is_later() compare all 64 bits without wrap-around.
 *
 * Context: Any context.
 * Return: nothing.
 */
void dma_fence_init64(struct dma_fence *fence, const struct dma_fence_ops *ops, spinlock_t *lock,
		      u64 context, u64 seqno) noexcept;

/**
 * dma_fence_was_initialized - test whether a (zero-filled) fence was initialized
 * @fence: the fence, or NULL
 *
 * Context: Any context.
 * Return: true if @fence is non-NULL and DMA_FENCE_FLAG_INITIALIZED_BIT is set.
 */
static inline bool dma_fence_was_initialized(struct dma_fence *fence) noexcept
{
	return fence && test_bit(DMA_FENCE_FLAG_INITIALIZED_BIT, &fence->flags);
}

/**
 * dma_fence_context_alloc - allocate an array of fence contexts
 * @num: number of contexts to allocate (WARNs on 0)
 *
 * Context: Any context, lock-free.
 * Return: the first of @num consecutive context numbers. The counter starts
 * at 1: context 0 belongs to the stub fences.
 */
u64 dma_fence_context_alloc(unsigned num) noexcept;

/**
 * dma_fence_release - default release function for fences
 * @kref: dma_fence.refcount
 *
 * Called by dma_fence_put() on the last reference; never call it directly.
 * WARNs and signals with -EDEADLK if callbacks are still pending on an
 * unsignaled fence, then calls ->release (inside RCU) or dma_fence_free().
 *
 * Context: Whatever context dropped the last reference.
 * Return: nothing.
 */
void dma_fence_release(struct kref *kref) noexcept;

/**
 * dma_fence_free - default ->release: kfree_rcu() the fence
 * @fence: fence to free; must be the start of a kmalloc'd object
 *
 * Context: Any context.
 * Return: nothing.
 */
void dma_fence_free(struct dma_fence *fence) noexcept;

/**
 * dma_fence_put - decrease the refcount of the fence
 * @fence: fence to reduce the refcount of, or NULL
 *
 * Context: Any context; the release may run here.
 * Return: nothing.
 */
static inline void dma_fence_put(struct dma_fence *fence) noexcept
{
	if (fence)
		kref_put(&fence->refcount, dma_fence_release);
}

/**
 * dma_fence_get - increase the refcount of the fence
 * @fence: fence to increase the refcount of, or NULL
 *
 * Context: Any context; the caller must already hold a reference.
 * Return: @fence.
 */
static inline struct dma_fence *dma_fence_get(struct dma_fence *fence) noexcept
{
	if (fence)
		kref_get(&fence->refcount);
	return fence;
}

/**
 * dma_fence_get_rcu - get a fence from an RCU-protected pointer
 * @fence: fence whose memory is RCU-valid
 *
 * Context: Inside rcu_read_lock().
 * Return: @fence with a new reference, or NULL if its refcount already
 * reached zero.
 */
static inline struct dma_fence *dma_fence_get_rcu(struct dma_fence *fence) noexcept
{
	if (kref_get_unless_zero(&fence->refcount))
		return fence;
	return nullptr;
}

/**
 * dma_fence_get_rcu_safe - acquire a reference to an RCU-tracked fence
 * @fencep: the slot holding the fence
 *
 * Retries until it holds a reference to the fence that is still in the slot,
 * which makes it safe against SLAB_TYPESAFE_BY_RCU recycling.
 *
 * Context: Inside rcu_read_lock().
 * Return: the fence with a new reference, or NULL if the slot is empty.
 */
struct dma_fence *dma_fence_get_rcu_safe(const fence::rcu_ptr<struct dma_fence> *fencep) noexcept;

/**
 * dma_fence_signal_timestamp_locked - signal with a given timestamp, lock held
 * @fence: the fence to signal
 * @timestamp: fence signal timestamp in the kernel's CLOCK_MONOTONIC domain
 *
 * A silent no-op if already signaled. Otherwise sets SIGNALED, detaches the
 * ops (unless they implement ->release or ->wait), records @timestamp and the
 * TIMESTAMP bit, then runs every callback in registration order with the
 * lock held.
 *
 * Context: Fence lock held (checked).
 * Return: nothing.
 */
void dma_fence_signal_timestamp_locked(struct dma_fence *fence, ktime_t timestamp) noexcept;

/**
 * dma_fence_signal_timestamp - signal a fence with a given timestamp
 * @fence: the fence to signal (WARNs on NULL)
 * @timestamp: the timestamp to record
 *
 * Context: Any context. Takes the fence lock. No signalling annotation.
 * Return: nothing.
 */
void dma_fence_signal_timestamp(struct dma_fence *fence, ktime_t timestamp) noexcept;

/**
 * dma_fence_signal_locked - signal completion of a fence, lock held
 * @fence: the fence to signal
 *
 * Context: Fence lock held (checked).
 * Return: nothing.
 */
void dma_fence_signal_locked(struct dma_fence *fence) noexcept;

/**
 * dma_fence_signal - signal completion of a fence
 * @fence: the fence to signal (WARNs on NULL)
 *
 * Wrapped in dma_fence_begin_signalling()/end_signalling(). Repeated calls
 * are harmless.
 *
 * Context: Any context. Takes the fence lock.
 * Return: nothing.
 */
void dma_fence_signal(struct dma_fence *fence) noexcept;

/**
 * dma_fence_check_and_signal_locked - signal if not yet signaled, lock held
 * @fence: the fence
 *
 * Context: Fence lock held (checked).
 * Return: true if the fence was already signaled, false if this call signaled it.
 */
bool dma_fence_check_and_signal_locked(struct dma_fence *fence) noexcept;

/**
 * dma_fence_check_and_signal - signal if not yet signaled
 * @fence: the fence
 *
 * Context: Any context. Takes the fence lock.
 * Return: true if the fence was already signaled, false if this call signaled it.
 */
bool dma_fence_check_and_signal(struct dma_fence *fence) noexcept;

/**
 * dma_fence_test_signaled_flag - test the SIGNALED bit only
 * @fence: the fence
 *
 * Context: Any context; no ops call, no side effects.
 * Return: true if the fence is signaled.
 */
static inline bool dma_fence_test_signaled_flag(struct dma_fence *fence) noexcept
{
	return test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags);
}

/**
 * dma_fence_is_signaled_locked - return an indication if the fence is signaled
 * @fence: the fence to check
 *
 * Polls ->signaled (under RCU) and signals the fence if it says so.
 *
 * Context: Fence lock held (checked).
 * Return: true if signaled.
 */
bool dma_fence_is_signaled_locked(struct dma_fence *fence) noexcept;

/**
 * dma_fence_is_signaled - return an indication if the fence is signaled
 * @fence: the fence to check
 *
 * Polls ->signaled (under RCU) and calls dma_fence_signal() if it says so.
 * Does not enable signaling.
 *
 * Context: Any context, but must NOT hold the fence lock (it may take it).
 * Return: true if signaled.
 */
bool dma_fence_is_signaled(struct dma_fence *fence) noexcept;

/**
 * __dma_fence_is_later - return if f1 is chronologically later than f2
 * @fence: fence whose SEQNO64 flag selects the comparison
 * @f1: first sequence number
 * @f2: second sequence number
 *
 * Context: Any context.
 * Return: with SEQNO64, f1 > f2; otherwise the 32-bit wrap-around compare.
 */
static inline bool __dma_fence_is_later(struct dma_fence *fence, u64 f1, u64 f2) noexcept
{
	if (test_bit(DMA_FENCE_FLAG_SEQNO64_BIT, &fence->flags))
		return f1 > f2;
	return static_cast<s32>(lower_32_bits(f1) - lower_32_bits(f2)) > 0;
}

/**
 * dma_fence_is_later - return if f1 is chronologically later than f2
 * @f1: the first fence
 * @f2: the second fence, from the same context (WARNs otherwise)
 *
 * Context: Any context.
 * Return: true if @f1 is later; false on context mismatch.
 */
static inline bool dma_fence_is_later(struct dma_fence *f1, struct dma_fence *f2) noexcept
{
	if (WARN_ON(f1->context != f2->context))
		return false;
	return __dma_fence_is_later(f1, f1->seqno, f2->seqno);
}

/**
 * dma_fence_is_later_or_same - return true if f1 is later or the same as f2
 * @f1: the first fence
 * @f2: the second fence from the same context
 *
 * Context: Any context.
 * Return: true if @f1 == @f2 or @f1 is later.
 */
static inline bool dma_fence_is_later_or_same(struct dma_fence *f1, struct dma_fence *f2) noexcept
{
	return f1 == f2 || dma_fence_is_later(f1, f2);
}

/**
 * dma_fence_later - return the chronologically later fence
 * @f1: the first fence
 * @f2: the second fence from the same context (WARNs otherwise)
 *
 * Context: Any context; may poll ->signaled and signal (not under the lock).
 * Return: the later fence if it is unsignaled, else NULL (also on mismatch).
 */
struct dma_fence *dma_fence_later(struct dma_fence *f1, struct dma_fence *f2) noexcept;

/**
 * dma_fence_enable_sw_signaling - enable signaling on fence
 * @fence: the fence to enable
 *
 * Calls ->enable_signaling at most once per fence; if it returns false the
 * fence is signaled.
 *
 * Context: Any context. Takes the fence lock.
 * Return: nothing.
 */
void dma_fence_enable_sw_signaling(struct dma_fence *fence) noexcept;

/**
 * dma_fence_add_callback - add a callback to be called when the fence is signaled
 * @fence: the fence to wait on
 * @cb: the callback to register; initialized here
 * @func: the function to call
 *
 * Enables signaling. Callbacks run in registration order, with the fence
 * lock held, from the signalling thread.
 *
 * Context: Any context. Takes the fence lock.
 * Return: 0 on success, -ENOENT if the fence is already signaled (@func is
 * not called), -EINVAL (and a WARN) if @fence or @func is NULL.
 */
int dma_fence_add_callback(struct dma_fence *fence, struct dma_fence_cb *cb,
			   dma_fence_func_t func) noexcept;

/**
 * dma_fence_remove_callback - remove a callback from the signaling list
 * @fence: the fence to wait on
 * @cb: the callback to remove
 *
 * Context: Any context. Takes the fence lock.
 * Return: true if the callback was removed before it ran, false if it had
 * already run or was never added successfully.
 */
bool dma_fence_remove_callback(struct dma_fence *fence, struct dma_fence_cb *cb) noexcept;

/**
 * dma_fence_get_status_locked - returns the status upon completion
 * @fence: the dma_fence to query
 *
 * Context: Fence lock held (checked); may poll ->signaled and signal.
 * Return: 0 if unsignaled, 1 if signaled without error, the negative error
 * if signaled with one.
 */
int dma_fence_get_status_locked(struct dma_fence *fence) noexcept;

/**
 * dma_fence_get_status - returns the status upon completion
 * @fence: the dma_fence to query
 *
 * Context: Any context. Takes the fence lock.
 * Return: as dma_fence_get_status_locked().
 */
int dma_fence_get_status(struct dma_fence *fence) noexcept;

/**
 * dma_fence_set_error - flag an error condition on the fence
 * @fence: the dma_fence
 * @error: the error to store, in [-MAX_ERRNO, -1]
 *
 * WARNs if the fence is already signaled or @error is out of range, and
 * stores it anyway, as the kernel does.
 *
 * Context: Any context, before signaling; typically under the fence lock.
 * Return: nothing.
 */
void dma_fence_set_error(struct dma_fence *fence, int error) noexcept;

/**
 * dma_fence_timestamp - helper to get the completion timestamp of a fence
 * @fence: fence to get the timestamp from
 *
 * Context: Any context. Spins until TIMESTAMP is set once SIGNALED is.
 * Return: the signal timestamp, or (with a WARN) ktime_get() if unsignaled.
 */
ktime_t dma_fence_timestamp(struct dma_fence *fence) noexcept;

/**
 * dma_fence_default_wait - default sleep until the fence gets signaled
 * @fence: the fence to wait on
 * @intr: if true, do an interruptible wait
 * @timeout: timeout value in jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Does not enable signaling; dma_fence_wait_timeout() does that first.
 *
 * Context: Process context, may sleep. Takes the fence lock.
 * Return: -ERESTARTSYS if interrupted, 0 if the wait timed out, else the
 * remaining timeout in jiffies (1 for a signaled fence with @timeout 0).
 */
signed long dma_fence_default_wait(struct dma_fence *fence, bool intr, signed long timeout) noexcept;

/**
 * dma_fence_wait_timeout - sleep until the fence gets signaled or the timeout elapses
 * @fence: the fence to wait on
 * @intr: if true, do an interruptible wait
 * @timeout: timeout value in jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Annotated with __dma_fence_might_wait(); enables signaling; calls the
 * deprecated ->wait (outside RCU) if present, else dma_fence_default_wait().
 *
 * Context: Process context, may sleep.
 * Return: -EINVAL (and a WARN) if @timeout < 0, -ERESTARTSYS if
 * interrupted, 0 on timeout, else the remaining jiffies (>= 1).
 */
signed long dma_fence_wait_timeout(struct dma_fence *fence, bool intr, signed long timeout) noexcept;

/**
 * dma_fence_wait - sleep until the fence gets signaled
 * @fence: the fence to wait on
 * @intr: if true, do an interruptible wait
 *
 * Context: Process context, may sleep.
 * Return: 0 on success, -ERESTARTSYS if interrupted, or another negative
 * error from a custom ->wait.
 */
static inline signed long dma_fence_wait(struct dma_fence *fence, bool intr) noexcept
{
	signed long ret = dma_fence_wait_timeout(fence, intr, MAX_SCHEDULE_TIMEOUT);
	return ret < 0 ? ret : 0;
}

/**
 * dma_fence_wait_any_timeout - sleep until any fence gets signaled or until timeout elapses
 * @fences: array of fences to wait on
 * @count: number of fences (WARNs on 0)
 * @intr: if true, do an interruptible wait
 * @timeout: timeout value in jiffies, or MAX_SCHEDULE_TIMEOUT
 * @idx: used to store the first signaled fence index, meaningful only on
 *	positive return
 *
 * Context: Process context, may sleep.
 * Return: -EINVAL on bad arguments, -ENOMEM, -ERESTARTSYS if interrupted,
 * 0 on timeout, else the remaining jiffies (1 for timeout 0 with a
 * signaled fence).
 */
signed long dma_fence_wait_any_timeout(struct dma_fence **fences, u32 count, bool intr,
				       signed long timeout, u32 *idx) noexcept;

/**
 * dma_fence_set_deadline - set desired fence-wait deadline hint
 * @fence: the fence that is to be waited on
 * @deadline: the time by which the waiter hopes for the fence to be signaled
 *
 * Context: Any context; calls ->set_deadline under RCU when the fence is
 * still attached and unsignaled.
 * Return: nothing.
 */
void dma_fence_set_deadline(struct dma_fence *fence, ktime_t deadline) noexcept;

/**
 * dma_fence_driver_name - access the driver name
 * @fence: the fence to query
 *
 * Context: Inside rcu_read_lock() (checked); use the string only in it.
 * Return: the driver's name while attached and unsignaled, else "detached-driver".
 */
const char *dma_fence_driver_name(struct dma_fence *fence) noexcept;

/**
 * dma_fence_timeline_name - access the timeline name
 * @fence: the fence to query
 *
 * Context: Inside rcu_read_lock() (checked); use the string only in it.
 * Return: the timeline's name while attached and unsignaled, else "signaled-timeline".
 */
const char *dma_fence_timeline_name(struct dma_fence *fence) noexcept;

/**
 * dma_fence_describe - dump fence description into a string or stream
 * @fence: the fence to describe
 * @out: where to write, in the format of the kernel's seq_file output
 *
 * Context: Any context; takes rcu_read_lock() itself; may poll ->signaled.
 * Return: nothing (the string form returns the text).
 */
void dma_fence_describe(struct dma_fence *fence, std::ostream &out);
std::string dma_fence_describe(struct dma_fence *fence);

/**
 * dma_fence_get_stub - return a signaled fence
 *
 * Context: Any context.
 * Return: a new reference to the global stub fence (signaled, detached,
 * context 0, seqno 0).
 */
struct dma_fence *dma_fence_get_stub() noexcept;

/**
 * dma_fence_allocate_private_stub - return a private, signaled fence
 * @timestamp: timestamp when the fence was signaled
 *
 * Context: Process context (allocates).
 * Return: a new signaled fence carrying @timestamp, or NULL on allocation failure.
 */
struct dma_fence *dma_fence_allocate_private_stub(ktime_t timestamp) noexcept;

/*
 * Lock helpers (7.1 "abstract fence locking"). The lock is the inline one
 * when DMA_FENCE_FLAG_INLINE_LOCK_BIT is set, else fence->extern_lock.
 */

/**
 * dma_fence_spinlock - return the lock protecting @fence
 * @fence: the fence
 *
 * Context: Any context.
 * Return: &fence->inline_lock or fence->extern_lock.
 */
static inline spinlock_t *dma_fence_spinlock(struct dma_fence *fence) noexcept
{
	return test_bit(DMA_FENCE_FLAG_INLINE_LOCK_BIT, &fence->flags) ? &fence->inline_lock
								       : fence->extern_lock;
}

#define dma_fence_lock_irqsave(fence, flags) spin_lock_irqsave(dma_fence_spinlock(fence), flags)
#define dma_fence_unlock_irqrestore(fence, flags) \
	spin_unlock_irqrestore(dma_fence_spinlock(fence), flags)
#define dma_fence_assert_held(fence) lockdep_assert_held(dma_fence_spinlock(fence))

/*
 * Signalling annotations. In builds with FENCE_LOCKDEP (every build but
 * release) they are real checks: a wait (__dma_fence_might_wait(), called by
 * dma_fence_wait_timeout()) inside a section opened by
 * dma_fence_begin_signalling() is reported, naming both call sites, as the
 * kernel's lockdep map "dma_fence_map" reports it. Without FENCE_LOCKDEP,
 * begin returns true and the others do nothing.
 */

/**
 * dma_fence_begin_signalling - begin a critical DMA fence signalling section
 *
 * Context: Any context. The default arguments record the call site.
 * Return: a cookie for dma_fence_end_signalling(): true if nothing was
 * entered (already inside a section, or in atomic context).
 */
bool dma_fence_begin_signalling(const char *file = __builtin_FILE(),
				int line = __builtin_LINE()) noexcept;

/**
 * dma_fence_end_signalling - end a critical DMA fence signalling section
 * @cookie: the value dma_fence_begin_signalling() returned
 *
 * Context: Any context.
 * Return: nothing.
 */
void dma_fence_end_signalling(bool cookie) noexcept;

/**
 * __dma_fence_might_wait - annotate a point where a fence wait may happen
 *
 * Context: Any context; reports (as a WARN) when inside a signalling section.
 * Return: nothing.
 */
void __dma_fence_might_wait(const char *file = __builtin_FILE(),
			    int line = __builtin_LINE()) noexcept;

/*
 * Trace events, the kernel's dma_fence tracepoints. A sink gets each event
 * with the fence's context and seqno and its names, read through
 * dma_fence_driver_name()/dma_fence_timeline_name() under RCU; the strings
 * are valid only during the call. No sink is set by default, and an unset
 * sink costs one relaxed load per event site.
 */
enum dma_fence_trace_event {
	DMA_FENCE_TRACE_INIT,
	DMA_FENCE_TRACE_ENABLE_SIGNAL,
	DMA_FENCE_TRACE_SIGNALED,
	DMA_FENCE_TRACE_WAIT_START,
	DMA_FENCE_TRACE_WAIT_END,
	DMA_FENCE_TRACE_DESTROY,
};

struct dma_fence_trace_record {
	enum dma_fence_trace_event event;
	const struct dma_fence *fence;
	u64 context;
	u64 seqno;
	const char *driver;
	const char *timeline;
};

typedef void (*dma_fence_trace_fn)(const struct dma_fence_trace_record *rec, void *data);

/**
 * dma_fence_set_trace_sink - install (or, with NULL, remove) the trace sink
 * @fn: called for each event, from the thread that caused it
 * @data: passed to @fn
 *
 * Context: Not concurrently with events; set it up before the fences are used.
 * Return: nothing.
 */
void dma_fence_set_trace_sink(dma_fence_trace_fn fn, void *data) noexcept;

/* Name of a trace event ("dma_fence_init", ...). */
const char *dma_fence_trace_event_name(enum dma_fence_trace_event ev) noexcept;

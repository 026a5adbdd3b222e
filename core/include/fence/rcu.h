/* SPDX-License-Identifier: MIT */
/*
 * fence/rcu.h - read-copy update for the fence core, and __rcu as a type.
 *
 * The API is the kernel's: rcu_read_lock()/rcu_read_unlock(),
 * synchronize_rcu(), call_rcu(), rcu_barrier(), kfree_rcu(). The back end
 * is liburcu's urcu-memb flavour (core/src/rcu-urcu.cpp; liburcu is never
 * included from a public header); the deterministic-scheduler build
 * (FENCE_DSCHED) uses core/src/rcu-dsched.cpp instead, whose grace periods
 * the scheduler can see and wait on. Threads register themselves on their
 * first read-side section.
 *
 * __rcu is a type: a member the kernel declares as
 *	const struct dma_fence_ops __rcu *ops;
 * is here
 *	fence::rcu_ptr<const struct dma_fence_ops> ops;
 * and has no conversion, no comparison, no "->" and no assignment. The only
 * ways in and out are the kernel's accessors:
 *	rcu_dereference(p)			inside rcu_read_lock() (checked)
 *	rcu_dereference_check(p, c)		inside rcu_read_lock() or when c
 *	rcu_dereference_protected(p, c)		updater side, c must hold (checked)
 *	rcu_access_pointer(p)			a value that can only be compared
 *	rcu_assign_pointer(p, v)		publish (release)
 *	RCU_INIT_POINTER(p, v)			initialise / store NULL (relaxed)
 *	rcu_replace_pointer(p, v, c)		exchange, c must hold (checked)
 * So what sparse only warns about in the kernel, for example
 * "fence->ops == &some_ops" or "fence->ops->release(fence)", does not
 * compile here (core/tests/compile_fail/ proves it).
 *
 * Deferred callbacks (call_rcu, kfree_rcu) are queued by the fence core
 * itself and run in batches after one synchronize_rcu() per batch: either
 * by a reclaim thread (the default, started on first use), or, after
 * fence_rcu_set_auto_reclaim(false), only when someone calls
 * rcu_barrier(). The second mode is for fuzzing: frees happen at the same
 * point of every run, and draining costs one grace period (about 1 us with
 * no readers) instead of liburcu's call_rcu barrier (about 10 ms).
 *
 * Memory ordering: rcu_assign_pointer() is a release store and
 * rcu_dereference() an acquire load (the kernel's dependency ordering,
 * strengthened so that TSan sees it). Grace periods carry TSan annotations:
 * each rcu_read_unlock() releases, and the end of synchronize_rcu() and the
 * start of every deferred callback acquire, so frees after a grace period
 * are not reported as races while a free before one still is.
 */
#pragma once

#include <atomic>
#include <cstddef>
#include <type_traits>

#include "fence/bug.h" /* and fence/runtime.h: fence_rcu_nesting, fence_rcu_pending(), ... */
#include "fence/types.h"

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};
typedef void (*rcu_callback_t)(struct rcu_head *head);


/**
 * rcu_read_lock - enter an RCU read-side critical section
 *
 * Context: Any context; nests. Registers the thread with liburcu on first use.
 */
void rcu_read_lock() noexcept;

/* rcu_read_unlock - leave the section entered by rcu_read_lock(). */
void rcu_read_unlock() noexcept;

/* rcu_read_lock_held - true inside a read-side section on this thread. */
static inline bool rcu_read_lock_held() noexcept { return fence_rcu_nesting > 0; }

/**
 * synchronize_rcu - wait until every read-side section that began before
 * the call has ended
 *
 * Context: Process context, may sleep. Not inside a read-side section
 * (that would never return; it is a BUG here).
 */
void synchronize_rcu() noexcept;

/**
 * call_rcu - run @func(@head) after a grace period
 * @head: storage inside the object, untouched by the caller until @func runs
 * @func: the callback
 *
 * Context: Any context, including inside a read-side section.
 */
void call_rcu(struct rcu_head *head, rcu_callback_t func) noexcept;

/**
 * rcu_barrier - wait until all queued callbacks (and those they queue) ran
 *
 * Context: Process context, may sleep; not inside a read-side section and
 * not from a callback.
 */
void rcu_barrier() noexcept;




/* Internal: kfree() the object @offset bytes before @head after a grace period. */
void fence_kfree_rcu(struct rcu_head *head, size_t offset) noexcept;

/* kfree_rcu - kfree(@ptr) after a grace period; @rhf names its rcu_head member. */
#define kfree_rcu(ptr, rhf)                                                               \
	fence_kfree_rcu(&(ptr)->rhf, offsetof(std::remove_pointer_t<decltype(ptr)>, rhf))

namespace fence {

namespace detail {
struct rcu_ptr_access;
} // namespace detail

/**
 * rcu_ptr - the type of a pointer the kernel marks __rcu
 *
 * Zero-filled memory is a NULL rcu_ptr, and the default constructor is
 * trivial, so rcu_ptr members can live in kzalloc'd kernel-style structs.
 * Reach the pointer only through the accessors listed at the top of this
 * file.
 */
template <class T>
class rcu_ptr {
public:
	rcu_ptr() = default;
	/* Static initialisation, as RCU_INITIALIZER(). */
	constexpr explicit rcu_ptr(T *p) noexcept : p_(p) {}
	rcu_ptr(const rcu_ptr &) = delete;
	rcu_ptr &operator=(const rcu_ptr &) = delete;

private:
	friend struct detail::rcu_ptr_access;
	T *p_;
};

/*
 * rcu_value - what rcu_access_pointer() returns: the pointer's value, fit
 * only for comparison and truth tests, never for dereferencing.
 */
template <class T>
class rcu_value {
public:
	constexpr explicit rcu_value(T *p) noexcept : p_(p) {}
	explicit operator bool() const noexcept { return p_ != nullptr; }
	friend bool operator==(rcu_value a, const volatile void *b) noexcept
	{
		return static_cast<const volatile void *>(a.p_) == b;
	}
	friend bool operator==(rcu_value a, std::nullptr_t) noexcept { return a.p_ == nullptr; }
	friend bool operator==(rcu_value a, rcu_value b) noexcept { return a.p_ == b.p_; }

private:
	T *p_;
};

namespace detail {
struct rcu_ptr_access {
	template <class T>
	static T *load(const rcu_ptr<T> &p, std::memory_order mo) noexcept
	{
		return std::atomic_ref<T *>(const_cast<rcu_ptr<T> &>(p).p_).load(mo);
	}
	template <class T>
	static void store(rcu_ptr<T> &p, T *v, std::memory_order mo) noexcept
	{
		std::atomic_ref<T *>(p.p_).store(v, mo);
	}
	template <class T>
	static T *exchange(rcu_ptr<T> &p, T *v, std::memory_order mo) noexcept
	{
		return std::atomic_ref<T *>(p.p_).exchange(v, mo);
	}
};
} // namespace detail

/* rcu_read_guard - RAII read-side section. */
class rcu_read_guard {
public:
	rcu_read_guard() noexcept { ::rcu_read_lock(); }
	~rcu_read_guard() { ::rcu_read_unlock(); }
	rcu_read_guard(const rcu_read_guard &) = delete;
	rcu_read_guard &operator=(const rcu_read_guard &) = delete;
};

} // namespace fence

/*
 * The accessors. Function templates with the kernel's macro names, so a
 * kernel line such as "ops = rcu_dereference(fence->ops);" ports unchanged.
 */

/* rcu_dereference - load an __rcu pointer inside a read-side section. */
template <class T>
[[nodiscard]] static inline T *rcu_dereference(const fence::rcu_ptr<T> &p) noexcept
{
	FENCE_ASSERT_DEBUG(rcu_read_lock_held());
	/* Pairs with the release store in rcu_assign_pointer(). */
	return fence::detail::rcu_ptr_access::load(p, std::memory_order_acquire);
}

/* rcu_dereference_check - as rcu_dereference(), or outside RCU when @c holds. */
template <class T>
[[nodiscard]] static inline T *rcu_dereference_check(const fence::rcu_ptr<T> &p, bool c) noexcept
{
	FENCE_ASSERT_DEBUG(c || rcu_read_lock_held());
	return fence::detail::rcu_ptr_access::load(p, std::memory_order_acquire);
}

/* rcu_dereference_protected - updater-side load; @c (e.g. lockdep_is_held()) must hold. */
template <class T>
[[nodiscard]] static inline T *rcu_dereference_protected(const fence::rcu_ptr<T> &p, bool c) noexcept
{
	FENCE_ASSERT_DEBUG(c);
	(void)c;
	return fence::detail::rcu_ptr_access::load(p, std::memory_order_relaxed);
}

/* rcu_access_pointer - the pointer's value, for comparison only. */
template <class T>
[[nodiscard]] static inline fence::rcu_value<T> rcu_access_pointer(const fence::rcu_ptr<T> &p) noexcept
{
	return fence::rcu_value<T>(fence::detail::rcu_ptr_access::load(p, std::memory_order_relaxed));
}

/* rcu_assign_pointer - publish @v; readers that see it see its initialisation. */
template <class T, class V>
static inline void rcu_assign_pointer(fence::rcu_ptr<T> &p, V *v) noexcept
{
	/* Pairs with the acquire load in rcu_dereference(). */
	fence::detail::rcu_ptr_access::store<T>(p, v, std::memory_order_release);
}
template <class T>
static inline void rcu_assign_pointer(fence::rcu_ptr<T> &p, std::nullptr_t) noexcept
{
	fence::detail::rcu_ptr_access::store<T>(p, nullptr, std::memory_order_release);
}

/* RCU_INIT_POINTER - store without ordering: initialisation, or NULL. */
template <class T, class V>
static inline void RCU_INIT_POINTER(fence::rcu_ptr<T> &p, V *v) noexcept
{
	fence::detail::rcu_ptr_access::store<T>(p, v, std::memory_order_relaxed);
}
template <class T>
static inline void RCU_INIT_POINTER(fence::rcu_ptr<T> &p, std::nullptr_t) noexcept
{
	fence::detail::rcu_ptr_access::store<T>(p, nullptr, std::memory_order_relaxed);
}

/* rcu_replace_pointer - publish @v and return the old pointer; @c must hold. */
template <class T, class V>
[[nodiscard]] static inline T *rcu_replace_pointer(fence::rcu_ptr<T> &p, V *v, bool c) noexcept
{
	FENCE_ASSERT_DEBUG(c);
	(void)c;
	return fence::detail::rcu_ptr_access::exchange<T>(p, v, std::memory_order_acq_rel);
}
template <class T>
[[nodiscard]] static inline T *rcu_replace_pointer(fence::rcu_ptr<T> &p, std::nullptr_t, bool c) noexcept
{
	FENCE_ASSERT_DEBUG(c);
	(void)c;
	return fence::detail::rcu_ptr_access::exchange<T>(p, nullptr, std::memory_order_acq_rel);
}

/* rcu_pointer_handoff - documents that a reference now protects @p. */
template <class T>
static inline T *rcu_pointer_handoff(T *p) noexcept
{
	return p;
}

/* SPDX-License-Identifier: MIT */
/*
 * fence/spinlock.h - spinlock_t with real mutual exclusion and lockdep-style
 * "held" checks.
 *
 * spinlock_t is a plain struct (zero-filled memory is an unlocked lock, as
 * with __SPIN_LOCK_UNLOCKED) so it can live in a union inside struct
 * dma_fence and in kzalloc'd memory. All accesses go through std::atomic_ref,
 * which TSan understands: lock is an acquire, unlock a release.
 *
 * The holder's thread id is recorded, so lockdep_assert_held() is a real
 * check, and each thread counts the spinlocks it holds, which gives
 * in_atomic() and lets might_sleep() catch sleeping under a spinlock.
 * "irqsave" variants exist for source compatibility; there are no
 * interrupts in userspace, so @flags is only written.
 */
#pragma once

#include <atomic>

#include "fence/bug.h"
#include "fence/detail/sched-hooks.h"
#include "fence/types.h"

struct spinlock_t {
	int locked;	    /* 0 = free, 1 = held; only via atomic_ref */
	unsigned int owner; /* fence_thread_id() of the holder, 0 if none */
};

#define __SPIN_LOCK_UNLOCKED(name) \
	spinlock_t { 0, 0 }
#define DEFINE_SPINLOCK(x) spinlock_t x = __SPIN_LOCK_UNLOCKED(x)

/* Small unique id of the calling thread (never 0). */
unsigned int fence_thread_id() noexcept;

/* Number of spinlocks the calling thread holds (the preempt count). */
extern thread_local int fence_preempt_count;

/* Out of line: spin, then yield, until the lock is ours. */
void fence_spin_lock_slow(spinlock_t *lock) noexcept;

static inline void spin_lock_init(spinlock_t *lock) noexcept
{
	std::atomic_ref<unsigned int>(lock->owner).store(0, std::memory_order_relaxed);
	std::atomic_ref<int>(lock->locked).store(0, std::memory_order_release);
}

/**
 * spin_lock - acquire a spinlock
 * @lock: the lock
 *
 * Context: Any context. Must not already be held by the caller (that would
 * deadlock in the kernel; here it is a BUG).
 */
static inline void spin_lock(spinlock_t *lock) noexcept
{
	FENCE_SCHED_POINT(FENCE_SP_LOCK, lock);
	/* Pairs with the release store in spin_unlock(). */
	if (unlikely(std::atomic_ref<int>(lock->locked).exchange(1, std::memory_order_acquire)))
		fence_spin_lock_slow(lock);
	std::atomic_ref<unsigned int>(lock->owner).store(fence_thread_id(),
							 std::memory_order_relaxed);
	fence_preempt_count++;
}

/**
 * spin_unlock - release a spinlock held by the caller
 * @lock: the lock
 *
 * Context: The caller holds @lock (checked).
 */
static inline void spin_unlock(spinlock_t *lock) noexcept
{
	BUG_ON(std::atomic_ref<unsigned int>(lock->owner).load(std::memory_order_relaxed) !=
	       fence_thread_id());
	fence_preempt_count--;
	std::atomic_ref<unsigned int>(lock->owner).store(0, std::memory_order_relaxed);
	/* Pairs with the acquire exchange in spin_lock(). */
	std::atomic_ref<int>(lock->locked).store(0, std::memory_order_release);
	FENCE_SCHED_POINT(FENCE_SP_UNLOCK, lock);
}

static inline bool spin_is_locked(spinlock_t *lock) noexcept
{
	return std::atomic_ref<int>(lock->locked).load(std::memory_order_relaxed) != 0;
}

#define spin_lock_irqsave(lock, flags) \
	do {                           \
		(flags) = 0;           \
		spin_lock(lock);       \
	} while (0)
#define spin_unlock_irqrestore(lock, flags) \
	do {                                \
		(void)(flags);              \
		spin_unlock(lock);          \
	} while (0)
#define spin_lock_irq(lock) spin_lock(lock)
#define spin_unlock_irq(lock) spin_unlock(lock)

/* lockdep_is_held - true if the calling thread holds @lock. */
static inline bool lockdep_is_held(const spinlock_t *lock) noexcept
{
	return std::atomic_ref<unsigned int>(const_cast<spinlock_t *>(lock)->owner)
		       .load(std::memory_order_relaxed) == fence_thread_id();
}

/*
 * lockdep_assert_held - BUG unless the calling thread holds @lock.
 * Always checked: it is one relaxed load and one comparison.
 */
#define lockdep_assert_held(lock)                                                          \
	do {                                                                               \
		if (unlikely(!lockdep_is_held(lock)))                                      \
			fence_die("%s:%d: lockdep_assert_held(%s) failed: lock not held by " \
				  "this thread",                                           \
				  __FILE__, __LINE__, #lock);                              \
	} while (0)

/* in_atomic - true while the calling thread holds a spinlock. */
static inline bool in_atomic() noexcept { return fence_preempt_count > 0; }

/* SPDX-License-Identifier: MIT */
/*
 * linux/spinlock.h (shim) - spinlock_t is the runtime's spinlock
 * (fence/spinlock.h): real mutual exclusion, a recorded holder, the
 * preempt count behind in_atomic() and might_sleep(), and the scheduler's
 * lock points. Opaque here (two words, zero = unlocked, static-asserted
 * against the C++ type in core/shim/src/runtime.cpp). Each call passes the
 * kernel file and line, so a recursion or an unlock by a non-holder is
 * reported where it happens.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_SPINLOCK_H
#define _FENCEFUZZ_SHIM_LINUX_SPINLOCK_H
#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/lockdep.h>
#include <linux/bug.h>
#include <fencefuzz/ktree-runtime.h>

typedef struct spinlock {
	unsigned int __fencefuzz_opaque[2];
} __attribute__((aligned(KTREE_SPINLOCK_ALIGN))) spinlock_t;
_Static_assert(sizeof(spinlock_t) == KTREE_SPINLOCK_SIZE, "spinlock_t size");

#define __SPIN_LOCK_UNLOCKED(name) { { 0, 0 } }
#define DEFINE_SPINLOCK(x) spinlock_t x = __SPIN_LOCK_UNLOCKED(x)

#define spin_lock_init(l) ktree_spin_lock_init(l)
#define spin_lock(l) ktree_spin_lock((l), __FILE__, __LINE__)
#define spin_unlock(l) ktree_spin_unlock((l), __FILE__, __LINE__)
#define spin_trylock(l) ktree_spin_trylock(l)
#define spin_is_locked(l) ktree_spin_is_locked(l)
/* No interrupts in userspace: the irq variants only write @flags. */
#define spin_lock_irq(l) spin_lock(l)
#define spin_unlock_irq(l) spin_unlock(l)
#define spin_lock_bh(l) spin_lock(l)
#define spin_unlock_bh(l) spin_unlock(l)
#define spin_lock_irqsave(l, flags)      \
	do {                             \
		(flags) = 0;             \
		spin_lock(l);            \
	} while (0)
#define spin_unlock_irqrestore(l, flags) \
	do {                             \
		(void)(flags);           \
		spin_unlock(l);          \
	} while (0)
#define local_irq_save(flags) ((flags) = 0)
#define local_irq_restore(flags) ((void)(flags))
#define in_atomic() ktree_in_atomic()
#define in_irq() false
#define in_interrupt() false
#define irqs_disabled() false
#endif

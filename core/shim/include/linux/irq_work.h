/* SPDX-License-Identifier: MIT */
/*
 * linux/irq_work.h (shim) - irq_work_queue() runs the work on the queuing
 * thread as the self-interrupt it raises in the kernel would: at once if
 * the thread holds no spinlock, else when it releases its last one (the
 * dma-buf files queue work from fence callbacks, under the signalling
 * fence's lock, and the work takes fence locks itself, so it must not run
 * inside). Queueing a work that is already pending returns false and does
 * nothing, as in the kernel.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_IRQ_WORK_H
#define _FENCEFUZZ_SHIM_LINUX_IRQ_WORK_H
#include <linux/types.h>
#include <fencefuzz/ktree-runtime.h>
static inline void init_irq_work(struct irq_work *work, void (*func)(struct irq_work *))
{
	work->func = func;
	work->__state = 0;
	work->__next = NULL;
}
#define IRQ_WORK_INIT(f) { .func = (f) }
#define DEFINE_IRQ_WORK(name, f) struct irq_work name = IRQ_WORK_INIT(f)
static inline bool irq_work_queue(struct irq_work *work) { return ktree_irq_work_queue(work); }
static inline void irq_work_sync(struct irq_work *work) { ktree_irq_work_sync(work); }
static inline bool irq_work_is_pending(struct irq_work *work) { return __atomic_load_n(&work->__state, __ATOMIC_ACQUIRE) & 1; }
#endif

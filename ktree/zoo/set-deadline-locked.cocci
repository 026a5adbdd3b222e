// bug: set-deadline-locked
// breaks: dma_fence_set_deadline() takes fence->lock around its signaled test and the ->set_deadline call, to close the window between them.
// symptom: the kernel-doc promises ->set_deadline runs "without &dma_fence.lock held"; a driver whose ->set_deadline takes its fence lock self-deadlocks, and one sharing a lock across its fences deadlocks against its interrupt handler.
// history: the port zoo's set-deadline-locked; dma_fence_ops.set_deadline came with deadline awareness (6.3) as an unlocked hint from any context.
// kind: deadlock
// race: no
// blind: selftests: st-dma-fence.c never sets a deadline
// best: api_fuzz
@@
identifier f, d;
expression E;
@@
 dma_fence_set_deadline(struct dma_fence *f, ktime_t d)
 {
+ unsigned long flags;
+ spin_lock_irqsave(f->lock, flags);
- if (E && !dma_fence_is_signaled(f))
+ if (E && !dma_fence_is_signaled_locked(f))
  	f->ops->set_deadline(f, d);
+ spin_unlock_irqrestore(f->lock, flags);
 }

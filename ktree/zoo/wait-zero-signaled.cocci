// bug: wait-zero-signaled
// breaks: dma_fence_default_wait() answers a zero timeout with 0 before it tests whether the fence signaled.
// symptom: polling waits (timeout 0) on fences without their own ->wait report "timed out" for fences that are long signaled; callers spin or give up.
// history: dma_fence_wait_timeout() documents 1 for a signaled fence with timeout 0 ("ret = timeout ? timeout : 1"); the zero-timeout short cut is the classic place to get the order wrong.
// kind: semantic
// race: no
// blind: selftests: the zero-timeout waits (test_wait) go through st-dma-fence.c's mock ->wait, never dma_fence_default_wait(); the chain waits use MAX_SCHEDULE_TIMEOUT
// best: api_fuzz
@@
identifier f, intr, t, l, fl;
expression L;
@@
 dma_fence_default_wait(struct dma_fence *f, bool intr, signed long t)
 {
 <...
+ if (!t)
+ 	return 0;
  spin_lock_irqsave(L, fl);
  if (
 \(test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &f->flags)\|dma_fence_test_signaled_flag(f)\)
     )
  	goto l;
 ...>
 }

// bug: wait-loop-no-recheck
// breaks: dma_fence_default_wait()'s sleep loop stops re-testing SIGNALED after each wake-up and only counts down the timeout.
// symptom: a waiter woken by the signal goes back to sleep: bounded waits return 0 (timed out) for a fence that signaled, MAX_SCHEDULE_TIMEOUT waits (dma_fence_wait()) never return.
// history: the "while (!test_bit(SIGNALED) && ret > 0)" condition of the default wait; the missed-wakeup shape of every hand-written wait loop.
// kind: semantic
// race: no
// check: selftests
// blind: api_fuzz module_fuzz: one thread: nothing can signal a fence while its waiter sleeps, so the loop never needs its recheck
// blind: concurrent_fuzz torture_asan: the harness waits only with timeouts it can afford (a wait that could sleep forever is not legal), so a waiter the signal does not wake times out; the model accepts a wait's remaining time only loosely against a concurrent signal (lin_equal), and this was not seen to fail in 3 seeds
// best: selftests
@@
identifier f, intr, t, r;
statement S;
@@
 dma_fence_default_wait(struct dma_fence *f, bool intr, signed long t)
 {
 <...
(
- while (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &f->flags) && r > 0)
+ while (r > 0)
  S
|
- while (!dma_fence_test_signaled_flag(f) && r > 0)
+ while (r > 0)
  S
)
 ...>
 }

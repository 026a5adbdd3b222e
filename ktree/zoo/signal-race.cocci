// bug: signal-race
// breaks: dma_fence_signal_timestamp_locked()'s test_and_set_bit(SIGNALED) is split into a test_bit() at the top and a set_bit() after the callbacks ran.
// symptom: while the callbacks run the fence still reads as unsignaled to lockless readers: a waiter woken by its callback (dma_fence_wait_any_timeout(), driver wait loops that re-test the bit) sleeps again and waits out its timeout (lost wakeup); dma_fence_is_signaled() from a callback asks ->signaled again.
// history: the pre-4.10 shape, where dma_fence_signal() set the bit and ran the callbacks as separate steps; test_and_set_bit() under the lock makes "signaled" and "callbacks taken" one step.
// kind: race
// race: yes
// blind: selftests: the only lockless re-test of SIGNALED after a wake-up (st-dma-fence.c's mock_wait) goes back to sleep for at most the rest of its 2-jiffy timeout and then returns what a timely wake-up returns; no selftest measures the delay or waits with dma_fence_wait_any_timeout(); 0 of 16 runs
// best: api_fuzz
@@
identifier f, t;
iterator name list_for_each_entry_safe;
statement S;
@@
 dma_fence_signal_timestamp_locked(struct dma_fence *f, ktime_t t)
 {
 <...
- test_and_set_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &f->flags)
+ test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &f->flags)
 ...>
 list_for_each_entry_safe(...) S
+ set_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &f->flags);
 ...
 }

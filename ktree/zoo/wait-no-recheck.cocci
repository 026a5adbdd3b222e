// bug: wait-no-recheck
// breaks: dma_fence_default_wait() no longer tests SIGNALED under the lock before it queues its wait callback.
// symptom: a wait on a fence that already signaled links the waiter's callback through the cb_list/timestamp union: list_add() writes through the timestamp as if it were a pointer (wild write, SEGV) and corrupts the timestamp.
// history: the recheck under the lock; since the timestamp shares storage with cb_list ("dma-fence: Store the timestamp in the same union as the cb_list", 2019) every path that touches cb_list must test SIGNALED under fence->lock first.
// kind: memory
// race: no
// blind: selftests: the only default waits (st-dma-fence-chain.c's wait_* kthreads on the chain tail) reached their wait before the main thread signalled the chain in every run (0 of 16), and st-dma-fence.c's waits go through the mocks' own ->wait
// best: api_fuzz
@@
identifier f, intr, t;
identifier l;
@@
 dma_fence_default_wait(struct dma_fence *f, bool intr, signed long t)
 {
 ...
(
- if (test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &f->flags))
- 	goto l;
|
- if (dma_fence_test_signaled_flag(f))
- 	goto l;
)
 ...
 }

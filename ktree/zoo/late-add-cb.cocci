// bug: late-add-cb
// breaks: dma_fence_add_callback() ignores what __dma_fence_enable_signaling() found under the lock: the callback is queued and 0 returned even if the fence signaled after the lockless test (or ->enable_signaling said it already passed).
// symptom: add_callback() returns 0 but the callback never runs, and its node is linked through the cb_list/timestamp union of a signaled fence (memory corruption).
// history: add_callback returns -ENOENT for a fence that is signaled, also when it becomes signaled between the lockless test_bit() and the lock, or while enabling signaling.
// kind: race
// race: yes
// check: selftests
// best: selftests
@@
identifier f, cb;
statement S1, S2;
@@
 dma_fence_add_callback(struct dma_fence *f, struct dma_fence_cb *cb, ...)
 {
 <...
- if (__dma_fence_enable_signaling(f)) S1 else S2
+ __dma_fence_enable_signaling(f);
+ S1
 ...>
 }

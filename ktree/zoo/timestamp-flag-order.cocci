// bug: timestamp-flag-order
// breaks: signalling sets the TIMESTAMP bit before it writes fence->timestamp.
// symptom: a reader on another CPU that sees TIMESTAMP (dma_fence_timestamp(), sync_file info, dma_fence_unwrap_merge()) reads the union's previous contents: the cb_list pointer as a timestamp.
// history: dma_fence_timestamp() ("dma-buf: add dma_fence_timestamp helper", 2023) made every reader wait for TIMESTAMP after SIGNALED; that only works if the value is stored before the flag.
// kind: race
// race: yes
// blind: selftests: the window is two adjacent stores under the lock, and no selftest reads dma_fence_timestamp() while another thread signals the same fence; 0 of 16 runs
// blind: torture_asan: free-running threads: a window of one store, not hit in 3 x 30 s
// best: concurrent_fuzz
@@
identifier f, t;
@@
 dma_fence_signal_timestamp_locked(struct dma_fence *f, ktime_t t)
 {
 ...
- f->timestamp = t;
  set_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &f->flags);
+ f->timestamp = t;
 ...
 }

// bug: timestamp-after-callbacks
// breaks: signalling writes fence->timestamp and sets TIMESTAMP only after the callbacks ran.
// symptom: a callback that reads dma_fence_timestamp() (schedulers measuring latency, dma_fence_unwrap_merge() from a callback) spins forever with the fence lock held; other readers spin until the callbacks are done.
// history: the timestamp is set before any callback runs (the cb_list/timestamp union, 2019; dma_fence_timestamp()'s busy wait, 2023).
// kind: semantic
// race: no
// blind: selftests: no selftest callback reads the timestamp (the callbacks only set a flag or wake a task), and the unwrap merges read timestamps after the signal returned
// best: module_fuzz
@@
identifier f, t;
iterator name list_for_each_entry_safe;
statement S;
@@
 dma_fence_signal_timestamp_locked(struct dma_fence *f, ktime_t t)
 {
 ...
- f->timestamp = t;
- set_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &f->flags);
 ...
 list_for_each_entry_safe(...) S
+ f->timestamp = t;
+ set_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &f->flags);
 ...
 }

// bug: free-no-grace
// breaks: dma_fence_free() kfree()s the fence at once instead of kfree_rcu().
// symptom: a reader inside rcu_read_lock() (dma_fence_get_rcu_safe(), dma_resv iterators) touches freed memory: use-after-free.
// history: the reason dma_fence_free() is kfree_rcu() (the rcu_head in the cb_list/timestamp union; "dma-buf/fence: Introduce dma_fence_get_rcu_safe()", 2017).
// kind: memory
// race: yes
// blind: selftests: the one selftest that reads fences inside rcu_read_lock() (race_signal_callback, via dma_fence_get_rcu_safe()) frees its mock fences through ->release into a SLAB_TYPESAFE_BY_RCU cache, never through dma_fence_free(); the fences dma_fence_free() frees (unwrap, resv mocks) are not read after their last put; 0 of 16 runs
// best: concurrent_fuzz
@@
identifier f, r;
@@
 dma_fence_free(struct dma_fence *f)
 {
 <...
- kfree_rcu(f, r);
+ kfree(f);
 ...>
 }

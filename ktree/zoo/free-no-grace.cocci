// bug: free-no-grace
// breaks: dma_fence_free() kfree()s the fence at once instead of kfree_rcu().
// symptom: a reader inside rcu_read_lock() (dma_fence_get_rcu_safe(), dma_resv iterators) touches freed memory: use-after-free.
// history: the reason dma_fence_free() is kfree_rcu() (the rcu_head in the cb_list/timestamp union; "dma-buf/fence: Introduce dma_fence_get_rcu_safe()", 2017).
// kind: memory
// race: yes
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

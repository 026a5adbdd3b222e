// bug: cb-order
// breaks: dma_fence_add_callback() queues with list_add() (LIFO) instead of list_add_tail() (FIFO).
// symptom: callbacks run in reverse order of registration; drivers that chain work on callback order reorder it.
// history: callbacks run in the order they were added (the cb_list is FIFO); a classic list_add/list_add_tail slip.
// kind: semantic
// race: no
// blind: selftests: no selftest queues two callbacks on one fence and checks the order they run in (test_add_callback and the race test queue one)
// best: api_fuzz
@@
identifier cb, f;
@@
 dma_fence_add_callback(struct dma_fence *f, struct dma_fence_cb *cb, ...)
 {
 <...
- list_add_tail(&cb->node, &f->cb_list);
+ list_add(&cb->node, &f->cb_list);
 ...>
 }

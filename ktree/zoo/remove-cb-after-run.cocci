// bug: remove-cb-after-run
// breaks: signalling runs each callback without re-initialising its cb->node first.
// symptom: dma_fence_remove_callback() on a callback that already ran returns true and unlinks it from the signaller's stack list that no longer exists (stack use-after-return).
// history: the INIT_LIST_HEAD(&cur->node) before cur->func() in dma_fence_signal_timestamp_locked(): remove_callback() afterwards must return false.
// kind: semantic
// race: no
// check: selftests
// best: selftests
@@
iterator name list_for_each_entry_safe;
identifier cur, tmp, l, n, fn;
expression F;
@@
 fn(...)
 {
 <...
 list_for_each_entry_safe(cur, tmp, &l, n) {
- INIT_LIST_HEAD(&cur->n);
  cur->func(F, cur);
 }
 ...>
 }

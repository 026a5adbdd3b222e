// bug: rcu-safe-no-recheck
// file: include/linux/dma-fence.h
// breaks: dma_fence_get_rcu_safe() returns the fence it got a reference on without checking that it is still the one in the slot.
// symptom: with a typesafe-by-RCU cache (recycled fences, SLAB_TYPESAFE_BY_RCU), the caller gets a reference to a different fence that reused the memory: wrong context/seqno, callbacks on the wrong fence, a reference leaked on the new owner.
// history: the reason dma_fence_get_rcu_safe() exists ("dma-buf/fence: Introduce dma_fence_get_rcu_safe()", Chris Wilson, 2017). A header bug: every file of the variant is compiled against the patched copy.
// kind: race
// race: yes
// blind: selftests: race_signal_callback calls dma_fence_get_rcu_safe() on a SLAB_TYPESAFE_BY_RCU cache, but the other thread must free the fence and the cache hand the same memory to a new fence between the load and the reference; 0 of 13 runs
// blind: concurrent_fuzz: the recycle window (a fence freed and its memory handed to a new fence between the load and the reference) was not reached in 3 x 30 s after the spin-wait fix (the earlier finds were that hang)
// best: torture_asan
@@
expression P;
local idexpression struct dma_fence *f;
@@
 dma_fence_get_rcu_safe(...)
 {
 <...
- if (f == rcu_access_pointer(*P))
- 	return rcu_pointer_handoff(f);
- dma_fence_put(f);
+ return f;
 ...>
 }

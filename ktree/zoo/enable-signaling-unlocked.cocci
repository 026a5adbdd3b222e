// bug: enable-signaling-unlocked
// breaks: dma_fence_enable_sw_signaling() calls __dma_fence_enable_signaling() (and so ->enable_signaling) without fence->lock, and the lockdep annotation in it is gone.
// symptom: ->enable_signaling runs concurrently with the driver's signal path and with add_callback() under the lock; when it reports the fence already passed, dma_fence_signal_locked() runs without the lock (cb_list walked unlocked, lockdep: lockdep_assert_held).
// history: "dma-fence: Serialise signal enabling" (Chris Wilson, 2019) took fence->lock around the enable in dma_fence_enable_sw_signaling(); before it the bit was tested outside the lock.
// kind: race
// race: yes
// blind: selftests: nothing checks that ->enable_signaling runs under fence->lock: the st-dma-fence.c mocks have no ->enable_signaling, and the unlocked dma_fence_signal_locked() that lockdep-lite would report needs an ->enable_signaling that says the fence already passed; 0 of 16 runs of --run all failed
// best: api_fuzz
@@
identifier f, fl;
expression L;
@@
 dma_fence_enable_sw_signaling(struct dma_fence *f)
 {
- unsigned long fl;
  ...
- spin_lock_irqsave(L, fl);
  __dma_fence_enable_signaling(f);
- spin_unlock_irqrestore(L, fl);
 }

@@
identifier f;
expression L;
@@
 __dma_fence_enable_signaling(struct dma_fence *f)
 {
 ...
- lockdep_assert_held(L);
 ...
 }

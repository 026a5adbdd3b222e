// bug: enable-signaling-twice
// breaks: __dma_fence_enable_signaling() calls ->enable_signaling whenever signaling is enabled on an unsignaled fence, ignoring what test_and_set_bit(ENABLE_SIGNAL) said about an earlier call.
// symptom: a driver's ->enable_signaling runs once per waiter or callback; one that takes a fence reference there, as the kernel-doc tells it to, leaks it; one that arms an interrupt arms it again.
// history: the port zoo's enable-signaling-twice; the kernel-doc of dma_fence_ops.enable_signaling promises one call, guarded by DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT.
// kind: semantic
// race: no
// check: api_fuzz
// best: selftests
@@
identifier f, w;
expression E;
statement S;
@@
 __dma_fence_enable_signaling(struct dma_fence *f)
 {
 <...
- if (!w && E)
+ if (E)
  S
 ...>
 }

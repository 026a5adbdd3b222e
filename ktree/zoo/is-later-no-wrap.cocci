// bug: is-later-no-wrap
// file: include/linux/dma-fence.h
// breaks: __dma_fence_is_later() (an inline in dma-fence.h) compares 32-bit seqnos as plain numbers, without the wrap-around.
// symptom: after a 32-bit timeline wraps, a newer fence reads as older: dma_fence_is_later()/dma_fence_later() pick the wrong fence, dma_fence_chain_find_seqno() and a dma_resv or sync_file merge keep the stale one.
// history: the 32- vs 64-bit seqno rule of __dma_fence_is_later changed three times (the u32 wrap compare; "u64 if either has upper bits"; the ops->use_64bit_seqno flag, later a fence flag), each time a place to get the wrap wrong. A header bug: every file of the variant is compiled against the patched copy.
// kind: semantic
// race: no
// blind: selftests: no selftest uses seqnos near the 32-bit wrap: the chain fences compare as 64-bit (use_64bit_seqno), the unwrap and resv mocks use small seqnos where the plain and the wrap-aware compare agree; 0 of 13 runs
// best: api_fuzz
@@
identifier f1, f2;
@@
 __dma_fence_is_later(..., u64 f1, u64 f2, ...)
 {
 <...
- (int)(lower_32_bits(f1) - lower_32_bits(f2)) > 0
+ lower_32_bits(f1) > lower_32_bits(f2)
 ...>
 }

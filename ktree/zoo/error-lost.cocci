// bug: error-lost
// breaks: dma_fence_get_status() reports 1 for every signaled fence, dropping fence->error.
// symptom: a fence completed with an error (-EIO, -ENODEV, -EDEADLK from release) looks like a success to every caller that asks for its status.
// history: dma_fence_get_status_locked()'s "fence->error ?: 1"; the error status was added in 4.11 (dma_fence_set_error()).
// kind: semantic
// race: no
// check: selftests
// best: selftests
@@
identifier f, s;
@@
 dma_fence_get_status(struct dma_fence *f)
 {
 <...
- s = dma_fence_get_status_locked(f);
+ s = dma_fence_is_signaled_locked(f);
 ...>
 }

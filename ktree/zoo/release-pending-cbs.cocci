// bug: release-pending-cbs
// breaks: dma_fence_release() drops its WARN on a fence released with callbacks still queued, and with it the -EDEADLK signal that flushes them.
// symptom: a refcounting bug (last put before signal) passes silently: the queued callbacks never run, waiters hang and fences chained on it never signal; their nodes point into freed memory.
// history: the "released with pending signals!" WARN and its forced dma_fence_signal_locked() with -EDEADLK ("dma-fence: Signal all callbacks from dma_fence_release()", 2019).
// kind: semantic
// race: no
// blind: selftests: every selftest signals its fences before the last dma_fence_put(), so release never meets pending callbacks and the removed WARN would not have fired either
// blind: torture_asan: the driver models keep a reference to every fence they issue until it signals, and the harness holds one for each queued callback, so no torture round releases an unsignaled fence with callbacks pending; the misuse op release_pending (a driver that drops its last reference too early) does, outside threads
// best: api_fuzz
@@
expression E;
statement S;
@@
 dma_fence_release(...)
 {
 ...
(
- if (WARN(E, ...)) S
|
- if (E) { ... WARN(1, ...); ... }
)
 ...
 }

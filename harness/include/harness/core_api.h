// SPDX-License-Identifier: MIT
//
// harness/core_api.h - the fence core the harness drives: the only header
// through which the harness, and the drivers above it that touch the core
// themselves (props/), include one.
//
// The catalog (ops/*.cpp), the world, the checker and the runners are written
// once, against the kernel's own API (dma_fence_signal(), struct dma_fence,
// rcu_read_lock(), ...), and compiled once per backend:
//
//   port (default)        core/include/fence/*.h: the Linux 7.1 port, C++
//   tree (FENCE_BACKEND_TREE)  a kernel tree's include/linux/dma-fence.h and
//                         drivers/dma-buf/dma-fence.c, C, over the shims
//                         (core/shim), seen from C++ through
//                         fencefuzz/tree-api.h, which also spells what
//                         the tree lacks of the names used here
//
// Both run on one runtime (fence/runtime.h): slab, RCU, WARN, clock, tasks.
// The two cannot share a translation unit (same names, different layouts),
// so the harness library is built twice (fence_harness in harness/CMakeLists.txt,
// fence_harness_tree in ktree/catalog.cmake) and a tool picks one at link time.
// What the model must know of the core's semantics comes with it:
// semantics() (harness/semantics.h).
#pragma once

//
// What the harness needs beyond the kernel API is spelled below once per
// backend: the RCU slot type, the seqno-width test, and FENCE_CORE_HAS_*
// for what only one core has (the port's trace sink, its inline-lock flag,
// dma_fence_check_and_signal(), the .so modules).
#ifdef FENCE_BACKEND_TREE
#include "fencefuzz/tree-api.h"
#include "fence/module.h"

using core_rcu_fence = struct dma_fence __rcu *;
// Before dma_fence_init64() the width is a property of the driver's ops
// (->use_64bit_seqno), which the checker must not read: they may belong to
// an unloaded module. is_later and later judge the width there.
#ifdef FENCE_TREE_HAS_INIT64
inline bool core_fence_seqno64(struct dma_fence *f)
{
	return test_bit(DMA_FENCE_FLAG_SEQNO64_BIT, &f->flags);
}
#define FENCE_CORE_HAS_SEQNO64_FLAG 1
#endif
#ifdef FENCE_TREE_HAS_CHECK_AND_SIGNAL
#define FENCE_CORE_HAS_CHECK_AND_SIGNAL 1
#endif
#ifdef FENCE_TREE_HAS_INLINE_LOCK
#define FENCE_CORE_HAS_INLINE_LOCK 1
#endif

namespace fence {
namespace { // internal linkage: the port's class of that name may be in the same binary
// A read-side section for the scope, as the port's fence::rcu_read_guard.
struct rcu_read_guard {
	rcu_read_guard() { rcu_read_lock(); }
	~rcu_read_guard() { rcu_read_unlock(); }
	rcu_read_guard(const rcu_read_guard &) = delete;
	rcu_read_guard &operator=(const rcu_read_guard &) = delete;
};
} // namespace
} // namespace fence
#else
#include "fence/fence.h"
#include "fence/module.h"
#include "fence/oracle.h"
#include "fence/sched.h"
#include "fence/slab.h"

using core_rcu_fence = fence::rcu_ptr<struct dma_fence>;
inline bool core_fence_seqno64(struct dma_fence *f)
{
	return test_bit(DMA_FENCE_FLAG_SEQNO64_BIT, &f->flags);
}
#define FENCE_CORE_HAS_TRACE 1
#define FENCE_CORE_HAS_SEQNO64_FLAG 1
#define FENCE_CORE_HAS_CHECK_AND_SIGNAL 1
#define FENCE_CORE_HAS_INLINE_LOCK 1
#define FENCE_CORE_HAS_SO_MODULES 1
#endif

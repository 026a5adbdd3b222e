/* SPDX-License-Identifier: MIT */
/*
 * fencefuzz/tree-api.h - a kernel tree's dma_fence API, seen from C++.
 *
 * For code built over the tree backend (harness/include/harness/core_api.h with
 * FENCE_BACKEND_TREE, core/src/module.cpp's tree build): the tree's own
 * include/linux/dma-fence.h (the copy in the build's tree-include/) over
 * the shims, as C declarations, plus the runtime's services
 * (fence/runtime.h, fence/oracle.h). The tree's header compiles as C++
 * unchanged: it is the kernel's, so nothing of it is restated here.
 *
 * What the tree lacks of the names the harness uses is spelled here as
 * the tree's own callers spell it. Which ones a tree has is read off its
 * headers at configure time (cmake/FencefuzzKernelTree.cmake,
 * fence_ktree_profile()) into FENCE_TREE_HAS_* definitions:
 *
 *   FENCE_TREE_HAS_TEST_SIGNALED_FLAG  dma_fence_test_signaled_flag()
 *   FENCE_TREE_HAS_LOCK_HELPERS        dma_fence_lock_irqsave(), _assert_held()
 *   FENCE_TREE_HAS_NAME_GETTERS        dma_fence_driver_name(), _timeline_name()
 *   FENCE_TREE_HAS_INITIALIZED_BIT     DMA_FENCE_FLAG_INITIALIZED_BIT
 *   FENCE_TREE_HAS_INIT64              dma_fence_init64()
 *   FENCE_TREE_HAS_CHECK_AND_SIGNAL    dma_fence_check_and_signal()
 *   FENCE_TREE_OPS_RCU                 const struct dma_fence_ops __rcu *ops
 *                                      (the 2026 series: ops detach at signal)
 *
 * The ops a tree lacks outright (dma_fence_check_and_signal(), ...) are not
 * spelled: the catalog leaves them out of the tree's opcode table
 * (harness/semantics.h, semantics()).
 */
#pragma once
#ifndef __cplusplus
#error "fencefuzz/tree-api.h is for C++; C code includes the tree's headers itself"
#endif

/*
 * The shims define kernel macros (current, swap, min, max, __init, ...) that
 * a system header parsed after them would trip on: the C and C++ headers
 * such code uses are parsed first, and the generic names are undefined
 * again after the tree's header (its inline functions have used them).
 */
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>
#include <pthread.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

/* What the kernel's build force-includes (-include) into every C file. */
#include <linux/kconfig.h>
#include <linux/compiler_types.h>

extern "C" {
#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/dma-fence.h>
}

#undef swap
#undef min
#undef max
#undef timer_delete
#undef __init
#undef __exit
#undef __initdata

#include "fence/oracle.h"
#include "fence/runtime.h"

#ifndef FENCE_TREE_HAS_TEST_SIGNALED_FLAG
static inline bool dma_fence_test_signaled_flag(struct dma_fence *fence)
{
	return test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags);
}
#endif

#ifndef FENCE_TREE_HAS_LOCK_HELPERS
#define dma_fence_lock_irqsave(fence, flags) spin_lock_irqsave((fence)->lock, flags)
#define dma_fence_unlock_irqrestore(fence, flags) spin_unlock_irqrestore((fence)->lock, flags)
#define dma_fence_assert_held(fence) lockdep_assert_held((fence)->lock)
#endif

#ifndef FENCE_TREE_HAS_NAME_GETTERS
/* As the tree's dma_fence_describe() and its tracepoints read them. */
static inline const char *dma_fence_driver_name(struct dma_fence *fence)
{
	return fence->ops->get_driver_name(fence);
}
static inline const char *dma_fence_timeline_name(struct dma_fence *fence)
{
	return fence->ops->get_timeline_name(fence);
}
#endif

#ifndef FENCE_TREE_HAS_INITIALIZED_BIT
/* A zero-filled fence has no ops; dma_fence_init() sets them. */
static inline bool dma_fence_was_initialized(struct dma_fence *fence)
{
	return fence && fence->ops;
}
#endif

/* The port's string form of dma_fence_describe(), over the tree's seq_file one. */
static inline std::string dma_fence_describe(struct dma_fence *fence)
{
	char buf[256];
	struct seq_file seq = {buf, sizeof(buf), 0, 0};
	dma_fence_describe(fence, &seq);
	return std::string(buf, seq.count);
}

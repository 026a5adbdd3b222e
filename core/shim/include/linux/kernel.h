/* SPDX-License-Identifier: MIT */
/* linux/kernel.h (shim) - the everyday kernel helpers the dma-buf files use. */
#ifndef _FENCEFUZZ_SHIM_LINUX_KERNEL_H
#define _FENCEFUZZ_SHIM_LINUX_KERNEL_H
#include <limits.h>
#include <stdarg.h>
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/math.h>
#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/log2.h>
#include <linux/wordpart.h>
#include <fencefuzz/ktree-runtime.h>

#define U32_MAX ((u32)~0U)
#define U64_MAX ((u64)~0ULL)
#define S64_MAX ((s64)(U64_MAX >> 1))
#define num_online_cpus() ktree_num_online_cpus()
#define num_possible_cpus() ktree_num_online_cpus()
#define might_fault() do { } while (0)
#define swap(a, b) do { typeof(a) __ff_t = (a); (a) = (b); (b) = __ff_t; } while (0)
#define _RET_IP_ ((unsigned long)__builtin_return_address(0))
#define _THIS_IP_ ({ __label__ __here; __here: (unsigned long)&&__here; })
#endif

/* SPDX-License-Identifier: MIT */
/*
 * linux/types.h (shim) - the kernel's integer and list types.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_TYPES_H
#define _FENCEFUZZ_SHIM_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/compiler.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;
typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef s32 __s32;
typedef s64 __s64;
typedef unsigned int gfp_t;
typedef unsigned long uintptr_t_kernel;

typedef struct {
	int counter;
} atomic_t;
typedef struct {
	s64 counter;
} atomic64_t;
typedef atomic_t refcount_struct_t;

struct list_head {
	struct list_head *next, *prev;
};
struct hlist_head {
	struct hlist_node *first;
};
struct hlist_node {
	struct hlist_node *next, **pprev;
};

/* The runtime's struct rcu_head (fence/rcu.h), opaque: two words. */
struct rcu_head {
	void *__fencefuzz_opaque[2];
};
#define callback_head rcu_head
typedef void (*rcu_callback_t)(struct rcu_head *head);

struct seq_file;
struct file;
struct module;

#endif

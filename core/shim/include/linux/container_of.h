/* SPDX-License-Identifier: MIT */
/* linux/container_of.h (shim) */
#ifndef _FENCEFUZZ_SHIM_LINUX_CONTAINER_OF_H
#define _FENCEFUZZ_SHIM_LINUX_CONTAINER_OF_H
#include <stddef.h>
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define container_of_const(ptr, type, member) container_of(ptr, type, member)
#define typeof_member(T, m) typeof(((T *)0)->m)
#endif

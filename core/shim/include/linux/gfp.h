/* SPDX-License-Identifier: MIT */
/* linux/gfp.h (shim) - allocation flags, with the runtime's values (fence/slab.h). */
#ifndef _FENCEFUZZ_SHIM_LINUX_GFP_H
#define _FENCEFUZZ_SHIM_LINUX_GFP_H
#include <linux/types.h>
#define GFP_KERNEL 0x1u
#define GFP_ATOMIC 0x2u
#define GFP_NOWAIT 0x4u
#define GFP_NOFS GFP_KERNEL
#define GFP_NOIO GFP_KERNEL
#define __GFP_NOWARN 0x8u
#define __GFP_ZERO 0x100u
#define __GFP_NORETRY 0x10u
static inline bool gfpflags_allow_blocking(gfp_t gfp) { return gfp & GFP_KERNEL; }
#endif

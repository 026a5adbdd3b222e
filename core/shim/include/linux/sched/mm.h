/* SPDX-License-Identifier: MIT */
/* linux/sched/mm.h (shim) - reclaim annotations: nothing to annotate in userspace. */
#include <linux/sched.h>
#define fs_reclaim_acquire(gfp) do { } while (0)
#define fs_reclaim_release(gfp) do { } while (0)

/* SPDX-License-Identifier: MIT */
/* linux/seqlock.h (shim) - included by dma-resv.h; 6.12's dma-resv uses no seqcount. */
#include <linux/spinlock.h>

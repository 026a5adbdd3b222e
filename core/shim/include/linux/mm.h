/* SPDX-License-Identifier: MIT */
/* linux/mm.h (shim) - what the dma-buf files use of it: slab and sizes. */
#include <linux/slab.h>
#include <linux/kernel.h>
#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12

/* SPDX-License-Identifier: MIT */
/* linux/errno.h (shim) - the errno values the dma-buf files return (kernel ABI numbers). */
#ifndef _FENCEFUZZ_SHIM_LINUX_ERRNO_H
#define _FENCEFUZZ_SHIM_LINUX_ERRNO_H
/*
 * The system's <linux/errno.h> (the kernel's ABI numbers, as glibc's
 * <errno.h> expects to find them through this name), then the numbers the
 * kernel keeps to itself.
 */
#include_next <linux/errno.h>
#define ERESTARTSYS 512
#endif

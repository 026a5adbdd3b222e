/* SPDX-License-Identifier: MIT */
/* linux/errno.h (shim) - the errno values the dma-buf files return (kernel ABI numbers). */
#ifndef _FENCEFUZZ_SHIM_LINUX_ERRNO_H
#define _FENCEFUZZ_SHIM_LINUX_ERRNO_H
#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOTTY 25
#define ENOSPC 28
#define ERANGE 34
#define EDEADLK 35
#define ENOSYS 38
#define ENODATA 61
#define ETIME 62
#define EOVERFLOW 75
#define EALREADY 114
#define ECANCELED 125
#define ERESTARTSYS 512
#endif

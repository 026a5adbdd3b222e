/* SPDX-License-Identifier: MIT */
/*
 * fence/types.h - kernel base types, errno values and small helpers.
 *
 * The fence core is a port of kernel code, so it speaks the kernel's
 * dialect: u32/u64, ktime_t, negative errno returns, container_of().
 * Everything here is header-only and free of liburcu and <thread>.
 */
#pragma once

#include <cstddef>
#include <cstdint>

typedef std::uint8_t u8;
typedef std::uint16_t u16;
typedef std::uint32_t u32;
typedef std::uint64_t u64;
typedef std::int32_t s32;
typedef std::int64_t s64;

/* Nanoseconds on the monotonic clock, as in <linux/ktime.h>. */
typedef s64 ktime_t;

/*
 * Kernel errno values. The values match the kernel's (and glibc's for the
 * ones both have); ERESTARTSYS is kernel-internal and never reaches
 * userspace in Linux, but the fence core returns it from interruptible
 * waits exactly as the kernel does. Defined as enumerators, not macros, so
 * they never collide with <cerrno>'s macros of the same names: code that
 * includes both sees the macro, which has the same value.
 */
enum fence_errno : int {
	FENCE_EPERM = 1,
	FENCE_ENOENT = 2,
	FENCE_EINTR = 4,
	FENCE_EIO = 5,
	FENCE_EAGAIN = 11,
	FENCE_ENOMEM = 12,
	FENCE_EBUSY = 16,
	FENCE_ENODEV = 19,
	FENCE_EINVAL = 22,
	FENCE_EDEADLK = 35,
	FENCE_ENODATA = 61,
	FENCE_ETIME = 62,
	FENCE_ECANCELED = 125,
	FENCE_ERESTARTSYS = 512,
};

#ifndef EPERM
#define EPERM FENCE_EPERM
#endif
#ifndef ENOENT
#define ENOENT FENCE_ENOENT
#endif
#ifndef EINTR
#define EINTR FENCE_EINTR
#endif
#ifndef EIO
#define EIO FENCE_EIO
#endif
#ifndef EAGAIN
#define EAGAIN FENCE_EAGAIN
#endif
#ifndef ENOMEM
#define ENOMEM FENCE_ENOMEM
#endif
#ifndef EBUSY
#define EBUSY FENCE_EBUSY
#endif
#ifndef ENODEV
#define ENODEV FENCE_ENODEV
#endif
#ifndef EINVAL
#define EINVAL FENCE_EINVAL
#endif
#ifndef EDEADLK
#define EDEADLK FENCE_EDEADLK
#endif
#ifndef ENODATA
#define ENODATA FENCE_ENODATA
#endif
#ifndef ETIME
#define ETIME FENCE_ETIME
#endif
#ifndef ECANCELED
#define ECANCELED FENCE_ECANCELED
#endif
#define ERESTARTSYS FENCE_ERESTARTSYS

/* Largest errno value an ERR_PTR or a fence error may carry. */
#define MAX_ERRNO 4095

/*
 * container_of - cast a member of a structure out to the containing structure.
 * The structures of the core are standard-layout (plain C shapes), so
 * offsetof() is well defined for them.
 */
#define container_of(ptr, type, member) \
	(reinterpret_cast<type *>(reinterpret_cast<char *>(ptr) - offsetof(type, member)))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static inline u32 lower_32_bits(u64 v) noexcept { return static_cast<u32>(v); }
static inline u32 upper_32_bits(u64 v) noexcept { return static_cast<u32>(v >> 32); }

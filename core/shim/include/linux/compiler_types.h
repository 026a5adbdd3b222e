/* SPDX-License-Identifier: MIT */
/*
 * linux/compiler_types.h (shim) - attributes and sparse annotations.
 * Force-included after kconfig.h, as in the kernel build.
 *
 * Under sparse (__CHECKER__), __rcu, __user, __iomem and __percpu are
 * address spaces and __force casts between them, as the kernel test robot
 * runs it; for the compiler they are empty.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_COMPILER_TYPES_H
#define _FENCEFUZZ_SHIM_LINUX_COMPILER_TYPES_H

#ifdef __CHECKER__
#define __user __attribute__((noderef, address_space(__user)))
#define __iomem __attribute__((noderef, address_space(__iomem)))
#define __percpu __attribute__((noderef, address_space(__percpu)))
#define __rcu __attribute__((noderef, address_space(__rcu)))
#define __kernel __attribute__((address_space(0)))
#define __force __attribute__((force))
#define __nocast __attribute__((nocast))
#define __safe __attribute__((safe))
#define __bitwise __attribute__((bitwise))
#define __must_hold(x) __attribute__((context(x, 1, 1)))
#define __acquires(x) __attribute__((context(x, 0, 1)))
#define __releases(x) __attribute__((context(x, 1, 0)))
#define __acquire(x) __context__(x, 1)
#define __release(x) __context__(x, -1)
#define __cond_lock(x, c) ((c) ? ({ __acquire(x); 1; }) : 0)
#else
#define __user
#define __iomem
#define __percpu
#define __rcu
#define __kernel
#define __force
#define __nocast
#define __safe
#define __bitwise
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define __acquire(x) (void)0
#define __release(x) (void)0
#define __cond_lock(x, c) (c)
#endif

#define __always_inline inline __attribute__((__always_inline__))
#define noinline __attribute__((__noinline__))
#define __noreturn __attribute__((__noreturn__))
#define __must_check __attribute__((__warn_unused_result__))
#define __maybe_unused __attribute__((__unused__))
#define __always_unused __attribute__((__unused__))
#define __used __attribute__((__used__))
#define __cold __attribute__((__cold__))
#define __pure __attribute__((__pure__))
#define __packed __attribute__((__packed__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#define __section(s) __attribute__((__section__(s)))
#define __weak __attribute__((__weak__))
#define __init
#define __exit
#define __initdata
#define __read_mostly
#define __counted_by(m)
#define __randomize_layout
#define notrace
#define fallthrough __attribute__((__fallthrough__))
#define __inline__ inline
#define __flatten

#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

#define __same_type(a, b) __builtin_types_compatible_p(typeof(a), typeof(b))
#define __must_be_array(a) (0)

#endif

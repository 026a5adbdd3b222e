/* SPDX-License-Identifier: MIT */
/*
 * linux/kconfig.h (shim) - the configuration the kernel tree's files are
 * built with, and IS_ENABLED(). Force-included first, as the kernel's
 * Makefile does. The shim's kernel is a minimal one: no CONFIG_LOCKDEP
 * (the runtime's own lockdep-lite checks lockdep_assert_held() instead),
 * no debug mutexes, no MMU notifiers, no dynamic debug.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_KCONFIG_H
#define _FENCEFUZZ_SHIM_LINUX_KCONFIG_H

#define CONFIG_SMP 1
#define CONFIG_64BIT 1

/*
 * IS_ENABLED(CONFIG_X): 1 if CONFIG_X is defined to 1 (or to 1 as a module
 * option, CONFIG_X_MODULE), else 0. The argument-counting trick every
 * project uses for "is this macro defined to 1".
 */
#define __ff_arg_placeholder_1 0,
#define __ff_take_second(ignored, val, ...) val
#define __ff_is_defined3(arg1_or_junk) __ff_take_second(arg1_or_junk 1, 0, 0)
#define __ff_is_defined2(val) __ff_is_defined3(__ff_arg_placeholder_##val)
#define __ff_is_defined(x) __ff_is_defined2(x)
#define IS_BUILTIN(option) __ff_is_defined(option)
#define IS_MODULE(option) __ff_is_defined(option##_MODULE)
#define IS_ENABLED(option) (IS_BUILTIN(option) || IS_MODULE(option))
#define IS_REACHABLE(option) IS_ENABLED(option)

#endif

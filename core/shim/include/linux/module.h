/* SPDX-License-Identifier: MIT */
/*
 * linux/module.h (shim) - a file built as "a module" registers its
 * module_init() function and its module parameters with the selftest
 * runner (core/shim/src/selftest-main.c) through constructors, so the
 * runner can enable tests and set st_filter as modprobe would.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_MODULE_H
#define _FENCEFUZZ_SHIM_LINUX_MODULE_H
#include <linux/kernel.h>
#include <linux/export.h>
#include <linux/moduleparam.h>
struct module;

void ktree_module_register_init(int (*fn)(void), const char *file);
void ktree_module_register_exit(void (*fn)(void), const char *file);
#define module_init(fn)                                                              \
	static void __attribute__((constructor)) __PASTE(__ff_modinit_, fn)(void)     \
	{                                                                            \
		ktree_module_register_init(fn, __FILE__);                            \
	}
#define module_exit(fn)                                                              \
	static void __attribute__((constructor)) __PASTE(__ff_modexit_, fn)(void)     \
	{                                                                            \
		ktree_module_register_exit(fn, __FILE__);                            \
	}
#define subsys_initcall(fn) module_init(fn)
#define MODULE_DESCRIPTION(s)
#define MODULE_LICENSE(s)
#define MODULE_AUTHOR(s)
#define MODULE_IMPORT_NS(ns)
#endif

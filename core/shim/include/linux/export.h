/* SPDX-License-Identifier: MIT */
/* linux/export.h (shim) - no module symbol table: exports are ordinary external symbols. */
#ifndef _FENCEFUZZ_SHIM_LINUX_EXPORT_H
#define _FENCEFUZZ_SHIM_LINUX_EXPORT_H
#define EXPORT_SYMBOL(sym) extern typeof(sym) sym
#define EXPORT_SYMBOL_GPL(sym) extern typeof(sym) sym
#define EXPORT_SYMBOL_NS(sym, ns) extern typeof(sym) sym
#define EXPORT_SYMBOL_NS_GPL(sym, ns) extern typeof(sym) sym
#define THIS_MODULE ((struct module *)0)
#endif

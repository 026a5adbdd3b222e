/* SPDX-License-Identifier: MIT */
/* linux/moduleparam.h (shim) - parameters registered by name with the selftest runner. */
#ifndef _FENCEFUZZ_SHIM_LINUX_MODULEPARAM_H
#define _FENCEFUZZ_SHIM_LINUX_MODULEPARAM_H
#include <linux/compiler_types.h>
/* @type: "bool" (a bool *) or "charp" (a char **). */
void ktree_module_register_param(const char *name, const char *type, void *var);
#define module_param_named(name, var, type, perm)                                    \
	static void __attribute__((constructor)) __PASTE(__ff_param_, name)(void)     \
	{                                                                            \
		ktree_module_register_param(#name, #type, &(var));                   \
	}
#define module_param(var, type, perm) module_param_named(var, var, type, perm)
#define MODULE_PARM_DESC(p, d)
#endif

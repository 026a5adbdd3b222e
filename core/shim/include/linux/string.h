/* SPDX-License-Identifier: MIT */
/* linux/string.h (shim) - libc's string functions, plus kstrdup() on the runtime's slab. */
#ifndef _FENCEFUZZ_SHIM_LINUX_STRING_H
#define _FENCEFUZZ_SHIM_LINUX_STRING_H
#include <string.h>
#include <linux/slab.h>
#define kstrdup(s, gfp)                                                      \
	({                                                                   \
		const char *__ff_s = (s);                                    \
		char *__ff_d = __ff_s ? kmalloc(strlen(__ff_s) + 1, (gfp)) : NULL; \
		if (__ff_d)                                                  \
			strcpy(__ff_d, __ff_s);                              \
		__ff_d;                                                      \
	})
#endif

/* SPDX-License-Identifier: MIT */
/*
 * fence/module-abi.h - the C ABI between the core and a real loadable
 * module: a shared object that fence_module_load_so() dlopen()s and
 * fence_module_unload() dlclose()s, so that unload truly unmaps its code,
 * its ops tables and its name strings.
 *
 * A module .so exports one symbol, with C linkage and default visibility:
 *
 *	extern "C" const struct fence_module_desc *fence_module_entry(void);
 *
 * and keeps everything else hidden. The descriptor it returns says which
 * driver model it implements and points at its ops tables and name strings,
 * all in the .so's own memory. The core passes it a host table at load: the
 * services an op may call (the per-fence state, the simulated hardware and
 * the fence bookkeeping stay in the core, as they do for simulated modules).
 * The .so links against nothing of the core: every call from the .so into
 * the core goes through the host table.
 *
 *	static const struct fence_module_host *host;
 *	static char drv[FENCE_MODULE_NAME_LEN];
 *
 *	static const char *get_driver_name(struct dma_fence *f)
 *	{
 *		host->enter(f, "get_driver_name");	// faults if the module is gone
 *		host->exit();
 *		return drv;
 *	}
 *
 * Rules for a module .so:
 *  - every op calls host->enter() first and host->exit() before it returns
 *    (the fault handler then names the op that touched an unloaded module);
 *  - ops_pinned is ops plus a ->release that calls host->release() (the
 *    core uses it for FENCE_CREATE_EXTERN_LOCK fences, which pin the module);
 *  - nothing may keep the .so mapped after dlclose(): no STB_GNU_UNIQUE
 *    symbols (inline or template statics with default visibility), no
 *    thread_local with destructors, no RTLD_NODELETE. The core checks at
 *    unload that the mapping is gone and WARNs if it is not;
 *  - init() runs once per load, before any fence exists. The core loads a
 *    private copy of the file when the same path is already loaded, so each
 *    load has its own static data.
 *
 * Versioning: abi_version must equal FENCE_MODULE_ABI_VERSION, and
 * fence_size/ops_size the core's sizeof(struct dma_fence) and
 * sizeof(struct dma_fence_ops); otherwise the load fails with -ENOEXEC.
 */
#pragma once

#include <cstddef>

#include "fence/dma-fence.h"
#include "fence/module.h"

#define FENCE_MODULE_ABI_VERSION 1u
#define FENCE_MODULE_ENTRY_SYMBOL "fence_module_entry"
/* Size of the name buffers a module keeps (driver and timeline name). */
#define FENCE_MODULE_NAME_LEN 64

/**
 * struct fence_module_host - what the core offers a module .so
 * @abi_version: FENCE_MODULE_ABI_VERSION
 * @enter: an op starts on @fence: record @op for the fault handler and
 *	check that the module is loaded (faults, naming the module, if not)
 * @exit: the op is done
 * @hw_seqno: HW model: the seqno the module's simulated hardware reached
 * @arm: HW model: arm the interrupt for @fence; fence lock held
 * @assert_held: lockdep-style check that the fence lock is held
 * @release: the pinned variant's ->release calls it: unpins the module and
 *	frees @fence (RCU-safe). The caller must not touch @fence afterwards.
 */
struct fence_module_host {
	unsigned abi_version;
	void (*enter)(struct dma_fence *fence, const char *op);
	void (*exit)(void);
	u64 (*hw_seqno)(struct dma_fence *fence);
	void (*arm)(struct dma_fence *fence);
	void (*assert_held)(struct dma_fence *fence);
	void (*release)(struct dma_fence *fence);
};

/**
 * struct fence_module_desc - what a module .so offers the core
 * @abi_version: FENCE_MODULE_ABI_VERSION
 * @fence_size: sizeof(struct dma_fence) the module was built with
 * @ops_size: sizeof(struct dma_fence_ops) the module was built with
 * @model: the driver model it implements: FENCE_MODEL_NAMES or FENCE_MODEL_HW
 * @init: called once after dlopen(): keep @host, build the name strings
 *	from @name. Return: 0 or a negative errno (the load then fails with it).
 * @ops: the ops its fences carry (in the .so's memory)
 * @ops_pinned: @ops plus a ->release that calls host->release()
 * @driver_name: the buffer get_driver_name returns (FENCE_MODULE_NAME_LEN)
 * @timeline_name: the buffer get_timeline_name returns (FENCE_MODULE_NAME_LEN)
 */
struct fence_module_desc {
	unsigned abi_version;
	unsigned fence_size;
	unsigned ops_size;
	enum fence_driver_model model;
	int (*init)(const struct fence_module_host *host, const char *name);
	const struct dma_fence_ops *ops;
	const struct dma_fence_ops *ops_pinned;
	const char *driver_name;
	const char *timeline_name;
};

typedef const struct fence_module_desc *(*fence_module_entry_fn)(void);

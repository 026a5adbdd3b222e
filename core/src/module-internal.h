/* SPDX-License-Identifier: MIT */
/*
 * core/src/module-internal.h - between module.cpp (simulated modules, the
 * unload rules, the fault handler) and module-so.cpp (real modules: dlopen,
 * dlclose). Internal: not installed, not included by users.
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "fence/module.h"

struct fence_so; /* module-so.cpp: one loaded .so */

/*
 * What the fault handler knows about an unloaded .so: its old mapping
 * [start, end) (kept PROT_NONE until the dead slot is reused; start == 0
 * when nothing was recorded), its executable part, where its ops tables,
 * their functions and its name buffers were. Plain data, read from the
 * signal handler.
 */
struct fence_so_dead {
	uintptr_t start, end;
	uintptr_t text_start, text_end;
	uintptr_t ops[2];
	uintptr_t fn[2][7]; /* the ops' function pointers, in struct dma_fence_ops order */
	uintptr_t names[2]; /* driver, timeline name buffers */
	char file[48];	    /* basename of the .so that was loaded */
};

/* ---- module.cpp ------------------------------------------------------------------ */

/*
 * fence_module_load_ext - fence_module_load(), with the ops tables a .so
 * provides (@ops for plain fences, @ops_pinned for FENCE_CREATE_EXTERN_LOCK
 * ones) and the .so unload hands to fence_so_unmap().
 */
int fence_module_load_ext(const char *name, enum fence_driver_model model,
			  const struct dma_fence_ops *ops, const struct dma_fence_ops *ops_pinned,
			  struct fence_so *so, struct fence_module **out) noexcept;

/* The host services of struct fence_module_host (fence/module-abi.h). */
void fence_module_host_enter(struct dma_fence *f, const char *op) noexcept;
void fence_module_host_exit() noexcept;
u64 fence_module_host_hw_seqno(struct dma_fence *f) noexcept;
void fence_module_host_arm(struct dma_fence *f) noexcept;
void fence_module_host_release(struct dma_fence *f) noexcept;

/* ---- module-so.cpp --------------------------------------------------------------- */

/*
 * fence_so_unmap - called by fence_module_unload() after the grace period:
 * dlclose() the .so, reserve its old range PROT_NONE, describe it in @dead,
 * free @so. WARNs if dlclose() left the .so mapped.
 */
void fence_so_unmap(struct fence_so *so, struct fence_so_dead *dead) noexcept;

/*
 * fence_so_describe - from the fault handler: if @addr lies in the unloaded
 * .so @dead, write what it was into @buf ("code of ops[0].signaled", "driver
 * name string", ...), set *@op to the op whose code it is if *@op is NULL,
 * and return true. Async-signal-safe (snprintf aside, as in module.cpp).
 */
bool fence_so_describe(const struct fence_so_dead *dead, uintptr_t addr, char *buf, size_t len,
		       const char **op) noexcept;

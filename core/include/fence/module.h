/* SPDX-License-Identifier: MIT */
/*
 * fence/module.h - fence issuers with a lifetime: simulated loadable modules.
 *
 * A module is what issues fences in the kernel: a driver with its own
 * dma_fence_ops table and name strings. Here a module is loaded at run
 * time, issues fences, and is unloaded; after unload its ops table, its
 * name strings and its state are really gone:
 *
 *  - they live in one page of their own (the module "image"), which unload
 *    makes inaccessible (PROT_NONE) after an RCU grace period;
 *  - every access to an unloaded image, through a stale ops pointer, a
 *    cached name string or a call into one of its ops, faults, and the
 *    fault handler names the module, the field and the op before the
 *    sanitizer (or the default action) reports the crash:
 *	fencefuzz: access to unloaded module 'gpu0' (ops[0].release), in op release
 *
 * Unload follows the kernel rule for "Independence for dma_fences!":
 *  1. fences the module still has pending are force-completed with
 *     -ENODEV (as a driver's teardown does with its hardware queue);
 *  2. if any live fence still keeps the ops attached (ops with ->release or
 *     ->wait never detach), unload is refused with -EBUSY and the module
 *     stays loaded and usable; fence_module_live_pinned() says how many;
 *  3. otherwise it waits a grace period, frees its recycling cache and
 *     makes the image inaccessible.
 * Fences that detached at signal outlive their module: status, names
 * ("detached-driver"/"signaled-timeline"), wait, describe and put work.
 *
 * Driver models (enum fence_driver_model), the shapes real drivers have:
 *  NAMES     names only (the selftests' mock); detaches at signal
 *  HW        ->enable_signaling + ->signaled polling a simulated hardware
 *            seqno; fence_module_irq() is the interrupt; detaches
 *  RECYCLE   custom ->release into a typesafe-by-RCU cache: released fences
 *            are reused at once by the next create and freed only after a
 *            grace period at unload; pinned (never detaches)
 *  WAIT      deprecated custom ->wait (plus ->release, so the module knows
 *            when its fences die); pinned
 *  DEADLINE  ->set_deadline records the earliest deadline; detaches
 *  TIMELINE  sw_sync style: ->signaled reads the timeline value and
 *            fence_module_timeline_inc(n) signals every fence at or below
 *            the new value; detaches
 * Any model can issue a fence on the module's shared external lock
 * (FENCE_CREATE_EXTERN_LOCK, deprecated in 7.1). Such a fence must not
 * outlive the lock, so it uses a variant of the ops with a ->release and
 * pins the module like RECYCLE does.
 *
 * The module keeps one reference to each fence it issued until that fence
 * signals; it drops the references of signaled fences at its next create,
 * irq, inc or unload (reap), so refcounts are deterministic.
 *
 * Threads: all calls may race with each other and with fence operations,
 * except that nothing may call into a module while or after it is unloaded
 * (in the kernel the module refcount forbids it).
 */
#pragma once

#ifdef FENCE_BACKEND_TREE
/*
 * The same module system over a kernel tree's dma-fence.c (module.cpp built
 * with FENCE_BACKEND_TREE: fence_module_tree). Its symbols live in an inline
 * namespace, so a binary that links both cores' runtime never mixes the two.
 */
#include "fencefuzz/tree-api.h"
#define FENCE_MODULE_API_BEGIN inline namespace ktree {
#define FENCE_MODULE_API_END }
#else
#include "fence/dma-fence.h"
#define FENCE_MODULE_API_BEGIN
#define FENCE_MODULE_API_END
#endif

FENCE_MODULE_API_BEGIN

enum fence_driver_model {
	FENCE_MODEL_NAMES,
	FENCE_MODEL_HW,
	FENCE_MODEL_RECYCLE,
	FENCE_MODEL_WAIT,
	FENCE_MODEL_DEADLINE,
	FENCE_MODEL_TIMELINE,
	FENCE_MODEL_COUNT,
};

/* Create flags. */
#define FENCE_CREATE_SEQNO64 0x1u	/* dma_fence_init64() */
#define FENCE_CREATE_EXTERN_LOCK 0x2u /* the module's shared lock; pins the module */

struct fence_module;

/**
 * fence_module_load - load a simulated module
 * @name: module name (up to 31 characters are kept)
 * @model: its driver model
 * @out: receives the module
 *
 * Context: Process context.
 * Return: 0, -EINVAL for a bad model, -ENOMEM.
 */
int fence_module_load(const char *name, enum fence_driver_model model,
		      struct fence_module **out) noexcept;

/**
 * fence_module_load_so - load a real module: a shared object (fence/module-abi.h)
 * @name: module name (up to 31 characters are kept)
 * @path: the .so; dlopen()ed (a private copy if that path is already loaded)
 * @out: receives the module
 *
 * The module's ops tables, name strings and op code live in the .so; the
 * core keeps its bookkeeping (pending list, pins, simulated hardware) as for
 * fence_module_load(), and every other fence_module_*() call works on it.
 * Unload follows the same rules, then dlclose()s the .so: its code and data
 * are unmapped, and the range stays reserved (PROT_NONE) for a while so that
 * a stale ops pointer, a cached name or a call into its code faults and the
 * fault handler names the module ("access to unloaded module '<name>'").
 *
 * Context: Process context.
 * Return: 0; -EINVAL on bad arguments; -ENOENT if dlopen() fails (the reason
 * is printed); -ENOEXEC if the .so has no fence_module_entry or a different
 * ABI; the error of its init(); -ENOMEM.
 */
#ifndef FENCE_BACKEND_TREE /* the .so ABI (fence/module-abi.h) is the port's */
int fence_module_load_so(const char *name, const char *path, struct fence_module **out) noexcept;
#endif

/**
 * fence_module_unload - unload a module (see the rules above)
 * @mod: the module; invalid after a successful unload
 *
 * Context: Process context, sleeps for a grace period. Not inside RCU.
 * Return: 0 once the module is gone; -EBUSY if live fences still pin it.
 */
int fence_module_unload(struct fence_module *mod) noexcept;

/**
 * fence_module_create_fence - issue a fence
 * @mod: the issuing module
 * @seqno: its sequence number on the module's context
 * @flags: FENCE_CREATE_*
 *
 * Context: Process context (allocates).
 * Return: a new fence with one reference for the caller (the module keeps
 * another until the fence signals), or NULL on allocation failure.
 */
struct dma_fence *fence_module_create_fence(struct fence_module *mod, u64 seqno,
					    unsigned flags) noexcept;

/**
 * fence_module_irq - the simulated hardware interrupt of a HW module
 * @mod: a FENCE_MODEL_HW module
 * @hw_seqno: the seqno the hardware has reached (the counter never goes back)
 *
 * Signals every pending fence at or below the hardware seqno whose
 * signaling was enabled; others stay for ->signaled polling to find.
 *
 * Context: Any context; do not hold a fence lock.
 * Return: the number of fences signaled, -EINVAL if @mod is not HW.
 */
int fence_module_irq(struct fence_module *mod, u64 hw_seqno) noexcept;

/**
 * fence_module_timeline_inc - advance a TIMELINE module's value, as sw_sync's inc
 * @mod: a FENCE_MODEL_TIMELINE module
 * @n: the increment
 *
 * Context: Any context; do not hold a fence lock.
 * Return: the number of fences signaled, -EINVAL if @mod is not TIMELINE.
 */
int fence_module_timeline_inc(struct fence_module *mod, u64 n) noexcept;

/* Accessors. Context: any, module loaded. */
const char *fence_module_name(const struct fence_module *mod) noexcept;
enum fence_driver_model fence_module_model(const struct fence_module *mod) noexcept;
u64 fence_module_context(const struct fence_module *mod) noexcept;
/* Live fences that keep the module's ops attached (block unload). */
long fence_module_live_pinned(const struct fence_module *mod) noexcept;
/* Fences on the module's pending list (it holds a reference to each). */
long fence_module_pending(const struct fence_module *mod) noexcept;
/* Current hardware seqno (HW) or timeline value (TIMELINE). */
u64 fence_module_hw_seqno(const struct fence_module *mod) noexcept;
/* Number of modules loaded now. */
long fence_module_count_loaded() noexcept;

/*
 * fence_module_fence_deadline - for a fence issued by a DEADLINE module,
 * the earliest deadline its ->set_deadline saw, or 0. Reads the fence, not
 * the module, so it works after unload. Context: any.
 */
ktime_t fence_module_fence_deadline(struct dma_fence *fence) noexcept;

/*
 * fence_module_contract_take - the first breach of the driver contract
 * (how the core may call a module's ops: the kernel-doc of struct
 * dma_fence_ops, checked by every op of every simulated module, module.cpp)
 * since the last take, as "driver_<op>: what (fence ctx:seqno of module
 * 'name')" into @buf, and forget it. The harness takes it after every op
 * (check_contracts()). Return: 1 if there was one, else 0. Context: any.
 */
int fence_module_contract_take(char *buf, size_t len) noexcept;

/* Name of a driver model ("names", "hw", ...); NULL if out of range. */
const char *fence_driver_model_name(enum fence_driver_model model) noexcept;

/*
 * fence_module_install_fault_handler - install the SIGSEGV/SIGBUS handler
 * that names unloaded modules. fence_module_load() does it on first use;
 * call it again after something else replaced the handlers (it chains to
 * whatever was installed before it).
 */
void fence_module_install_fault_handler() noexcept;

/*
 * The driver contract (which fences pin their module). Under 7.1 (the
 * port's), only fences whose ops keep ->release or ->wait pin the module:
 * the rest detach at signal, and unload waits a grace period for readers.
 * Before the series no fence detaches, so a driver must keep its module
 * until every fence it issued is released: on a tree without detach every
 * fence gets the ops variant with a ->release and pins. The environment
 * variable FENCEFUZZ_DRIVER_CONTRACT=7.1 (read at first use) makes the tree's
 * modules follow the 7.1 contract anyway: a driver written for 7.1 run on an
 * older kernel, the series' motivating use-after-unload.
 * Return: true if every fence pins its module until it is released.
 */
bool fence_module_pins_until_release() noexcept;

FENCE_MODULE_API_END

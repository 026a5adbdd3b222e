/* SPDX-License-Identifier: MIT */
/*
 * core/modules/so_module.h - what every module .so shares (fence/module-abi.h).
 *
 * Included once by each module source, which defines SO_MODEL and
 * SO_MODEL_NAME and its model-specific ops, then FENCE_SO_MODULE(ops...).
 * Everything here has internal linkage: the .so exports fence_module_entry
 * and nothing else, and has no symbol that could pin it in memory
 * (STB_GNU_UNIQUE), so dlclose() really unmaps it.
 *
 * The ops run in the .so: they read its static data (the host table, the
 * name buffers, counters) and call the core only through the host table.
 */
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "fence/module-abi.h"

#define SO_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/* The module's static data: one copy per load (the core loads private copies). */
const struct fence_module_host *host;
char driver_name[FENCE_MODULE_NAME_LEN];
char timeline_name[FENCE_MODULE_NAME_LEN];
unsigned long n_released; /* pinned fences released: bookkeeping after the unpin */

const char *so_get_driver_name(struct dma_fence *f)
{
	host->enter(f, "get_driver_name");
	host->exit();
	return driver_name;
}

const char *so_get_timeline_name(struct dma_fence *f)
{
	host->enter(f, "get_timeline_name");
	host->exit();
	return timeline_name;
}

/*
 * The pinned variant's ->release: unpin and free through the core, then
 * the driver's own bookkeeping. That last write is module memory touched
 * after the module stopped being pinned: it is safe only because the core
 * calls ->release inside an RCU read-side section, which the unload's grace
 * period waits for.
 */
void so_release(struct dma_fence *f)
{
	host->enter(f, "release");
	host->exit();
	host->release(f);
	std::atomic_ref<unsigned long>(n_released).fetch_add(1, std::memory_order_relaxed);
}

int so_init(const struct fence_module_host *h, const char *name, const char *model)
{
	if (!h || h->abi_version != FENCE_MODULE_ABI_VERSION)
		return -ENOEXEC;
	host = h;
	snprintf(driver_name, sizeof(driver_name), "%.31s", name);
	snprintf(timeline_name, sizeof(timeline_name), "%.31s.%s.so", name, model);
	return 0;
}

} // namespace

/*
 * FENCE_SO_MODULE(model, "model", { ops... }) - the descriptor and the entry
 * point. The ops initializer lists the model's optional ops; the names and,
 * for the pinned variant, ->release are added here.
 */
#define FENCE_SO_MODULE(MODEL, MODEL_NAME, ...)                                          \
	namespace {                                                                       \
	int so_module_init(const struct fence_module_host *h, const char *name)           \
	{                                                                                 \
		return so_init(h, name, MODEL_NAME);                                      \
	}                                                                                 \
	constexpr struct dma_fence_ops so_with_names(struct dma_fence_ops o, bool pinned) \
	{                                                                                 \
		o.get_driver_name = so_get_driver_name;                                   \
		o.get_timeline_name = so_get_timeline_name;                               \
		if (pinned)                                                               \
			o.release = so_release;                                           \
		return o;                                                                 \
	}                                                                                 \
	const struct dma_fence_ops so_ops = so_with_names(__VA_ARGS__, false);            \
	const struct dma_fence_ops so_ops_pinned = so_with_names(__VA_ARGS__, true);      \
	const struct fence_module_desc so_desc = {                                        \
		FENCE_MODULE_ABI_VERSION,                                                 \
		sizeof(struct dma_fence),                                                 \
		sizeof(struct dma_fence_ops),                                             \
		MODEL,                                                                    \
		so_module_init,                                                           \
		&so_ops,                                                                  \
		&so_ops_pinned,                                                           \
		driver_name,                                                              \
		timeline_name,                                                            \
	};                                                                                \
	}                                                                                 \
	SO_EXPORT const struct fence_module_desc *fence_module_entry(void) { return &so_desc; }

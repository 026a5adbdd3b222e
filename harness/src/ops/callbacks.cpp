// SPDX-License-Identifier: MIT
//
// ops/callbacks.cpp - the callback family: add_cb, remove_cb, drop_cb,
// enable_sw. A callback slot may be queued on one fence at a time; the
// harness holds a reference on the callback's fence until the slot is reused
// or torn down (a fence must outlive its queued callbacks). Callbacks record
// what they saw (world.h); the checker compares that with the model's events.
#include "../catalog.h"

namespace harness {
namespace {

// ---- add_cb f c -------------------------------------------------------------------
bool legal_add_cb(const model &m, const op &o) { return fence0(m, o) && !m.cb_pending[o.a[1]]; }
// The callback contract of add_callback(): 0 and queued (so, once the fence
// is signaled under its lock, the callback has run), or -ENOENT on a
// signaled fence without running it.
void check_added(hcb &h, int ret)
{
	if (ret == 0) {
		unsigned long flags;
		dma_fence_lock_irqsave(h.held, flags);
		const bool lost = dma_fence_test_signaled_flag(h.held) &&
				  h.runs.load(std::memory_order_acquire) == 0;
		dma_fence_unlock_irqrestore(h.held, flags);
		if (lost)
			contract_broken("cb_never: add_callback() = 0, the fence is signaled and the "
					"callback never ran");
	} else if (ret != -ENOENT || !dma_fence_test_signaled_flag(h.held)) {
		contract_broken("cb_state: add_callback() = " + std::to_string(ret) + " on a fence " +
				(dma_fence_test_signaled_flag(h.held) ? "" : "not ") + "signaled");
	} else if (h.runs.load(std::memory_order_acquire) != 0) {
		contract_broken("cb_state: add_callback() = -ENOENT, but the callback ran");
	}
}
// remove_callback() says true iff the callback was still queued: then it
// never ran; false (after an add that queued it): it ran exactly once.
void check_removed(hcb &h, bool removed)
{
	if (!h.added)
		return;
	h.added = false;
	const int runs = h.runs.load(std::memory_order_acquire);
	if (removed && runs != 0)
		contract_broken("cb_twice: remove_callback() removed a callback that had run");
	else if (!removed && runs != 1)
		contract_broken("cb_never: remove_callback() says the callback ran; it ran " +
				std::to_string(runs) + " times");
}

bool thread_add_cb(const world &w, const op &o)
{
	return w.fence[o.a[0]] && !w.cbs[o.a[1]].queued;
}
outcome core_add_cb(world &w, const op &o)
{
	hcb &h = w.cbs[o.a[1]];
	struct dma_fence *old = h.held;
	h.held = dma_fence_get(w.fence[o.a[0]]);
	dma_fence_put(old);
	h.runs.store(0, std::memory_order_relaxed);
	h.queued = true; // before: another thread may run it once it is queued
	int ret = dma_fence_add_callback(h.held, &h.cb, harness_cb_func);
	if (ret)
		h.queued = false;
	h.added = ret == 0;
	check_added(h, ret);
	return {ret, ""};
}
outcome model_add_cb(model &m, const op &o)
{
	int slot = static_cast<int>(o.a[1]);
	int f = fence_arg(m, o, 0);
	int old = m.cb_fence[slot];
	m.get(f);
	m.cb_fence[slot] = f;
	if (old >= 0)
		m.put(old);
	int ret;
	m.add_cb(f, slot, &ret);
	return {ret, ""};
}
// A lockless "already signaled?" check, then under the lock: enable (which
// sets ENABLE_SIGNAL even if a signal came in between) and queue unless
// signaled.
bool lin_add_cb(lin_ctx &c)
{
	const int f = c.m.fslot[c.r.o.a[0]];
	if (c.first && !c.m.fences[f].signaled)
		return false;
	if (!c.first)
		c.m.enable(f);
	*c.expected = model_add_cb(c.m, c.r.o);
	return true;
}

// ---- remove_cb c: only for a cb that was passed to add_callback (else undefined).
bool legal_cb_added(const model &m, const op &o) { return m.cb_fence[o.a[0]] >= 0; }
bool thread_cb_added(const world &w, const op &o) { return w.cbs[o.a[0]].held != nullptr; }
outcome core_remove_cb(world &w, const op &o)
{
	hcb &h = w.cbs[o.a[0]];
	bool removed = dma_fence_remove_callback(h.held, &h.cb);
	if (removed)
		h.queued = false;
	check_removed(h, removed);
	return {removed, ""};
}
outcome model_remove_cb(model &m, const op &o)
{
	return {m.remove_cb(static_cast<int>(o.a[0])), ""};
}

// ---- drop_cb c: remove the cb if still queued, then drop the harness's reference.
outcome core_drop_cb(world &w, const op &o)
{
	hcb &h = w.cbs[o.a[0]];
	bool removed = dma_fence_remove_callback(h.held, &h.cb);
	if (removed)
		h.queued = false;
	check_removed(h, removed);
	dma_fence_put(h.held);
	h.held = nullptr;
	return {removed, ""};
}
outcome model_drop_cb(model &m, const op &o)
{
	int slot = static_cast<int>(o.a[0]);
	bool removed = m.remove_cb(slot);
	int f = m.cb_fence[slot];
	m.cb_fence[slot] = -1;
	m.put(f);
	return {removed, ""};
}

// ---- enable_sw f ------------------------------------------------------------------
outcome core_enable_sw(world &w, const op &o)
{
	dma_fence_enable_sw_signaling(w.fence[o.a[0]]);
	return {0, ""};
}
outcome model_enable_sw(model &m, const op &o)
{
	m.enable(fence_arg(m, o, 0));
	return {0, ""};
}

const op_desc kOps[] = {
	{.kind = op_kind::add_cb,
	 .help = "dma_fence_add_callback",
	 .args = {arg_type::fence, arg_type::cb},
	 .legal = legal_add_cb,
	 .thread_legal = thread_add_cb,
	 .core = core_add_cb,
	 .model_fn = model_add_cb,
	 .lin_step = lin_add_cb},
	{.kind = op_kind::remove_cb,
	 .help = "dma_fence_remove_callback on the cb's fence",
	 .args = {arg_type::cb},
	 .legal = legal_cb_added,
	 .thread_legal = thread_cb_added,
	 .core = core_remove_cb,
	 .model_fn = model_remove_cb},
	{.kind = op_kind::drop_cb,
	 .help = "remove the cb if queued, drop the harness's ref on its fence",
	 .args = {arg_type::cb},
	 .legal = legal_cb_added,
	 .thread_legal = thread_cb_added,
	 .core = core_drop_cb,
	 .model_fn = model_drop_cb},
	{.kind = op_kind::enable_sw,
	 .help = "dma_fence_enable_sw_signaling",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_enable_sw,
	 .model_fn = model_enable_sw},
};

} // namespace

const op_family family_callbacks = {"callbacks", kOps, std::size(kOps)};

} // namespace harness

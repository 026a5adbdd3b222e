// SPDX-License-Identifier: MIT
//
// world.cpp - see world.h.
#include "world.h"

#include <algorithm>

namespace harness {

namespace {
thread_local std::vector<cb_record> *t_cb_sink;
thread_local std::string *t_contract_sink;
std::mutex g_contract_lock;
std::string g_contract_first; // broken contracts outside any sink
} // namespace

pipe_counters world::pipe;

void set_contract_sink(std::string *sink) noexcept { t_contract_sink = sink; }

void contract_broken(const std::string &what)
{
	if (t_contract_sink) {
		if (t_contract_sink->empty()) // the first one tells
			*t_contract_sink = what;
		return;
	}
	std::lock_guard<std::mutex> g(g_contract_lock);
	if (g_contract_first.empty())
		g_contract_first = what;
}

world::world()
{
	// A driver-contract breach an earlier program left untaken (it ended
	// in a divergence first) is not this program's.
	fence_module_contract_take(nullptr, 0);
	for (int i = 0; i < kCbSlotSpace; i++) {
		cbs[i].w = this;
		cbs[i].slot = i;
		INIT_LIST_HEAD(&cbs[i].cb.node);
	}
	for (auto &s : rslot)
		RCU_INIT_POINTER(s, static_cast<struct dma_fence *>(nullptr));
}

void world::set_fence(int slot, struct dma_fence *f)
{
	struct dma_fence *old = fence[slot];
	fence[slot] = f;
	dma_fence_put(old);
}

struct dma_fence *world::rslot_fence(int r) const { return rcu_dereference_protected(rslot[r], true); }

struct dma_fence *world::replace_rslot(int r, struct dma_fence *f)
{
	// Real threads: the slot's lock orders the writers (rcu_replace_pointer's
	// condition) and guards the history. The deterministic scheduler runs one
	// logical thread at a time and may switch inside the core: no lock there.
	std::unique_lock<std::mutex> g(rslot_lock[r], std::defer_lock);
	if (real_threads)
		g.lock();
	rslot_history &h = rhist[r];
	const uint64_t gen = h.gen.load(std::memory_order_relaxed) + 1;
	h.last[gen % rslot_history::kLen] = {gen, f ? f->context : 0, f ? f->seqno : 0, f};
	h.gen.store(gen, std::memory_order_release);
	return rcu_replace_pointer(rslot[r], f, true);
}

const wmodule *world::find_module(uint64_t ctx) const
{
	const int n = std::min(loads.load(std::memory_order_acquire), kMaxLoads);
	for (int i = 0; i < n; i++)
		if (loaded[i].ready.load(std::memory_order_acquire) && loaded[i].context == ctx)
			return &loaded[i];
	return nullptr;
}

void world::register_module(int n, struct fence_module *m, bool so)
{
	if (n < 0 || n >= kMaxLoads)
		return;
	wmodule &e = loaded[n];
	e.context = fence_module_context(m);
	e.driver = fence_module_name(m);
	e.timeline = e.driver + "." + fence_driver_model_name(fence_module_model(m)) + (so ? ".so" : ".tl");
	e.state.store(WMOD_LOADED, std::memory_order_relaxed);
	e.ready.store(true, std::memory_order_release); // complete when seen
}

void set_cb_sink(std::vector<cb_record> *sink) noexcept { t_cb_sink = sink; }

void harness_cb_func(struct dma_fence *f, struct dma_fence_cb *cb)
{
	hcb *h = container_of(cb, hcb, cb);
	cb_record r{h->slot,
		    -1,
		    std::atomic_ref<int>(f->error).load(),
		    test_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &f->flags),
		    f == h->held,
		    f->timestamp};
	// The callback contract: once per add, on the fence it was added to,
	// which is signaled (with its timestamp) before its callbacks run.
	if (h->runs.fetch_add(1, std::memory_order_acq_rel) != 0)
		r.broke = "cb_twice: a callback ran twice";
	else if (!r.right_fence)
		r.broke = "cb_state: a callback ran for another fence";
	else if (!dma_fence_test_signaled_flag(f))
		r.broke = "cb_state: a callback ran on an unsignaled fence";
	else if (!r.ts_bit)
		r.broke = "cb_state: a callback ran before its fence's timestamp was set";
	if (t_cb_sink)
		t_cb_sink->push_back(r);
	else
		h->w->events.push_back(r);
	h->queued = false; // last: the cb is the owner's again
}

std::vector<op> teardown_ops(const world &w)
{
	std::vector<op> ops;
	auto mk = [&](op_kind k, int a0 = 0) {
		op o;
		o.kind = k;
		o.a[0] = static_cast<uint64_t>(a0);
		ops.push_back(o);
	};
	// Only what is in use, so a log's teardown shows what was left over.
	for (int r = 0; r < kRcuSlots; r++)
		if (w.rslot_fence(r))
			mk(op_kind::clear, r);
	for (int c = 0; c < kCbSlotSpace; c++)
		if (w.cbs[c].held)
			mk(op_kind::drop_cb, c);
	for (int f = 0; f < kFenceSlotSpace; f++)
		if (w.fence[f])
			mk(op_kind::put, f);
	if (signal_pending(current))
		mk(op_kind::sig_clear);
	for (int m = 0; m < kModuleSlots; m++)
		if (w.mod[m])
			mk(op_kind::unload, m);
	return ops;
}

} // namespace harness

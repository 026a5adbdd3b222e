// SPDX-License-Identifier: MIT
//
// world.cpp - see world.h.
#include "world.h"

namespace harness {

namespace {
thread_local std::vector<cb_record> *t_cb_sink;
}

world::world()
{
	for (int i = 0; i < kCbSlotSpace; i++) {
		cbs[i].w = this;
		cbs[i].slot = i;
		INIT_LIST_HEAD(&cbs[i].cb.node);
	}
	for (auto &s : rslot)
		RCU_INIT_POINTER(s, nullptr);
}

void world::set_fence(int slot, struct dma_fence *f)
{
	struct dma_fence *old = fence[slot];
	fence[slot] = f;
	dma_fence_put(old);
}

struct dma_fence *world::rslot_fence(int r) const { return rcu_dereference_protected(rslot[r], true); }

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

// SPDX-License-Identifier: MIT
//
// harness/src/world.h - the core objects behind a program's slots, shared by
// every runner (the sequential session, the deterministic-scheduler runner).
// Internal to harness/.
//
// A world holds the references the harness keeps: one per fence slot, one per
// callback slot (on the fence the callback was added to, so that the fence
// outlives its queued callback), one per RCU slot; the loaded modules; and the
// callback recorder. Ops change it only through the catalog (catalog.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "fence/fence.h"
#include "fence/module.h"
#include "harness/program.h"

namespace harness {

struct world;

// What a callback saw when it ran, recorded by the harness's callback function.
struct cb_record {
	int slot;	  // callback slot (global numbering)
	int fence_id;	  // the model id of the fence, filled in by whoever compares (-1)
	int error;	  // the fence's error when it ran
	bool ts_bit;	  // the TIMESTAMP bit was set before it ran
	bool right_fence; // it ran for the fence it was added to
	int64_t ts;	  // the fence's timestamp when it ran
};

// A callback slot: the dma_fence_cb plus the reference the harness keeps on
// the fence it was added to.
struct hcb {
	struct dma_fence_cb cb;
	world *w;
	int slot;
	struct dma_fence *held;
	// Added and neither run nor removed (concurrent legality). Atomic: a
	// signalling thread clears it from the callback while the owner may
	// look (real threads).
	std::atomic<bool> queued;
};

struct world {
	struct dma_fence *fence[kFenceSlotSpace] = {};
	struct fence_module *mod[kModuleSlots] = {};
	hcb cbs[kCbSlotSpace] = {};
	fence::rcu_ptr<struct dma_fence> rslot[kRcuSlots]{};
	// The update side of an RCU slot (rcu_replace_pointer's condition) for
	// runners whose threads really run at once; the deterministic scheduler
	// runs one logical thread at a time and has no switch point inside.
	std::mutex rslot_lock[kRcuSlots];
	bool real_threads = false;
	std::vector<cb_record> events; // callbacks run since the last take
	int loads = 0;		       // modules loaded so far: names mod0, mod1, ...

	world();
	world(const world &) = delete;
	world &operator=(const world &) = delete;

	// Put a new reference into fence slot @slot (the old one is dropped after).
	void set_fence(int slot, struct dma_fence *f);
	// The fence an RCU slot holds (update side: the harness's own view).
	struct dma_fence *rslot_fence(int r) const;
};

// While set (per thread), callbacks are recorded into @sink instead of the
// world's own event list; nullptr restores the default. The concurrent
// runners record each op's callbacks with it.
void set_cb_sink(std::vector<cb_record> *sink) noexcept;

// The callback function of every harness callback slot.
void harness_cb_func(struct dma_fence *f, struct dma_fence_cb *cb);

// The ops that drop every reference the world holds and unload every module,
// computed from the world itself, in the order the teardown runs them: RCU
// slots, callbacks, fence slots, the pending signal, modules. Both runners
// tear down with these ops (checked or not).
std::vector<op> teardown_ops(const world &w);

} // namespace harness

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
#include <string>
#include <vector>

#include "harness/core_api.h"
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
	// The callback contract it broke (ran twice, on an unsignaled fence), or
	// nullptr: checked by every runner (contract.h).
	const char *broke = nullptr;
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
	// Runs since it was last added (a callback runs at most once).
	std::atomic<int> runs;
	// The last add queued it (add_callback() = 0) and no remove came since:
	// the owner's own record.
	bool added;
};

// What the world knows of each module it loaded, for the contracts that
// need a module's names and its unload's progress (the grace-period oracle:
// a read-side section that used a module must not see its unload complete).
// Entries are written once by the loading thread, then read by any.
enum wmod_state { WMOD_LOADED, WMOD_UNLOADING, WMOD_UNLOADED };
struct wmodule {
	uint64_t context = 0;
	std::string driver, timeline; // the names its unsignaled fences report
	std::atomic<bool> ready{false}; // the fields above are written
	// Written by the unloading thread through a const world (core_unload).
	mutable std::atomic<int> state{WMOD_LOADED};
	mutable std::atomic<unsigned long> gp_begin{0}, gp_end{0}; // fence_rcu_gp_count() at unload
};

// An RCU slot's last writes, so that get_rcu_safe() can be checked to hand
// out a fence the slot held while it looked (not a recycled one).
struct rslot_history {
	static constexpr unsigned kLen = 8;
	std::atomic<uint64_t> gen{0}; // bumped by every write, before the store
	struct entry {
		uint64_t gen = 0, context = 0, seqno = 0;
		const void *fence = nullptr;
	} last[kLen];
};

// The Reader Pipe (rcutorture): for reads that used a module, how many grace
// periods had completed since its unload began; pipe_unloaded counts reads
// that saw the unload completed (each one a grace-period bug).
constexpr int kPipe = 10;
struct pipe_counters {
	std::atomic<uint64_t> age[kPipe] = {};
	std::atomic<uint64_t> unloaded{0};
};

struct world {
	struct dma_fence *fence[kFenceSlotSpace] = {};
	struct fence_module *mod[kModuleSlots] = {};
	hcb cbs[kCbSlotSpace] = {};
	core_rcu_fence rslot[kRcuSlots]{};
	// The update side of an RCU slot (rcu_replace_pointer's condition) for
	// runners whose threads really run at once; the deterministic scheduler
	// runs one logical thread at a time and has no switch point inside.
	std::mutex rslot_lock[kRcuSlots];
	bool real_threads = false;
	std::vector<cb_record> events; // callbacks run since the last take
	std::atomic<int> loads{0};     // modules loaded so far: names mod0, mod1, ...
	// The modules loaded so far, by load number (the first kMaxLoads).
	static constexpr int kMaxLoads = 64;
	wmodule loaded[kMaxLoads];
	rslot_history rhist[kRcuSlots];
	// Counted by the name reads; shared by every world (the torture sums them).
	static pipe_counters pipe;

	world();
	world(const world &) = delete;
	world &operator=(const world &) = delete;

	// Put a new reference into fence slot @slot (the old one is dropped after).
	void set_fence(int slot, struct dma_fence *f);
	// The fence an RCU slot holds (update side: the harness's own view).
	struct dma_fence *rslot_fence(int r) const;
	// Replace RCU slot @r's fence (the update side, with its history);
	// returns the old one.
	struct dma_fence *replace_rslot(int r, struct dma_fence *f);
	// The module with fence context @ctx, if this world loaded it.
	const wmodule *find_module(uint64_t ctx) const;
	// Record module @m (just loaded; @so: from a .so) under its load number @n.
	void register_module(int n, struct fence_module *m, bool so = false);
};

// Contracts the core keeps under any interleaving (the torture's checks):
// an op's core side or its descriptor's post() reports a broken one here.
// Every runner routes them to its own report through a per-thread sink.
void contract_broken(const std::string &what);
void set_contract_sink(std::string *sink) noexcept;

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

// SPDX-License-Identifier: MIT
//
// model.h - the reference model of the fence core (internal to harness/).
//
// Plain, single-threaded, obviously correct: a fence is a struct of booleans
// and counters, a module a struct with a pending list, and every API call is a
// few lines that restate KERNEL-SEMANTICS.md. The interpreter runs each op on
// the core and here, then compares return values, callback events and the
// full observable state. Anything the two disagree on is a bug in the core
// (or in this file: it is meant to be read and checked by eye).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/program.h"

namespace harness {

enum model_kind { MK_NAMES, MK_HW, MK_RECYCLE, MK_WAIT, MK_DEADLINE, MK_TIMELINE, MK_COUNT };

struct mfence {
	int mod = -1;		  // index into model::modules, -1 for stubs
	bool global_stub = false; // the shared stub: refcount not modelled
	bool pinned = false;	  // ops have ->release or ->wait: never detaches
	bool ext = false, seq64 = false;
	uint64_t context = 0, seqno = 0;
	bool signaled = false, enabled = false, armed = false, attached = true;
	int error = 0;
	long refs = 1;
	std::vector<int> cbs; // pending callback slots, FIFO
	bool dead = false;
	int64_t ts = 0;
	bool ts_known = false; // false: signaled with ktime_get(), value read back once
	int64_t deadline = 0;
};

struct mmodule {
	int kind = MK_NAMES;
	bool so = false; // a real loadable module (load_so): its timeline names end in ".so"
	bool loaded = true;
	std::string name;
	uint64_t context = 0;
	uint64_t hw = 0;
	std::vector<int> pending; // fences it holds a reference to, in issue order
	long cache = 0;		  // RECYCLE: released fences kept for reuse
	long live_pinned = 0;

	bool has_enable_signaling() const { return kind == MK_HW; }
	bool has_signaled() const { return kind == MK_HW || kind == MK_TIMELINE; }
	bool has_set_deadline() const { return kind == MK_DEADLINE; }
};

// A callback the model expects to run, in order.
struct cb_event {
	int slot;
	int fence; // model fence id
	int error;
	bool operator==(const cb_event &o) const
	{
		return slot == o.slot && fence == o.fence && error == o.error;
	}
};

struct model {
	std::vector<mfence> fences;
	std::vector<mmodule> modules;
	int fslot[kFenceSlotSpace]; // a sequential program uses [0, kFenceSlots)
	int mslot[kModuleSlots];
	int rslot[kRcuSlots];
	int cb_fence[kCbSlotSpace];   // fence the cb was last added to (and holds a ref on), or -1
	bool cb_pending[kCbSlotSpace];
	bool sigpending = false;
	bool fail_alloc = false; // failnext: the current op's first allocation fails
	int loads = 0;		 // modules loaded so far: names mod0, mod1, ...
	std::vector<cb_event> events;	  // callbacks run during the current op
	std::vector<int> clock_signals;	  // fences signaled with ktime_get(), in order

	model();

	// Primitives, each a restatement of the kernel rule it models.
	bool alloc();
	int new_fence(int mod, bool pinned, bool ext, bool seq64, uint64_t ctx, uint64_t seqno);
	void get(int f);
	void put(int f);
	void signal(int f, bool with_ts, int64_t ts);
	void enable(int f);
	bool poll(int f);
	bool would_complete_now(int f, bool intr) const;
	void add_cb(int f, int slot, int *ret);
	bool remove_cb(int slot);
	std::string driver_name(int f) const;
	std::string timeline_name(int f) const;
	void reap(int m);
	int scan(int m, int action, uint64_t now);
	bool scan_one(int f, int action, uint64_t now, int *n);
	int unload(int m);
};

} // namespace harness

// SPDX-License-Identifier: MIT
//
// harness/src/check.h - the one checker: compares the core's objects behind
// the slots with the model. Internal to harness/.
//
// What it compares, per slot that holds a fence: the SIGNALED, TIMESTAMP,
// ENABLE_SIGNAL, SEQNO64, INLINE_LOCK and INITIALIZED flags, the error,
// whether ops are attached, context:seqno, the refcount, the timestamp, the
// deadline a module saw; per module slot: pending fences, live pinned fences,
// the hardware seqno. It returns a mismatch value; the runners decide how to
// report it.
//
// Cost: a full comparison after every op was most of an api_fuzz execution.
// After an op the checker looks only where the op's descriptor says it can
// change something (catalog.h, op_desc::touches): the fences its arguments
// name before and after it ran, a module's fences for module ops, and the
// modules of those fences. The runners make a full comparison every few ops
// (run_options::full_check_every), at the end, and on every op when a
// reproducer is replayed, so a bug that changes an untouched slot is caught a
// few ops later at most.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/model.h"
#include "world.h"

namespace harness {

struct mismatch {
	std::string field, expected, actual;
};

class checker {
public:
	// Before @o runs on @m: remember what it names (it may change it).
	void before(const model &m, const op &o);
	// After: compare what @o could change (everything if @full). Return
	// true, or false with *out set.
	bool after(const world &w, const model &m, const op &o, bool full, mismatch *out);
	// Compare everything.
	static bool all(const world &w, const model &m, mismatch *out);

private:
	void note(const model &m, const op &o);
	std::vector<int> ids_;	   // model fence ids the op may have changed
	std::vector<int> mods_;	   // model module ids
	uint64_t fslots_ = 0;	   // fence slots named by its arguments (bit per slot)
	uint64_t cslots_ = 0;	   // callback slots
	unsigned rslots_ = 0;	   // RCU slots
	unsigned mslots_ = 0;	   // module slots
};

} // namespace harness

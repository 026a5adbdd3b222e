// SPDX-License-Identifier: MIT
//
// harness/src/linearize.h - the one linearizer: is there a sequential order
// of the ops that concurrent threads ran (their op_records, from any runner)
// that the model explains? Internal to harness/.
//
// An order must respect real time (an op whose record ended before another's
// started comes first). The model applies each op whole, or in the atomic
// steps its descriptor's lin_step() gives, and other threads' ops may come
// between those steps; results compare exactly, or as loosely as the
// descriptor's lin_equal() says the kernel promises. The search is depth
// first, ops in progress first, then the earliest-ending, bounded by a
// budget of model steps; at the leaf the core's final state (the world)
// must match the model (check.h).
#pragma once

#include <string>
#include <vector>

#include "catalog.h"

namespace harness {

struct lin_result {
	bool ok = false;
	bool out_of_budget = false; // inconclusive
	model found;		    // ok: the model after the order
	std::vector<const op_record *> order;
	// !ok: the deepest attempt, for the report.
	size_t best_depth = 0, total = 0;
	std::string best_why;
	std::vector<const op_record *> best_order;
	unsigned long steps = 0, budget = 0;
};

// @m0: the model when the threads started (each thread starts with no signal
// pending); @w: the world after the threads, for the final state.
lin_result linearize(const std::vector<std::vector<op_record>> &recs, const model &m0,
		     const world &w, unsigned long budget);

// "thread 1 op #2 'signal f0'"
std::string where(const op_record &r);

} // namespace harness

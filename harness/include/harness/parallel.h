// SPDX-License-Identifier: MIT
//
// harness/parallel.h - the real-thread runner: a sequential prefix, then a
// few branches of ops on real threads released together, checked by the
// same catalog, world, checker and linearizer as the deterministic-scheduler
// runner (harness/concurrent.h). For TSan, and for schedules no scheduling
// point can produce. The parallel properties (props/) generate its cases.
//
// Slots are global (no per-thread slot ranges): the caller keeps the
// branches' slot accesses race-free by ownership, and every branch op legal
// at its place in every interleaving (props/parallel_exec.h has the rules).
//
// Oracle: the prefix and the teardown are checked like a sequential program
// (harness/interp.h); the branches' results, callbacks and the fences they
// put into slots must be explained by some order of their ops that respects
// real time, in the atomic steps the catalog gives, and the core's final
// state must match the model after that order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/program.h"

namespace harness {

struct parallel_report {
	bool ok = true;
	std::string symptom; // one line
	std::string text;    // on failure: what each thread observed, the deepest order tried
};

// Run the prefix, then each branch on its own thread, then the check and the
// teardown. @jitter_seed varies per-op delays inside the branches.
parallel_report run_parallel(const std::vector<op> &prefix,
			     const std::vector<std::vector<op>> &branches, uint64_t jitter_seed);

} // namespace harness

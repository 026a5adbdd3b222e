// SPDX-License-Identifier: MIT
//
// props/parallel_exec.h - parallel cases for real threads: the rules a case
// must follow, and run_once(), which hands it to the harness's real-thread
// runner (harness/parallel.h: the catalog's ops on real threads, checked by
// the one linearizer against the reference model).
//
// A parallel case is a sequential prefix (it loads modules, creates fences,
// queues callbacks, publishes RCU slots) and 1..3 branches of 1..4 ops each
// (at most kMaxTotalOps in all). The runner executes the prefix on the
// calling thread, starts one thread per branch, releases them together from
// a spin barrier, joins them, and then searches for an order of the branch
// ops that respects real time and that the model explains (results,
// callbacks, the fence each op put into a slot, the final state). Bound:
// with <= 9 ops in <= 3 branches there are at most 9!/(3!3!3!) = 1680
// interleavings, so the search is exhaustive. Then it tears everything down
// and checks that every object was freed exactly once.
//
// Slots in a parallel case (ownership makes the branches' slot accesses
// race-free, so every race left is one inside the core):
//   f0..f3  shared: branches pass them to ops but never replace them
//   f4+t    thread t's own (get, get_rcu_safe, create, put); f7 prefix only
//   c2t, c2t+1  thread t's callbacks; c6, c7 prefix only (they may still be
//           run by any thread's signal)
//   s0, s1  shared RCU slots; publish/clear hold the slot's update-side lock
//           (rcu_replace_pointer's condition), get_rcu_safe is lockless
//   m0..m3  loaded by the prefix; never unloaded in a branch
// A branch op must be legal (harness::op_legal) at its place in *every*
// interleaving: e.g. set_error only on a fence no other branch may signal,
// wait only with timeout 0 (a branch never sleeps).
//
// Where the core, like the kernel, does one op in several atomic steps, the
// linearizer does too (the catalog's lin_step: irq/inc publish the new
// hardware value before they scan; is_signaled tests SIGNALED before it asks
// the (maybe just detached) ops; names reads two names). describe and later
// stay out of branches (several reads, no snapshot), and a module that a
// branch interrupts has at most one unsignaled fence (a scan signals fence by
// fence).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/concurrent.h"
#include "harness/model.h"
#include "harness/program.h"

namespace props::par {

constexpr int kMaxThreads = 3;
constexpr int kMaxBranchOps = 4;
constexpr int kMaxTotalOps = 9;
constexpr int kSharedFences = 4;
inline int own_fence(int t) { return 4 + t; }
inline bool owns_cb(int t, int c) { return c / 2 == t; }

struct pcase {
	std::vector<harness::op> prefix;
	std::vector<std::vector<harness::op>> branches;
};

// A case is a concurrent program with shared slots (harness/concurrent.h:
// "slots: shared", the prefix as its setup, the branches as its threads),
// which is what the real-thread runner runs. Its text form is that
// program's: fence-repro replays it whole on the deterministic scheduler
// (fence-repro --search N tries N schedules), and FENCEFUZZ_PROPS_REPLAY
// replays it on real threads.
harness::cprogram to_program(const pcase &c);
std::string format_case(const pcase &c);
bool parse_case(const std::string &text, pcase *out, std::string *error);

// May @o run in branch @t at all (op kind, slot ownership, timeouts)?
bool branch_op_allowed(int t, const harness::op &o);

// The model after the prefix (ops that are illegal there are skipped, as the
// interpreter does).
harness::model prefix_model(const pcase &c);

// Is every branch op legal at its place in every interleaving, and do the
// branches respect the rules above (ownership, one branch per module for
// create/irq/inc)? If not, *bad_t/*bad_i name an offending op and *why says
// what is wrong.
bool case_ok(const pcase &c, int *bad_t, int *bad_i, std::string *why);

// Allow the module-scanning ops (create, irq, inc) of one module in several
// branches (off by default: see fence_parallel_prop.cpp, "module scans").
void allow_module_scan_races(bool on);

struct run_report {
	bool ok = true;
	std::string text; // on failure: observed results and the best linearization attempt
	std::string symptom;
};
// Run @c once (prefix, branches on threads, linearizability check, teardown).
// @jitter_seed varies the per-op delays inside the branches.
run_report run_once(const pcase &c, uint64_t jitter_seed);

} // namespace props::par

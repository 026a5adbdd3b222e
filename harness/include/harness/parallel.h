// SPDX-License-Identifier: MIT
//
// harness/parallel.h - the real-thread runner, checked by the same
// catalog, world, checker and linearizer as the deterministic-scheduler
// runner (harness/concurrent.h). For TSan, and for schedules no scheduling
// point can produce.
//
// run_concurrent_threads() runs a concurrent program (the text format of
// concurrent_fuzz, harness/concurrent.h, with its slot and legality rules)
// on real threads released together. The torture (stress/) runs its rounds
// through it, the parallel properties (props/) their cases (programs with
// shared slots); a failing round or case is a program fence-repro replays
// whole on the deterministic scheduler.
//
// Oracle: the setup and the teardown are checked like a sequential program
// (harness/interp.h); every op keeps the catalog's contracts (catalog.h
// post(), whatever the interleaving); with linearize set, the threads'
// results, callbacks and the fences they put into slots must be explained by
// some order of their ops that respects real time, in the atomic steps the
// catalog gives, and the core's final state must match the model after that
// order; nothing is left after the teardown. A sanitizer report, a WARN
// under panic_on_warn or an unloaded-module trap aborts the process.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/concurrent.h"
#include "harness/program.h"

namespace harness {

struct thread_run_options {
	uint64_t jitter_seed = 0; // per-op pauses inside the threads
	// Also demand that some order of the ops explains the results (the
	// linearizer; a spent budget counts as inconclusive, not as a failure).
	bool linearize = true;
	unsigned long budget = 20000; // model steps of that search
	// Compare the fence memory and modules after the teardown with before
	// (only while no other world runs).
	bool check_leaks = true;
};

struct thread_report {
	bool ok = true;
	std::string kind;	 // what fired: contract, model, leak
	std::string signature;	 // for the oracle line: the contract's kind, the op, ...
	std::string symptom;	 // one line
	std::string text;	 // what each thread observed
	unsigned long ops = 0, skipped = 0;
	bool inconclusive = false; // the linearizer's budget ran out
	// WARNs the threads' misuse ops drew inside their own expect_warn scopes
	// (outcome::warns; the linearizer judges them): a caller that counts every
	// WARN (the torture's warn hook) expects these and no other.
	unsigned long warns = 0;
	std::vector<unsigned long> per_kind = std::vector<unsigned long>(kOpKinds); // ops run, by kind
};

// Run @cp: its setup (checked like a sequential program), the fork, its
// threads on real threads released together (each op's legality decided as
// in concurrent.h; the contracts of catalog.h checked after each op), then
// the check and the teardown. Its schedule is ignored.
thread_report run_concurrent_threads(const cprogram &cp, const thread_run_options &opt);

// The Reader Pipe (rcutorture), summed over every run of this process: for
// name reads that used a module, how many grace periods had completed since
// its unload began (the last bucket: that many or more); unloaded counts the
// reads that saw the unload completed, each one a grace-period bug.
constexpr int kReaderPipe = 10;
struct reader_pipe_counts {
	uint64_t age[kReaderPipe] = {};
	uint64_t unloaded = 0;
	uint64_t grace_periods = 0; // completed so far in this process
};
reader_pipe_counts reader_pipe();

} // namespace harness

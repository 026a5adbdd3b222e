// SPDX-License-Identifier: MIT
//
// harness/interp.h - run a program against the fence core and the model.
//
// Oracle: after every op the interpreter compares the core with the
// reference model (return values, callback events, status, error, flags,
// refcounts, attached ops, names, timestamps, module pending lists); at the
// end it tears everything down and checks that every fence and module is
// gone and that kmalloc'd objects are back to where they started. A
// divergence prints the program, the op index and expected versus actual,
// then aborts. Ops whose preconditions (the API's documented contracts) do
// not hold are skipped, so every crash is a bug in the core.
#pragma once

#include <iosfwd>
#include <string>

#include "harness/program.h"

namespace harness {

struct run_options {
	// Where to print each op, its result and the trace events it caused
	// (fence-repro); nullptr for silence (fuzzing).
	std::ostream *log = nullptr;
	// A name for reports, e.g. the reproducer's file name.
	std::string source;
};

// Prepare the process once: virtual time (reproducible timestamps, waits cost
// nothing) and deferred frees only at rcu_barrier() (deterministic).
void init_process();

// Name used in reports when run_options::source is empty (replay binaries
// set it to the file being replayed).
void set_source_name(const std::string &name);

// Run @prog; returns normally only if the core matched the model throughout.
void run(const program &prog, const run_options &opt = {});

// Counters over the process lifetime, for reports and benchmarks.
struct run_stats {
	unsigned long programs = 0, ops = 0, skipped = 0;
};
const run_stats &stats() noexcept;

} // namespace harness

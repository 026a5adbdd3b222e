// SPDX-License-Identifier: MIT
//
// harness/interp.h - run a program against the fence core and the model.
//
// Oracle: after every op the interpreter compares the core with the
// reference model (return values, callback events, and the state of the
// slots the op can change: status, error, flags, refcounts, attached ops,
// timestamps, module pending lists; every slot every few ops); at the
// end it tears everything down and checks that every fence and module is
// gone and that kmalloc'd objects are back to where they started. A
// divergence prints the program, the op index and expected versus actual,
// then aborts. Ops whose preconditions (the API's documented contracts) do
// not hold are skipped, so every crash is a bug in the core.
#pragma once

#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>

#include "harness/model.h"
#include "harness/program.h"

namespace harness {

struct run_options {
	// Where to print each op, its result and the trace events it caused
	// (fence-repro); nullptr for silence (fuzzing).
	std::ostream *log = nullptr;
	// A name for reports, e.g. the reproducer's file name.
	std::string source;
	// Throw harness::divergence instead of printing and aborting (for
	// property tests, which shrink failures). The core is then left as it
	// was: the session does no teardown.
	bool throw_on_divergence = false;
	// Compare every slot with the model after every Nth op (and at the end);
	// in between only what the op can change (harness/src/check.h). 1 checks
	// everything after every op (fence-repro does). $FENCEFUZZ_FULL_CHECK_EVERY
	// overrides it.
	unsigned full_check_every = 8;
};

struct divergence : std::runtime_error {
	divergence(const std::string &report, size_t index, std::string check, std::string expected,
		   std::string actual)
		: std::runtime_error(report), op_index(index), check(std::move(check)),
		  expected(std::move(expected)), actual(std::move(actual))
	{
	}
	size_t op_index;
	std::string check, expected, actual;
};

class seq_run;

// session - the interpreter, one op at a time (run() is a loop over it).
class session {
public:
	explicit session(const run_options &opt = {});
	~session();
	session(const session &) = delete;
	session &operator=(const session &) = delete;

	// Does the API's contract allow @o in the current state?
	bool legal(const op &o) const;
	// Run @o on the core and the model and compare everything. An illegal op
	// is skipped on both sides. Return: true if it ran.
	bool step(const op &o);
	// Tear down (put, drop, unload everything) and check nothing leaked. Once.
	void finish();
	// The reference model's current state.
	const model &state() const;

private:
	std::unique_ptr<seq_run> p_; // harness/src/seq_run.h
};

// The catalog's precondition for @o on a model state (what session::legal uses).
bool op_legal(const model &m, const op &o);

// Apply @o to a model alone, as session::step would (an illegal op changes
// nothing), for property tests that plan on copies of the model. Afterwards
// m.events holds the callbacks @o ran. What only the core can tell is made up
// consistently: a loaded module gets a placeholder context (non-zero and
// distinct from every context in @m; session::step learns the real one), and
// ktime_get() timestamps stay unknown. A failnext arms m.fail_alloc for the
// next model_apply. @result, if given, receives what the model says @o
// returns, spelled as in divergence reports ("1", "0 \"mod0 mod0.names.tl\""),
// or "skipped".
void model_apply(model &m, const op &o, std::string *result = nullptr);

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

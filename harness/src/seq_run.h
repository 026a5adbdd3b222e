// SPDX-License-Identifier: MIT
//
// harness/src/seq_run.h - the sequential runner behind harness::session, and
// the base every other runner builds on: a world, the model, the checker,
// the history for reports and the one teardown. Internal to harness/.
#pragma once

#include <string>
#include <vector>

#include "check.h"
#include "harness/interp.h"
#include "harness/model.h"
#include "world.h"

namespace harness {

class seq_run {
public:
	explicit seq_run(const run_options &opt);

	// Run @o on the core and the model and check (see interp.h). Return:
	// true if it ran, false if its precondition was false (skipped).
	bool step(const op &o);
	// Full check, teardown through the catalog (checked), leak counts. Once.
	void finish();
	// Tear down without the model (after an inconclusive concurrent run).
	void teardown_unchecked();

	world &w() { return w_; }
	model &m() { return m_; }
	const model &m() const { return m_; }
	const run_options &opt() const { return opt_; }
	// Report a mismatch: print the program and abort, or throw divergence.
	[[noreturn]] void diverge(size_t idx, const op &o, const std::string &what,
				  const std::string &expected, const std::string &actual);

private:
	void step_at(size_t idx, const op &o, bool teardown);
	void check_events(size_t idx, const op &o);
	void check_ts(size_t idx, const op &o);

	run_options opt_;
	world w_;
	model m_;
	checker ck_;
	bool fail_next_ = false;
	bool finished_ = false;
	int64_t last_clock_ts_ = 0;
	long slab0_, mods0_;
	unsigned full_every_ = 1, since_full_ = 0;
	std::vector<op> history_; // the ops stepped so far, for reports
	size_t n_prog_ = 0;	  // history_[0, n_prog_) are the program's
};

#ifdef FENCE_CORE_HAS_TRACE
// A trace sink (dma_fence_set_trace_sink) that prints to the std::ostream @data.
void trace_to_log(const struct dma_fence_trace_record *rec, void *data);
#endif

// Counters shared by the runners (interp.h run_stats).
run_stats &mutable_stats() noexcept;
// The name used in reports when run_options::source is empty.
const std::string &source_name() noexcept;

} // namespace harness

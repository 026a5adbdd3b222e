// SPDX-License-Identifier: MIT
//
// harness/concurrent.h - concurrent programs: a shared setup, 2..4 threads of
// ops, and a schedule for the deterministic scheduler (harness/sched.h).
//
// Semantics. The setup runs first, sequentially, checked against the model
// after every op like a sequential program. Then every thread gets its own
// reference to each fence the setup left in its slots f0..f7 (as if the
// setup had done "get" for it, then "put" for its own, so the last "put" of a
// setup fence and its ->release happen in a thread), and its own callback
// slots: inside a thread,
// fN and cN name that thread's slots. Modules (mN) and RCU slots (sN) are
// shared. The threads then run under the scheduler, with a reclaim thread
// that runs deferred RCU callbacks at points the schedule picks.
//
// Legality inside threads follows the kernel's contracts, so that every
// crash is a bug in the core, never in the program:
//  - a thread only drops references it holds, and only reuses a callback
//    after it ran or was removed;
//  - set_error is skipped (racing the signal it must precede is misuse);
//    so are the misuse ops, but timestamp_race, whose WARN is decided at one
//    atomic step and so judged like any racy result (ops/misuse.cpp);
//  - waits with timeout "max" are skipped (nobody may ever signal);
//  - module ops (load, unload, create, irq, inc) on a module slot run only in
//    the lowest-numbered thread that has any module op on that slot (the
//    kernel's module refcount forbids calling into a module that another
//    thread may be unloading), and other threads' module ops on it are
//    skipped;
//  - the other preconditions are the sequential ones (harness/interp.cpp).
//
// Oracle: after the threads finish, some sequential order of all their ops,
// consistent with real time (an op that ended before another began comes
// first), must make the model return what each op returned and run the
// callbacks each op ran, and the core's final state must match the model's
// after that order ("fencefuzz: DIVERGENCE ... (concurrent run)"). Plus the
// sequential checks for setup and teardown, the sanitizers, WARNs and the
// scheduler's deadlock report.
//
// Binary form (any byte string decodes; fuzzers mutate ops and schedule
// together):
//   byte     threads = 2 + b % 3
//   byte     schedule kind = b % 4: 0,1 bytes; 2 random; 3 pct
//   random:  8 bytes seed (LE)
//   pct:     8 bytes seed, 1 byte depth = 1 + b % 16, 2 bytes steps = 1 + LE
//   byte     setup op count (% (kMaxSetupOps + 1)), then the ops
//   per thread: byte op count (% (kMaxThreadOps + 1)), then the ops
//   bytes:   the rest, up to kMaxScheduleBytes, are the schedule's bytes
// Ops are encoded as in harness/program.h with concurrent_profile().
//
// Shared slots. With a "slots: shared" line (the parallel properties'
// counterexamples, props/parallel_exec.h), slot numbers are global: fN, cN
// name the same slot in every thread and in the setup, and there is no fork
// (no thread takes references of its own); the program itself keeps the
// threads' slot accesses race-free by ownership. Module ownership and every
// other rule are as above.
//
// Text form (.prog): header comments, an optional "schedule: SPEC" line
// (format_schedule()), an optional "slots: shared" line, the setup ops, then
// "thread 0:", "thread 1:", ... each followed by that thread's ops:
//   # found-by: concurrent_fuzz (libFuzzer, asan)
//   schedule: pct 0x2a 3 256
//   load m0 names
//   create f0 m0 1 -
//   thread 0:
//   signal f0
//   thread 1:
//   names f0
//   put f0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "harness/interp.h"
#include "harness/program.h"
#include "harness/sched.h"

namespace harness {

constexpr size_t kMaxSetupOps = 24;
constexpr size_t kMaxThreadOps = 16;
constexpr size_t kMaxScheduleBytes = 64;

struct cprogram {
	std::vector<std::pair<std::string, std::string>> header; // "# key: value" lines
	std::vector<op> setup;
	std::vector<std::vector<op>> threads; // 2..kMaxThreads
	schedule_spec schedule;
	// "slots: shared": no per-thread slot ranges and no fork (see above);
	// text form only (the binary form is always per-thread).
	bool shared_slots = false;
};

// Binary form. decode never fails; encode gives the canonical bytes (setup
// and threads beyond the limits above, and longer schedule bytes, are cut).
cprogram decode_concurrent(const uint8_t *data, size_t size);
std::vector<uint8_t> encode_concurrent(const cprogram &p);

// Text form. parse returns false and sets *error to "line N: ..." on bad input.
bool parse_concurrent(const std::string &text, cprogram *out, std::string *error);
std::string format_concurrent(const cprogram &p, bool with_header = true);

// Does @text look like a concurrent program (a "thread N:" or "schedule:" line)?
bool looks_concurrent(const std::string &text);

// Structure-aware mutation of a binary concurrent program (see mutate.h):
// ops of one section, the schedule, the strategy, the thread count.
size_t mutate_concurrent(uint8_t *data, size_t size, size_t max_size, unsigned seed,
			 size_t (*byte_mutate)(uint8_t *, size_t, size_t));

// ---- running (FENCE_DSCHED builds only: fence_harness_dsched) ----

// init_process() plus what concurrent runs need before any thread starts.
void init_concurrent_process();

// Run @p under its schedule (or the one in $FENCEFUZZ_SCHEDULE, for replays
// with another strategy); returns only if the oracle above holds. Uses
// opt.log (every op of every thread as it starts and ends, callbacks, trace
// events, the order found), opt.source and opt.throw_on_divergence.
void run_concurrent(const cprogram &p, const run_options &opt = {});

struct concurrent_stats {
	unsigned long runs = 0, ops = 0, skipped = 0;
	unsigned long switches = 0, sched_points = 0;
	unsigned long search_steps = 0, inconclusive = 0; // inconclusive: search budget ran out
};
const concurrent_stats &cstats() noexcept;

} // namespace harness

// SPDX-License-Identifier: MIT
//
// harness/sched.h - the deterministic scheduler: logical threads that run one
// at a time and switch only at the core's instrumented points, so that an
// interleaving found once replays every time.
//
// Threads: each logical thread is a real OS thread (from a small pool reused
// across runs, so ASan and the core's thread-locals work unchanged) that runs
// only while it holds the baton: a mutex and one condition variable per
// thread. A switch hands the baton over and waits to get it back.
//
// Switch points: every FENCE_SCHED_POINT() of a FENCE_DSCHED core (lock and
// unlock, atomic flag and refcount operations, RCU read lock and unlock,
// before calls into ops and callbacks, grace periods), plus point() from the
// harness (the concurrent runner calls it before every op). Where the core
// must wait for another thread (a contended spinlock, synchronize_rcu(),
// rcu_barrier(), schedule_timeout()) it blocks with a predicate
// (fence_sched_ops::wait), and the scheduler runs someone else until the
// predicate holds.
//
// Virtual time: sleeps carry a deadline on the core's virtual clock
// (fence_time_set_virtual), which advances only when no thread can run: to
// the earliest deadline, whose sleepers then time out.
//
// Strategies (schedule_spec), each a pure function of its input:
//   bytes HEX        decisions read from bytes (the fuzzer's), L0 T1 L1 T2
//                    L2 ...: thread 0 runs L0 scheduling points, then thread
//                    T1 % (number of runnable threads, in thread order) runs
//                    L1 points, and so on. Blocking or finishing forces a
//                    decision early (it reads the next T and L too). When the
//                    bytes run out nobody is preempted any more and forced
//                    decisions go round-robin. So each (L, T) pair is one
//                    preemption, and mutating a byte moves or retargets it.
//   random SEED      at every scheduling point a uniformly random runnable
//                    thread (mt19937_64 seeded with SEED).
//   pct SEED D [K]   PCT (Burckhardt et al., ASPLOS 2010): random distinct
//                    thread priorities, the highest runnable one runs, and at
//                    D-1 random points among the first K (default 256) the
//                    running thread drops below all others. Finds any bug of
//                    depth D with probability >= 1/(n K^(D-1)).
// The text form (format_schedule / parse_schedule) is what a run prints and
// what a .prog file's "schedule:" line holds; replaying it takes the same
// decisions, step by step.
//
// Interleaving coverage: every switch sets one of 8192 flags, chosen by
// (where the preempted thread stopped, its tag, the resumed thread's tag;
// the concurrent runner tags each thread with the kind of op it runs). The
// array sits in libFuzzer's
// "__libfuzzer_extra_counters" section, so a fuzzer linked with libFuzzer
// sees a new kind of interleaving as new coverage and keeps the input that
// produced it, the way it keeps a new branch; elsewhere it is plain data.
//
// Deadlock: when no thread can run and no sleeper has a deadline, the
// scheduler prints every thread's current op and what it waits for (the
// spinlock and its holder, a grace period, a sleep), the schedule and the
// program, then aborts.
//
// Oracle: a "fencefuzz: DEADLOCK" report means threads that follow the API's
// contracts can never all finish; anything else the scheduler prints is
// information.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace harness {

// How a run picks threads (see above). The format functions live with the
// program format (concurrent.cpp) so tools read schedules in every build.
struct schedule_spec {
	enum class kind : uint8_t { bytes, random, pct };
	kind k = kind::bytes;
	std::vector<uint8_t> bytes; // bytes
	uint64_t seed = 0;	    // random, pct
	unsigned depth = 3;	    // pct: change points + 1 (1..16)
	unsigned steps = 256;	    // pct: scheduling points the change points are spread over
	bool operator==(const schedule_spec &o) const;
};

// "bytes 0a01ff", "bytes" (empty), "random 0x2a", "pct 0x2a 3 256".
std::string format_schedule(const schedule_spec &s);
// Parses the format above; returns false with *error set on bad input.
bool parse_schedule(const std::string &text, schedule_spec *out, std::string *error);

namespace dsched {

// The scheduler. Only in FENCE_DSCHED builds (fence_harness_dsched).
class scheduler {
public:
	explicit scheduler(const schedule_spec &spec);
	~scheduler();
	scheduler(const scheduler &) = delete;
	scheduler &operator=(const scheduler &) = delete;

	// Run @threads (name, body) as logical threads until all have returned.
	// One run per scheduler object. Aborts with a report on deadlock.
	void run(std::vector<std::pair<std::string, std::function<void()>>> threads);

	// What the deadlock report prints after the threads (the program).
	void set_report(std::function<std::string()> fn);

	// The thread picked at each decision, in order (for tests and logs).
	const std::vector<uint8_t> &decisions() const;
	// Scheduling points passed so far.
	uint64_t steps() const;

	// ---- from inside a logical thread ----

	// The calling thread's scheduler, or nullptr outside a run.
	static scheduler *running();
	// The calling logical thread's index.
	static int self();
	// A harness-level scheduling point (@why for logs).
	static void point(const char *why = "yield");
	// Block until @ready() (evaluated by whichever thread holds the baton:
	// read-only, no scheduling points). @what is for deadlock reports.
	static void wait(const std::function<bool()> &ready, const char *what);
	// What the calling thread is doing now, for deadlock reports; @tag (for
	// example an op kind + 1) feeds the interleaving coverage below.
	static void annotate(std::string what, int tag = 0);

	struct impl;

private:
	std::unique_ptr<impl> p_;
};

} // namespace dsched
} // namespace harness

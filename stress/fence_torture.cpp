// SPDX-License-Identifier: MIT
//
// fence_torture - free-running torture of the fence core, after rcutorture,
// driven through the op catalog.
//
// Real threads (never the deterministic scheduler; real time, real grace
// periods: RCU auto reclaim is on, so frees really race with readers) run
// round after round of generated concurrent programs (the text format of
// concurrent_fuzz, harness/concurrent.h) through the real-thread runner
// (harness/parallel.h: run_concurrent_threads). A round is a setup (load
// 1-3 modules of the simulated driver models, issue fences, publish some
// into the shared RCU slots), then up to four threads of ops, each thread
// dealt one or two roles. A role is a weight table over catalog ops:
//
//   churner   owns the modules (simulated, and the real .so modules of
//             core/modules: load_so): issues fences (create; or create, publish
//             and put, so that the RCU slot holds the only reference), publishes them,
//             fires the simulated hardware (irq, inc), signals, unloads
//             (-EBUSY when pinned) and reloads its modules while the other
//             threads hold their fences
//   reader    get_rcu_safe() from the shared slots (kept, or read once and
//             put again), then names, describe, status, is_signaled,
//             timestamp, set_deadline, and timestamp_race (the one misuse op
//             legal in a thread: a read of the timestamp of a fence another
//             thread may be signalling, WARN if it is not signaled yet)
//   signaler  signal, signal_ts, signal_locked, check_and_signal,
//             enable_sw, is_signaled, status
//   updater   publish, clear, get, get_rcu_safe, put
//   waiter    wait and wait_any with 0-2 jiffies
//   callback  add_cb, remove_cb, drop_cb
//
// Every op is legal by the rules of concurrent.h (a thread drops only
// references it holds, module ops run only in the thread that owns the
// module slot, ...), so every report is a core bug.
//
// Oracle, what output means broken ("fence-torture: VIOLATION <kind>: ...",
// "fencefuzz: ORACLE torture <kind>", "!!! End of test: FAILURE", exit 1):
//  - the catalog's contracts (harness/src/catalog.h post(), checked after
//    every op by every runner, the sequential session's included): a
//    callback ran twice, never, for another fence or before the timestamp
//    (cb_twice, cb_never, cb_state); a status outside 0, 1, an error, or
//    non-zero with SIGNALED clear; a fence unsignaled after a signal
//    (status); names of a signaled fence that are not detached, or of an
//    unsignaled one that are not its module's (names, describe); a wait
//    that said signaled on an unsignaled fence or timed out on a signaled
//    one (wait); a held fence with refcount 0, or one get_rcu_safe()
//    returned that was not in its slot meanwhile (fence, from the slot's
//    write history); unload neither 0 nor -EBUSY (unload);
//  - unload_gp, the rcutorture-style unload oracle (ops/names.cpp): a
//    reader saw a fence of module M unsignaled, or M's names, inside one
//    read-side section and, still inside it, saw M's unload completed;
//  - model: no order of the round's ops explains what they returned (the
//    linearizer, on one round in --linearize N; a spent search budget is
//    counted as inconclusive);
//  - leak: fence memory or modules left after a round's teardown;
//  - stall: a round still running after --stall seconds (a stuck thread: a
//    lost wake-up, a livelock, a loop on a corrupted list); the watchdog
//    writes the round and ends the run, whose threads cannot be stopped;
//  - warn: the core WARNed (counted, not fatal here), other than the WARNs
//    a misuse op draws and counts itself (timestamp_race, judged by the
//    linearizer);
//  - a crash: an access to an unloaded module traps (its image is
//    PROT_NONE) and prints "fencefuzz: access to unloaded module ..."; ASan,
//    TSan and UBSan reports.
// For every violation and crash, the round is written as a concurrent
// program with a header and the line "fence-torture: reproducer: PATH" is
// printed: `fence-repro --search N PATH` tries N deterministic schedules of
// it and reports the first that reproduces, with its replay string.
//
// The "Reader Pipe" line counts, for reads that used a module, how many
// grace periods had completed since that module's unload began; the
// "unloaded" entry must be 0 (any other spread is legal).
//
// Usage: fence_torture [--threads N] [--seconds S] [--seed X]
//                      [--mode stress|unload|perf] [--delays N] [--ops N]
//                      [--linearize N] [--reproducer PATH] [--stop-on-violation]
//                      [--stall S]
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "fence/oracle.h"
#include "fence/runtime.h" // panic_on_warn, set_warn_hook, fence_delay_injection
#include "harness/concurrent.h"
#include "harness/parallel.h"
#include "harness/program.h"
#include "harness/semantics.h"

extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace {

using harness::op;
using harness::op_kind;

// ---- options -----------------------------------------------------------------

enum torture_mode { MODE_STRESS, MODE_UNLOAD, MODE_PERF };
const char *const kModeNames[] = {"stress", "unload", "perf"};

struct options {
	unsigned threads = harness::kMaxThreads;
	double seconds = 10;
	uint64_t seed = 0;
	bool seed_given = false;
	torture_mode mode = MODE_STRESS;
	long delays = -1; // one delay point in N (0: off); -1: the mode's default
	unsigned ops = 64; // per thread and round
	unsigned linearize = 8; // one round in N is linearized (0: none)
	bool stop_on_violation = false;
	double stall = 30; // seconds one round may run before it is a stall (0: no watchdog)
	std::string reproducer = "fence-torture-repro.prog";
};
options g_opt;

void usage(FILE *out)
{
	fprintf(out,
		"Usage: fence_torture [options]\n"
		"Free-running torture of the fence core (rcutorture style), round after round of\n"
		"generated concurrent programs on real threads, through the op catalog.\n"
		"  --threads N   threads per round, 1..%d (default %d: a round is one concurrent\n"
		"                program, which has at most %d threads; roles are dealt to them)\n"
		"  --seconds S   run time (default 10; fractions allowed)\n"
		"  --seed X      seed of the generated rounds (default: time)\n"
		"  --mode M      stress (all roles), unload (module churn against readers),\n"
		"                perf (read-side throughput)\n"
		"  --delays N    random delays at about one in N of the core's scheduling\n"
		"                points, to widen race windows (debug builds; default 16\n"
		"                in stress and unload mode, 0 = off in perf mode)\n"
		"  --ops N       ops per thread and round, 1..256 (default 64)\n"
		"  --linearize N one round in N (default 8; 1: every round, 0: none) is also\n"
		"                checked by the linearizer: some order of its ops must explain\n"
		"                what they returned (it costs more than the round; contracts,\n"
		"                leaks, WARNs and the sanitizers judge every round)\n"
		"  --reproducer PATH  where the first failing round is written as a concurrent\n"
		"                program (default fence-torture-repro.prog)\n"
		"  --stop-on-violation  end the run at the first violation (time to detect)\n"
		"  --stall S     a round that runs for S seconds is a stall (a thread stuck in a\n"
		"                lost wake-up, a livelock or a corrupted list; a round takes well\n"
		"                under a second): its reproducer is written and the run ends\n"
		"                (default 30; 0: no watchdog)\n"
		"  --help        this text\n"
		"Prints the seed first, statistics every 2 s, and a summary; exit status 0\n"
		"if no invariant broke, 1 if any did, 2 on bad usage. On a violation or a crash\n"
		"it prints \"fence-torture: reproducer: PATH\"; replay that round with\n"
		"  fence-repro --search 2000 PATH\n",
		harness::kMaxThreads, harness::kMaxThreads, harness::kMaxThreads);
}

// ---- random ------------------------------------------------------------------

struct rng {
	uint64_t s;
	uint64_t next() noexcept
	{
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		return z ^ (z >> 31);
	}
	uint32_t below(uint32_t n) noexcept { return n ? static_cast<uint32_t>(next() % n) : 0; }
	bool one_in(uint32_t n) noexcept { return below(n) == 0; }
};

// ---- the round generator ---------------------------------------------------------

// Model indices of the `load` op's model argument (harness/program.h).
enum { M_NAMES, M_HW, M_RECYCLE, M_WAIT, M_DEADLINE, M_TIMELINE, M_COUNT };

// What the generator knows of a round while it writes it.
struct gen {
	rng &r;
	int nmods = 0;
	int model[harness::kModuleSlots] = {};
	uint64_t seqno[harness::kModuleSlots] = {};
	int nfences = 0; // setup fences: f0..f(nfences-1) in every thread
};

// An argument chooser: fills @o.a for its op.
using chooser = void (*)(gen &, op &);
// A few ops that belong together (one weight-table entry): appends them.
using sequence = void (*)(gen &, std::vector<op> &);

// A fence slot of the thread: mostly the setup's (every thread holds a
// reference to each), else one it may have filled itself.
uint64_t pick_fence(gen &g)
{
	if (g.nfences && !g.r.one_in(4))
		return g.r.below(static_cast<uint32_t>(g.nfences));
	return g.r.below(harness::kFenceSlots);
}
uint64_t pick_module(gen &g) { return g.r.below(static_cast<uint32_t>(std::max(g.nmods, 1))); }
int pick_model(gen &g)
{
	switch (g_opt.mode) {
	case MODE_PERF: return M_NAMES;
	case MODE_UNLOAD: {
		// Mostly models that do not pin their module, so unloads succeed.
		static const int unpinned[] = {M_NAMES, M_HW, M_DEADLINE, M_TIMELINE};
		return g.r.one_in(8) ? static_cast<int>(g.r.below(M_COUNT)) : unpinned[g.r.below(4)];
	}
	default:
		// Every model, the recycling one (a typesafe-by-RCU cache: freed
		// fences are reused while get_rcu_safe() readers may still hold the
		// old pointer) twice as often.
		return g.r.one_in(M_COUNT + 1) ? M_RECYCLE : static_cast<int>(g.r.below(M_COUNT));
	}
}
uint64_t pick_cflags(gen &g)
{
	uint64_t f = 0;
	if (g.r.one_in(8))
		f |= 2; // seqno64
	if (g_opt.mode == MODE_STRESS && g.r.one_in(32))
		f |= 1; // external lock
	return f;
}

// The default: every argument from its type (harness/program.h).
void args_any(gen &g, op &o)
{
	const harness::op_info &in = harness::info(o.kind);
	for (int i = 0; i < in.nargs; i++) {
		uint64_t &a = o.a[i];
		switch (in.args[i]) {
		case harness::arg_type::fence: a = pick_fence(g); break;
		case harness::arg_type::cb: a = g.r.below(4); break;
		case harness::arg_type::module: a = pick_module(g); break;
		case harness::arg_type::rslot: a = g.r.below(harness::kRcuSlots); break;
		case harness::arg_type::model: a = static_cast<uint64_t>(pick_model(g)); break;
		case harness::arg_type::cflags: a = pick_cflags(g); break;
		case harness::arg_type::intr: a = g.r.below(2); break;
		// jiffies: mostly 0 (a poll), else 1-2 ms: a round lasts as long as its
		// slowest thread, and a sleeping waiter holds the others back.
		case harness::arg_type::timeout: a = g.r.one_in(4) ? 1 + g.r.below(2) : 0; break;
		case harness::arg_type::err: a = 5; break;
		case harness::arg_type::u64: a = 1 + g.r.below(1000000); break;
		case harness::arg_type::fset: {
			a = 0;
			for (int k = 2 + static_cast<int>(g.r.below(2)); k; k--)
				a |= 1ull << pick_fence(g);
			break;
		}
		case harness::arg_type::none: break;
		}
	}
}
// create f m seqno flags: seqnos rise per module.
void args_create(gen &g, op &o)
{
	args_any(g, o);
	if (g.r.one_in(4))
		o.a[0] = g.nfences + g.r.below(harness::kFenceSlots - std::min(g.nfences, 7));
	o.a[2] = ++g.seqno[o.a[1]];
}
// irq m hw: the hardware reached a seqno near the last issued.
void args_irq(gen &g, op &o)
{
	args_any(g, o);
	const uint64_t s = g.seqno[o.a[0]], back = g.r.below(3);
	o.a[1] = s > back ? s - back : 0;
}
// inc m n
void args_inc(gen &g, op &o)
{
	args_any(g, o);
	o.a[1] = 1 + g.r.below(2);
}
// load_so m names|hw
void args_load_so(gen &g, op &o)
{
	args_any(g, o);
	o.a[1] = g.r.below(2);
}
// get dst src: a new reference in another slot of the thread.
void args_get(gen &g, op &o)
{
	args_any(g, o);
	o.a[0] = g.nfences + g.r.below(harness::kFenceSlots - std::min(g.nfences, 7));
}
// get_rcu_safe dst slot: into a slot of its own (not the setup's).
void args_rcu_get(gen &g, op &o)
{
	args_any(g, o);
	if (!g.r.one_in(4))
		o.a[0] = g.nfences + g.r.below(harness::kFenceSlots - std::min(g.nfences, 7));
}

// issue: create a fence into a slot of the thread's own, publish it, mostly
// signal it (the module drops its own reference at its next scan), and drop
// the thread's reference, so that the RCU slot soon holds the only one and
// the next publish or clear of that slot frees it while readers may be
// inside get_rcu_safe() on it (the window RCU-deferred frees exist for).
void seq_issue(gen &g, std::vector<op> &out)
{
	op c;
	c.kind = op_kind::create;
	args_create(g, c);
	c.a[0] = g.nfences + g.r.below(harness::kFenceSlots - std::min(g.nfences, 7));
	op p;
	p.kind = op_kind::publish;
	p.a[0] = g.r.below(harness::kRcuSlots);
	p.a[1] = c.a[0];
	op d;
	d.kind = op_kind::put;
	d.a[0] = c.a[0];
	out.push_back(c);
	out.push_back(p);
	if (!g.r.one_in(4)) {
		op sg;
		sg.kind = op_kind::signal;
		sg.a[0] = c.a[0];
		out.push_back(sg);
	}
	out.push_back(d);
}

// peek: take a fence from an RCU slot, read it, and let it go again, so that
// readers do not keep the slot's fences alive (the slot's reference is then
// often the last one, and a replace frees the fence under other readers).
void seq_peek(gen &g, std::vector<op> &out)
{
	op r;
	r.kind = op_kind::get_rcu_safe;
	args_rcu_get(g, r);
	out.push_back(r);
	static const op_kind reads[] = {op_kind::names, op_kind::describe, op_kind::status,
					op_kind::is_signaled};
	op q;
	q.kind = reads[g.r.below(4)];
	q.a[0] = r.a[0];
	out.push_back(q);
	op p;
	p.kind = op_kind::put;
	p.a[0] = r.a[0];
	out.push_back(p);
}

struct weighted {
	op_kind kind;
	unsigned weight;
	chooser args = args_any;
	sequence seq = nullptr; // instead of one op of @kind
};
struct role {
	const char *name;
	std::vector<weighted> ops;
};

const role kChurner = {"churner",
		       {{op_kind::create, 3, args_create},
			{op_kind::create, 4, nullptr, seq_issue},
			{op_kind::publish, 3},
			{op_kind::signal, 2},
			{op_kind::irq, 1, args_irq},
			{op_kind::inc, 1, args_inc},
			{op_kind::put, 1},
			{op_kind::unload, 1},
			{op_kind::load, 1},
			{op_kind::load_so, 1, args_load_so},
			{op_kind::get_rcu_safe, 1, args_rcu_get}}};
const role kUnloader = {"churner",
			{{op_kind::create, 2, args_create},
			 {op_kind::create, 2, nullptr, seq_issue},
			 {op_kind::publish, 2},
			 {op_kind::signal, 2},
			 {op_kind::irq, 1, args_irq},
			 {op_kind::inc, 1, args_inc},
			 {op_kind::put, 2},
			 {op_kind::unload, 3},
			 {op_kind::load, 1},
			 {op_kind::load_so, 1, args_load_so},
			 {op_kind::sync_rcu, 1}}};
const role kReader = {"reader",
		      {{op_kind::get_rcu_safe, 2, args_rcu_get},
		       {op_kind::get_rcu_safe, 4, nullptr, seq_peek},
		       {op_kind::names, 4},
		       {op_kind::describe, 2},
		       {op_kind::status, 2},
		       {op_kind::is_signaled, 1},
		       {op_kind::timestamp, 1},
		       {op_kind::timestamp_race, 1},
		       {op_kind::set_deadline, 1},
		       {op_kind::put, 1}}};
const role kSignaler = {"signaler",
			{{op_kind::signal, 2},
			 {op_kind::signal_ts, 1},
			 {op_kind::signal_locked, 1},
			 {op_kind::check_and_signal, 1},
			 {op_kind::enable_sw, 3},
			 {op_kind::is_signaled, 2},
			 {op_kind::status, 1},
			 {op_kind::get_rcu_safe, 2, args_rcu_get},
			 {op_kind::put, 1}}};
const role kUpdater = {"updater",
		       {{op_kind::publish, 4},
			{op_kind::get_rcu_safe, 2, nullptr, seq_peek},
			{op_kind::clear, 1},
			{op_kind::get, 2, args_get},
			{op_kind::get_rcu_safe, 3, args_rcu_get},
			{op_kind::put, 3}}};
const role kWaiter = {"waiter",
		      {{op_kind::wait, 4},
		       {op_kind::wait_any, 2},
		       {op_kind::get_rcu_safe, 2, args_rcu_get},
		       {op_kind::names, 1},
		       {op_kind::put, 1}}};
const role kCallback = {"callback",
			{{op_kind::add_cb, 4},
			 {op_kind::remove_cb, 2},
			 {op_kind::drop_cb, 1},
			 {op_kind::get_rcu_safe, 2, args_rcu_get},
			 {op_kind::status, 1},
			 {op_kind::put, 1}}};

// The roles of threads 0..3, per mode (thread 0 owns the modules).
std::vector<std::vector<const role *>> role_plan()
{
	switch (g_opt.mode) {
	case MODE_UNLOAD: return {{&kUnloader}, {&kReader}, {&kReader, &kUpdater}, {&kSignaler, &kWaiter}};
	case MODE_PERF: return {{&kChurner}, {&kReader}, {&kReader}, {&kReader}};
	default: return {{&kChurner}, {&kReader, &kWaiter}, {&kSignaler, &kCallback}, {&kUpdater, &kReader}};
	}
}

// An entry's weight in this build: 0 for an op the core lacks (a kernel
// tree without dma_fence_check_and_signal(), harness/semantics.h).
unsigned weight_of(const weighted &w)
{
	return harness::semantics().has[static_cast<int>(w.kind)] ? w.weight : 0;
}

// One entry of the threads' tables, drawn by weight: its op or its ops.
void add_ops(gen &g, const std::vector<const role *> &roles, std::vector<op> &out)
{
	unsigned total = 0;
	for (const role *r : roles)
		for (const weighted &w : r->ops)
			total += weight_of(w);
	unsigned pick = g.r.below(total);
	for (const role *r : roles)
		for (const weighted &w : r->ops) {
			if (pick < weight_of(w)) {
				if (w.seq) {
					w.seq(g, out);
				} else {
					op o;
					o.kind = w.kind;
					w.args(g, o);
					out.push_back(o);
				}
				return;
			}
			pick -= weight_of(w);
		}
}

op mk(op_kind k, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0)
{
	op o;
	o.kind = k;
	o.a[0] = a0;
	o.a[1] = a1;
	o.a[2] = a2;
	o.a[3] = a3;
	return o;
}

harness::cprogram make_round(rng &r, const std::vector<std::vector<const role *>> &plan)
{
	harness::cprogram cp;
	gen g{r};
	g.nmods = g_opt.mode == MODE_PERF ? 1 : 1 + static_cast<int>(r.below(3));
	for (int m = 0; m < g.nmods; m++) {
		g.model[m] = pick_model(g);
		// Now and then a real .so module of the same model (names, hw).
		const bool so = g_opt.mode != MODE_PERF && g.model[m] <= M_HW && r.one_in(2);
		cp.setup.push_back(mk(so ? op_kind::load_so : op_kind::load, m, static_cast<uint64_t>(g.model[m])));
	}
	g.nfences = 2 + static_cast<int>(r.below(5));
	for (int f = 0; f < g.nfences; f++) {
		const uint64_t m = pick_module(g);
		cp.setup.push_back(mk(op_kind::create, f, m, ++g.seqno[m], pick_cflags(g)));
	}
	cp.setup.push_back(mk(op_kind::publish, 0, 0));
	cp.setup.push_back(mk(op_kind::publish, 1, 1));
	const unsigned n = std::min<unsigned>(g_opt.threads, static_cast<unsigned>(plan.size()));
	cp.threads.resize(n);
	for (unsigned t = 0; t < n; t++) {
		while (cp.threads[t].size() < g_opt.ops)
			add_ops(g, plan[t], cp.threads[t]);
		cp.threads[t].resize(g_opt.ops);
	}
	return cp;
}

// ---- failures, and the reproducer ---------------------------------------------

std::chrono::steady_clock::time_point g_t0;
std::atomic<uint64_t> g_violations{0}, g_warns{0};
std::vector<std::pair<std::string, uint64_t>> g_fail_kinds; // main thread only
std::atomic<bool> g_repro_written{false};

// The round in progress, as text, for the crash handlers (written by the
// main thread between rounds only).
std::string g_round_text;
std::atomic<const char *> g_round_ptr{nullptr};
std::atomic<size_t> g_round_len{0};
std::atomic<bool> g_dying{false};

void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		const ssize_t k = write(fd, p, n);
		if (k <= 0)
			return;
		p += k;
		n -= static_cast<size_t>(k);
	}
}

// Async-signal-safe: write the round in progress, say where.
void dump_round_for_crash()
{
	if (g_dying.exchange(true) || g_repro_written)
		return;
	const char *p = g_round_ptr.load();
	if (!p)
		return;
	const int fd = open(g_opt.reproducer.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	write_all(fd, p, g_round_len.load());
	close(fd);
	static const char head[] = "fence-torture: reproducer: ";
	write_all(2, head, sizeof(head) - 1);
	write_all(2, g_opt.reproducer.c_str(), g_opt.reproducer.size());
	write_all(2, "\n", 1);
}

void on_fatal_signal(int sig)
{
	dump_round_for_crash();
	signal(sig, SIG_DFL);
	raise(sig);
}

// A fault: write the round, then hand the fault on to whoever was there
// before (a sanitizer's handler reports it; the core's trap handler, which
// names an unloaded module, is installed later and hands on to this one).
struct sigaction g_old_segv, g_old_bus;
void on_fault(int sig, siginfo_t *si, void *uctx)
{
	dump_round_for_crash();
	struct sigaction *old = sig == SIGBUS ? &g_old_bus : &g_old_segv;
	if (old->sa_flags & SA_SIGINFO)
		old->sa_sigaction(sig, si, uctx);
	else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN)
		old->sa_handler(sig);
	else
		signal(sig, SIG_DFL); // return, re-fault, die with the default action
}

// Count a violation (any thread); the first one prints the time to detect.
// Returns how many came before it.
uint64_t count_violation(uint64_t round)
{
	const uint64_t n = g_violations.fetch_add(1);
	if (n == 0) {
		const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - g_t0).count();
		fprintf(stderr, "fence-torture: first violation after %.2f s (round %" PRIu64 ")\n", t, round);
	}
	return n;
}

// The stall watchdog (rcutorture's stall warning, per round): a round takes
// well under a second, so one that has run for --stall seconds has a thread
// that will not come back (a lost wake-up, a livelock, a loop on a corrupted
// callback list). Its threads cannot be stopped, so the watchdog reports the
// round as a violation, writes it as the reproducer and ends the process.
// The watchdog claims a stalled round by swapping its start time for
// kStallClaimed; the main thread swaps in 0 when the round ends, so exactly
// one of them wins, and the round's text (g_round_text) is read by the
// watchdog only after it won and rewritten by the main thread only after it won.
std::atomic<int64_t> g_round_started_ns{0}; // steady clock; 0 between rounds
std::atomic<uint64_t> g_round_number{0};
constexpr int64_t kStallClaimed = -1;

int64_t steady_ns()
{
	return std::chrono::duration_cast<std::chrono::nanoseconds>(
		       std::chrono::steady_clock::now().time_since_epoch())
		.count();
}

void stall_watchdog()
{
	const auto limit = static_cast<int64_t>(g_opt.stall * 1e9);
	const auto poll = std::chrono::nanoseconds(std::clamp<int64_t>(limit / 4, 1000000, 250000000));
	for (;;) {
		std::this_thread::sleep_for(poll);
		int64_t started = g_round_started_ns.load();
		if (started <= 0 || steady_ns() - started < limit)
			continue;
		if (!g_round_started_ns.compare_exchange_strong(started, kStallClaimed))
			continue; // the round ended meanwhile
		const uint64_t round = g_round_number.load();
		count_violation(round);
		fprintf(stderr,
			"fence-torture: VIOLATION stall: round %" PRIu64 " has run for %.2f s (--stall): a thread "
			"is stuck (a lost wake-up, a livelock, a corrupted list)\n",
			round, static_cast<double>(steady_ns() - started) / 1e9);
		dump_round_for_crash();
		fence_oracle("torture", "stall");
		printf("!!! End of test: FAILURE (stall in round %" PRIu64 ") seed=0x%" PRIx64 "\n", round, g_opt.seed);
		fflush(stdout);
		fflush(stderr);
		_exit(1);
	}
}

std::string round_text(const harness::cprogram &cp, uint64_t round, const std::string &symptom)
{
	harness::cprogram c = cp;
	char seed[32];
	snprintf(seed, sizeof(seed), "0x%016" PRIx64, g_opt.seed);
	c.header = {{"found-by", std::string("fence_torture --mode ") + kModeNames[g_opt.mode] +
					 " --seed " + seed + " --ops " + std::to_string(g_opt.ops) +
					 ", round " + std::to_string(round)},
		    {"symptom", symptom},
		    {"core", harness::describe_backend()}};
	const bool tree = !strcmp(harness::semantics().backend, "tree");
	c.header.push_back({"replay", std::string(tree ? "fence-repro-tree" : "fence-repro") +
					      " --search 2000 THIS-FILE (deterministic schedules of this round)"});
	if (const char *dc = getenv("FENCEFUZZ_DRIVER_CONTRACT"); tree && dc && *dc)
		c.header.push_back({"driver-contract", dc});
	return harness::format_concurrent(c);
}

void note_kind(const std::string &kind)
{
	for (auto &k : g_fail_kinds)
		if (k.first == kind) {
			k.second++;
			return;
		}
	g_fail_kinds.emplace_back(kind, 1);
}

void violation(const std::string &kind, const std::string &symptom, const std::string &detail,
	       const harness::cprogram &cp, uint64_t round)
{
	const uint64_t n = count_violation(round);
	note_kind(kind);
	if (n >= 5)
		return; // counted; the first few are enough to debug
	fprintf(stderr, "fence-torture: VIOLATION %s: %s\n", kind.c_str(), symptom.c_str());
	if (!detail.empty())
		fprintf(stderr, "%s", detail.c_str());
	if (!g_repro_written) {
		const std::string text = round_text(cp, round, kind + ": " + symptom);
		if (FILE *f = fopen(g_opt.reproducer.c_str(), "w")) {
			fputs(text.c_str(), f);
			fclose(f);
			g_repro_written = true;
			fprintf(stderr, "fence-torture: reproducer: %s\n", g_opt.reproducer.c_str());
		} else {
			fprintf(stderr, "fence-torture: cannot write the reproducer %s: %s\n",
				g_opt.reproducer.c_str(), strerror(errno));
		}
	}
	fence_oracle("torture", kind.c_str());
}

void on_warn(const char *) noexcept { g_warns.fetch_add(1, std::memory_order_relaxed); }

// ---- statistics ------------------------------------------------------------------

struct totals {
	uint64_t rounds = 0, ops = 0, skipped = 0, inconclusive = 0;
	std::vector<uint64_t> per_kind = std::vector<uint64_t>(harness::kOpKinds);
};

void print_stats(const totals &s, double t)
{
	printf("fence-torture: t=%.1fs rounds=%" PRIu64 " ops=%" PRIu64 " skipped=%" PRIu64
	       " inconclusive=%" PRIu64 " gps=%" PRIu64 " warns=%" PRIu64 " violations=%" PRIu64 "\n",
	       t, s.rounds, s.ops, s.skipped, s.inconclusive, harness::reader_pipe().grace_periods, g_warns.load(),
	       g_violations.load());
	fflush(stdout);
}

bool parse_num(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	const double v = strtod(s, &end);
	if (!*s || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "fence_torture: %s needs a number in %g..%g, not '%s'\n", opt, lo, hi, s);
		return false;
	}
	*out = v;
	return true;
}

bool parse_args(int argc, char **argv)
{
	enum { O_THREADS = 1, O_SECONDS, O_SEED, O_MODE, O_DELAYS, O_OPS, O_LIN, O_REPRO, O_STOP, O_STALL, O_HELP };
	static const struct option longopts[] = {
		{"threads", required_argument, nullptr, O_THREADS},
		{"seconds", required_argument, nullptr, O_SECONDS},
		{"seed", required_argument, nullptr, O_SEED},
		{"mode", required_argument, nullptr, O_MODE},
		{"delays", required_argument, nullptr, O_DELAYS},
		{"ops", required_argument, nullptr, O_OPS},
		{"linearize", required_argument, nullptr, O_LIN},
		{"reproducer", required_argument, nullptr, O_REPRO},
		{"stop-on-violation", no_argument, nullptr, O_STOP},
		{"stall", required_argument, nullptr, O_STALL},
		{"help", no_argument, nullptr, O_HELP},
		{nullptr, 0, nullptr, 0},
	};
	int c;
	double v;
	char *end;
	while ((c = getopt_long(argc, argv, "h", longopts, nullptr)) != -1) {
		switch (c) {
		case O_THREADS:
			if (!parse_num("--threads", optarg, 1, harness::kMaxThreads, &v))
				return false;
			g_opt.threads = static_cast<unsigned>(v);
			break;
		case O_SECONDS:
			if (!parse_num("--seconds", optarg, 0.001, 1e7, &v))
				return false;
			g_opt.seconds = v;
			break;
		case O_SEED:
			g_opt.seed = strtoull(optarg, &end, 0);
			if (!*optarg || *end) {
				fprintf(stderr, "fence_torture: bad --seed '%s'\n", optarg);
				return false;
			}
			g_opt.seed_given = true;
			break;
		case O_MODE:
			if (!strcmp(optarg, "stress"))
				g_opt.mode = MODE_STRESS;
			else if (!strcmp(optarg, "unload"))
				g_opt.mode = MODE_UNLOAD;
			else if (!strcmp(optarg, "perf"))
				g_opt.mode = MODE_PERF;
			else {
				fprintf(stderr, "fence_torture: --mode must be stress, unload or perf\n");
				return false;
			}
			break;
		case O_DELAYS:
			if (!parse_num("--delays", optarg, 0, 1e9, &v))
				return false;
			g_opt.delays = static_cast<long>(v);
			break;
		case O_OPS:
			if (!parse_num("--ops", optarg, 1, 256, &v))
				return false;
			g_opt.ops = static_cast<unsigned>(v);
			break;
		case O_LIN:
			if (!parse_num("--linearize", optarg, 0, 1e9, &v))
				return false;
			g_opt.linearize = static_cast<unsigned>(v);
			break;
		case O_REPRO: g_opt.reproducer = optarg; break;
		case O_STALL:
			if (!parse_num("--stall", optarg, 0, 1e7, &v))
				return false;
			g_opt.stall = v;
			break;
		case O_STOP: g_opt.stop_on_violation = true; break;
		case 'h':
		case O_HELP: usage(stdout); exit(0);
		default: usage(stderr); return false;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fence_torture: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return false;
	}
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	if (!parse_args(argc, argv))
		return 2;
	if (!g_opt.seed_given)
		g_opt.seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
			     (static_cast<uint64_t>(getpid()) << 32);
	// The seed first, so that any report below carries it.
	printf("fence-torture: seed=0x%016" PRIx64 "\n", g_opt.seed);
	const auto plan = role_plan();
	printf("fence-torture: mode=%s threads=%u (", kModeNames[g_opt.mode], g_opt.threads);
	for (unsigned t = 0; t < g_opt.threads && t < plan.size(); t++) {
		printf("%s", t ? "; " : "");
		for (size_t k = 0; k < plan[t].size(); k++)
			printf("%s%s", k ? "+" : "", plan[t][k]->name);
	}
	printf(") ops=%u per thread and round, seconds=%g, linearized: ", g_opt.ops, g_opt.seconds);
	if (g_opt.linearize)
		printf("one round in %u\n", g_opt.linearize);
	else
		printf("none\n");
	if (g_opt.delays < 0)
		g_opt.delays = g_opt.mode == MODE_PERF ? 0 : 16;
	if (g_opt.delays && !fence_delay_injection(0, 0)) {
		printf("fence-torture: no delay points in this build (release): --delays ignored\n");
		g_opt.delays = 0;
	}
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	printf("fence-torture: core: %s\n", harness::describe_backend().c_str());
	printf("fence-torture: rerun: %s --mode %s --threads %u --seconds %g --delays %ld "
	       "--ops %u --linearize %u --seed 0x%" PRIx64 "\n",
	       self, kModeNames[g_opt.mode], g_opt.threads, g_opt.seconds, g_opt.delays, g_opt.ops,
	       g_opt.linearize, g_opt.seed);
	fflush(stdout);

	// Every WARN is a failure; counted here rather than fatal, as rcutorture
	// counts its errors, so the summary still comes out.
	fence::panic_on_warn.store(false);
	fence::set_warn_hook(on_warn);
	// A crash writes the round in progress: aborts (the core's oracles; an
	// unloaded-module trap under TSan), faults (before the sanitizer's report,
	// or the default action), and a sanitizer's report through its death
	// callback.
	signal(SIGABRT, on_fatal_signal);
	struct sigaction sa = {};
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &g_old_segv);
	sigaction(SIGBUS, &sa, &g_old_bus);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(dump_round_for_crash);

	harness::thread_run_options topt;
	rng r{g_opt.seed};
	totals tot;
	const auto t0 = std::chrono::steady_clock::now();
	g_t0 = t0;
	const auto deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
					   std::chrono::duration<double>(g_opt.seconds));
	auto next = t0 + std::chrono::seconds(2);
	fence_delay_injection(static_cast<unsigned>(g_opt.delays), g_opt.seed);
	if (g_opt.stall > 0)
		std::thread(stall_watchdog).detach();
	while (std::chrono::steady_clock::now() < deadline &&
	       !(g_opt.stop_on_violation && g_violations.load())) {
		const harness::cprogram cp = make_round(r, plan);
		const uint64_t round = ++tot.rounds;
		g_round_ptr.store(nullptr);
		g_round_text = round_text(cp, round, "the run crashed or stalled in this round (see its log)");
		g_round_len.store(g_round_text.size());
		g_round_ptr.store(g_round_text.c_str());
		topt.jitter_seed = r.next();
		topt.linearize = g_opt.linearize && round % g_opt.linearize == 0;
		const uint64_t warns0 = g_warns.load();
		g_round_number.store(round);
		g_round_started_ns.store(steady_ns());
		const harness::thread_report rep = harness::run_concurrent_threads(cp, topt);
		if (g_round_started_ns.exchange(0) == kStallClaimed)
			for (;;) // the watchdog reports this round and ends the process
				std::this_thread::sleep_for(std::chrono::seconds(1));
		tot.ops += rep.ops;
		tot.skipped += rep.skipped;
		tot.inconclusive += rep.inconclusive;
		for (int k = 0; k < harness::kOpKinds; k++)
			tot.per_kind[k] += rep.per_kind[k];
		if (!rep.ok)
			violation(rep.kind == "contract" ? rep.signature : rep.kind, rep.symptom, rep.text, cp, round);
		// A misuse op's WARNs (timestamp_race) are expected: its outcome
		// counts them and the linearizer judges that count.
		if (g_warns.load() - warns0 != rep.warns)
			violation("warn", "the core WARNed in this round (its report above)", "", cp, round);
		const auto now = std::chrono::steady_clock::now();
		if (now >= next) {
			print_stats(tot, std::chrono::duration<double>(now - t0).count());
			next += std::chrono::seconds(2);
		}
	}
	fence_delay_injection(0, 0);
	g_round_ptr.store(nullptr);
	const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

	// Summary (rcutorture: counters, then the verdict).
	print_stats(tot, elapsed);
	const uint64_t n_viol = g_violations.load();
	printf("fence-torture: summary: mode=%s threads=%u seconds=%.1f seed=0x%" PRIx64 "\n",
	       kModeNames[g_opt.mode], g_opt.threads, elapsed, g_opt.seed);
	printf("n_rounds %" PRIu64 " n_ops %" PRIu64 " n_violations %" PRIu64 "\n", tot.rounds, tot.ops, n_viol);
	printf("ops:");
	for (int k = 0; k < harness::kOpKinds; k++)
		if (tot.per_kind[k])
			printf(" %s=%" PRIu64, harness::info(static_cast<op_kind>(k)).name, tot.per_kind[k]);
	printf(" (skipped by their preconditions: %" PRIu64 ")\nfailures:", tot.skipped);
	if (g_fail_kinds.empty())
		printf(" none");
	for (const auto &k : g_fail_kinds)
		printf(" %s=%" PRIu64, k.first.c_str(), k.second);
	const harness::reader_pipe_counts pipe = harness::reader_pipe();
	printf("\nReader Pipe (grace periods since the module's unload began, at use):");
	for (int a = 0; a < harness::kReaderPipe; a++)
		printf(" %d%s:%" PRIu64, a, a == harness::kReaderPipe - 1 ? "+" : "", pipe.age[a]);
	printf(" unloaded:%" PRIu64 "\n", pipe.unloaded);
	printf("rate: %.0f ops/s, %.0f rounds/s over %u threads\n", tot.ops / elapsed, tot.rounds / elapsed,
	       g_opt.threads);
	if (n_viol)
		printf("!!! End of test: FAILURE (%" PRIu64 " violations) seed=0x%" PRIx64 "\n", n_viol, g_opt.seed);
	else
		printf("--- End of test: SUCCESS\n");
	fflush(stdout);
	return n_viol ? 1 : 0;
}

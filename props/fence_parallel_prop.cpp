// SPDX-License-Identifier: MIT
//
// fence_parallel_prop.cpp - parallel (linearizability) properties of the
// fence core. Debian's RapidCheck has no parallel state testing
// (checkParallel never merged), so this builds it on rc::state-style
// generation: a sequential prefix of catalog ops planned on harness::model,
// then 2..3 short branches of ops that are safe to run concurrently (see
// parallel_exec.h for the slot ownership rules), run on real threads started
// together. The observed results must be explained by some interleaving of
// the model (an exhaustive search over <= 1680 interleavings). Each case runs
// kRepeats times with different per-op delays, to catch rare schedules.
//
// Oracle (what output means broken): a failing gtest whose message says "not
// linearizable" and lists each thread's ops with what they observed, the
// longest interleaving the model could explain, and the first result it
// could not; or a prefix divergence, a teardown leak, a sanitizer report or
// WARN. The failing case is written as a concurrent program with shared
// slots (harness/concurrent.h: "slots: shared", the prefix as its setup, the
// branches as its threads) that this binary replays on real threads:
//   FENCEFUZZ_PROPS_REPLAY=FILE [FENCEFUZZ_PROPS_REPLAY_RUNS=N] fence_parallel_prop
// and that fence-repro replays whole on the deterministic scheduler
// (fence-repro --search N FILE tries N schedules).
//
// Environment: FENCEFUZZ_PROPS_PAR_REPEATS (runs per case, default 6; ten
// times that while shrinking), FENCEFUZZ_PROPS_DEBUG=1 (print each case),
// FENCEFUZZ_PROPS_REPLAY / _REPLAY_RUNS (replay a case file, default 2000
// runs), FENCEFUZZ_PROPS_MODULE_RACES=1 (see "Module scans" below).
//
// Module scans: fence_module_create_fence() (its reap), fence_module_irq()
// and fence_module_timeline_inc() each take a module's whole pending list
// while they scan it, so two of them on one module at once can miss each
// other's fences (an interrupt "lost" until the next scan). That is a
// property of the simulated modules, not of the dma_fence core; the
// generator therefore lets only one branch scan a given module. Set
// FENCEFUZZ_PROPS_MODULE_RACES=1 to lift that rule and watch it fail.
#include "props_common.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "parallel_exec.h"

namespace props::par {
inline void showValue(const pcase &c, std::ostream &os) { os << "\n" << format_case(c); }
} // namespace props::par

namespace {

using harness::model;
using harness::op;
using harness::op_kind;
using props::pick;
using props::weights;
using namespace props::par;

constexpr int kRepeatsDefault = 6;

int repeats()
{
	static const int n = [] {
		const char *e = getenv("FENCEFUZZ_PROPS_PAR_REPEATS");
		int v = e ? atoi(e) : 0;
		return v > 0 ? v : kRepeatsDefault;
	}();
	return n;
}

struct par_spec {
	std::vector<int> models; // driver models the prefix loads
	weights prefix;		 // extra prefix ops, after the loads and creates
	weights branch;		 // branch ops
};

#define W(n, k) {n, op_kind::k}

// Make @o fit branch @t: own destination slots and callbacks, shared or own
// sources, timeout 0.
void fit_to_thread(op &o, int t, const model &m)
{
	const harness::op_info &in = harness::info(o.kind);
	for (int i = 0; i < in.nargs; i++) {
		switch (in.args[i]) {
		case harness::arg_type::fence: {
			const bool dest = i == 0 && (o.kind == op_kind::create || o.kind == op_kind::get ||
						     o.kind == op_kind::get_rcu_safe || o.kind == op_kind::put);
			if (dest) {
				o.a[i] = own_fence(t);
				break;
			}
			if (static_cast<int>(o.a[i]) < kSharedFences || static_cast<int>(o.a[i]) == own_fence(t))
				break;
			std::vector<int> cand;
			for (int s = 0; s < kSharedFences; s++)
				if (m.fslot[s] >= 0 &&
				    ((o.kind != op_kind::is_later && o.kind != op_kind::later) || i == 0 ||
				     m.fslot[o.a[0]] < 0 ||
				     m.fences[m.fslot[s]].context == m.fences[m.fslot[o.a[0]]].context))
					cand.push_back(s);
			cand.push_back(own_fence(t));
			o.a[i] = cand[pick(0, static_cast<int>(cand.size()))];
			break;
		}
		case harness::arg_type::cb: {
			// Removing: prefer an own callback the prefix queued; adding: a free one.
			int c = 2 * t + static_cast<int>(o.a[i] & 1);
			const int other = c ^ 1;
			const bool add = o.kind == op_kind::add_cb;
			if (add ? m.cb_pending[c] && !m.cb_pending[other]
				: !m.cb_pending[c] && m.cb_pending[other])
				c = other;
			o.a[i] = c;
			break;
		}
		case harness::arg_type::timeout: o.a[i] = 0; break;
		default: break;
		}
	}
}

pcase gen_case(const par_spec &sp)
{
	pcase c;
	model m;
	auto add = [&](const op &o) {
		if (harness::op_legal(m, o)) {
			harness::model_apply(m, o);
			c.prefix.push_back(o);
		}
	};
	const int nmods = pick(1, 3);
	for (int i = 0; i < nmods; i++) {
		op o;
		o.kind = op_kind::load;
		o.a[0] = i;
		o.a[1] = sp.models[pick(0, static_cast<int>(sp.models.size()))];
		add(o);
	}
	const int nfences = pick(1, 5);
	for (int i = 0; i < nfences; i++) {
		op o;
		o.kind = op_kind::create;
		o.a[0] = pick(0, kSharedFences);
		o.a[1] = pick(0, nmods);
		o.a[2] = props::pick_seqno();
		o.a[3] = pick(0, 4);
		add(o);
	}
	const int nextra = pick(0, 6);
	for (int i = 0; i < nextra; i++) {
		op o = props::pick_op(m, props::pick_kind(sp.prefix), {});
		if (o.kind == op_kind::add_cb && o.a[1] >= 6 && pick(0, 4))
			o.a[1] = pick(0, 6); // mostly callbacks a thread owns (it may remove them)
		add(o);
	}

	const int nthreads = pick(2, 4);
	const int per = nthreads == 3 ? 3 : kMaxBranchOps;
	c.branches.resize(nthreads);
	for (int t = 0; t < nthreads; t++) {
		const int n = pick(1, per + 1);
		for (int i = 0; i < n; i++) {
			op o = props::pick_op(m, props::pick_kind(sp.branch), {});
			fit_to_thread(o, t, m);
			c.branches[t].push_back(o);
		}
	}
	// Drop ops until every op is legal in every interleaving.
	int bt, bi;
	std::string why;
	while (!case_ok(c, &bt, &bi, &why)) {
		if (bt < 0) {
			c.branches.clear();
			break;
		}
		c.branches[bt].erase(c.branches[bt].begin() + bi);
	}
	return c;
}

size_t count_ops(const pcase &c)
{
	size_t n = c.prefix.size();
	for (auto &b : c.branches)
		n += b.size();
	return n;
}

std::string as_comments(const std::string &text)
{
	std::istringstream in(text);
	std::string out;
	for (std::string line; std::getline(in, line);)
		out += "# | " + line + "\n";
	return out;
}

void run_parallel(const par_spec &sp)
{
	const pcase c = *rc::gen::exec([&sp] { return gen_case(sp); });
	int busy = 0;
	for (const auto &b : c.branches)
		busy += !b.empty();
	RC_TAG(std::to_string(busy) + " threads");
	props::fresh_process_state();
	props::inflight(format_case(c));
	// The prefix alone, through the interpreter: the core matches the model
	// sequentially (every field, every op), and tears down cleanly.
	{
		harness::run_options opt;
		opt.throw_on_divergence = true;
		opt.source = "props parallel prefix";
		harness::session s(opt);
		try {
			for (const op &o : c.prefix)
				s.step(o);
			s.finish();
		} catch (const harness::divergence &d) {
			props::note_failure({format_case(c),
					     "prefix DIVERGENCE at op #" + std::to_string(d.op_index) + ": " +
						     d.check,
					     count_ops(c)});
			throw;
		}
	}
	props::fresh_process_state();
	if (getenv("FENCEFUZZ_PROPS_DEBUG"))
		std::cerr << "---- case:\n" << format_case(c);
	static uint64_t seed = 1;
	// Once a case failed, RapidCheck shrinks it: a shrink is only kept if it
	// fails again, so try each one harder (races do not fail every time).
	const int n = props::failed_yet() ? 10 * repeats() : repeats();
	for (int r = 0; r < n; r++) {
		const run_report rep = run_once(c, seed++);
		if (!rep.ok) {
			props::note_failure({format_case(c) + as_comments(rep.text), rep.symptom, count_ops(c)});
			RC_FAIL(rep.text);
		}
	}
}

constexpr const char *kReplay = "FENCEFUZZ_PROPS_REPLAY=FILE BIN  (REPRO FILE replays the prefix)";

// Replay a case file many times; exit 1 if it reproduces.
int replay(const char *path)
{
	std::ifstream in(path);
	if (!in) {
		std::cerr << "fence_parallel_prop: cannot read " << path << "\n";
		return 2;
	}
	std::stringstream ss;
	ss << in.rdbuf();
	pcase c;
	std::string err;
	if (!parse_case(ss.str(), &c, &err)) {
		std::cerr << path << ": " << err << "\n";
		return 2;
	}
	int bt, bi;
	if (!case_ok(c, &bt, &bi, &err)) {
		std::cerr << path << ": not a valid parallel case: " << err << "\n";
		return 2;
	}
	harness::init_process();
	const char *e = getenv("FENCEFUZZ_PROPS_REPLAY_RUNS");
	const int runs = e && atoi(e) > 0 ? atoi(e) : 2000;
	std::cout << "replaying " << path << " (" << c.branches.size() << " threads, " << runs
		  << " runs):\n"
		  << format_case(c);
	for (int r = 0; r < runs; r++) {
		props::fresh_process_state();
		const run_report rep = run_once(c, static_cast<uint64_t>(r) + 1);
		if (!rep.ok) {
			std::cout << "REPRODUCED in run " << r + 1 << " of " << runs << ": " << rep.symptom
				  << "\n"
				  << rep.text;
			return 1;
		}
	}
	std::cout << "not reproduced in " << runs << " runs\n";
	return 0;
}

} // namespace

// Everything that is safe to race: signals, callbacks, queries, references,
// RCU slots, module interrupts, on every driver model and lock kind.
FENCE_PROP(FenceParallelProp, Linearizable, kReplay)
{
	static const par_spec sp{
		{0, 1, 2, 3, 4, 5},
		{W(4, add_cb), W(2, publish), W(2, get), W(1, signal), W(1, set_error), W(1, enable_sw),
		 W(1, irq), W(1, inc), W(1, create), W(1, stub)},
		{W(3, signal), W(1, signal_ts), W(1, signal_locked), W(2, check_and_signal),
		 W(2, set_error), W(3, add_cb), W(3, remove_cb), W(1, drop_cb), W(2, enable_sw),
		 W(2, is_signaled), W(2, test_flag), W(2, status), W(1, status_locked), W(1, wait),
		 W(1, set_deadline), W(2, names), W(1, is_later), W(1, later), W(2, get),
		 W(2, put), W(1, publish), W(1, clear), W(2, get_rcu_safe), W(1, sync_rcu),
		 W(1, rcu_barrier), W(2, irq), W(2, inc), W(1, create)}};
	run_parallel(sp);
}

// Signal against callback registration, removal and the status queries: a
// callback runs exactly once or is removed, never both, never neither; a
// thread that saw "signaled" can no longer remove a queued callback.
FENCE_PROP(FenceParallelProp, SignalRacesCallbacks, kReplay)
{
	static const par_spec sp{
		{0, 1, 5, 0, 2},
		{W(6, add_cb), W(1, enable_sw), W(1, set_error), W(1, get)},
		{W(4, signal), W(2, check_and_signal), W(1, signal_locked), W(4, add_cb), W(4, remove_cb),
		 W(1, drop_cb), W(3, test_flag), W(3, status), W(2, is_signaled), W(1, enable_sw),
		 W(1, irq), W(1, inc), W(1, wait)}};
	run_parallel(sp);
}

// get_rcu_safe against publish, clear, the last put and, on the recycling
// model, immediate reuse of the released fence (SLAB_TYPESAFE_BY_RCU): the
// reader gets exactly a fence that was in the slot, with a reference, never
// a dead or recycled one.
FENCE_PROP(FenceParallelProp, GetRcuSafeRacesRelease, kReplay)
{
	static const par_spec sp{
		{2, 2, 0, 3},
		{W(5, publish), W(2, get), W(1, signal)},
		{W(5, get_rcu_safe), W(3, publish), W(3, clear), W(3, put), W(3, create), W(1, get),
		 W(2, signal), W(1, rcu_barrier), W(1, sync_rcu), W(1, status)}};
	run_parallel(sp);
}

int main(int argc, char **argv)
{
	if (const char *e = getenv("FENCEFUZZ_PROPS_MODULE_RACES"); e && *e == '1')
		allow_module_scan_races(true);
	if (const char *path = getenv("FENCEFUZZ_PROPS_REPLAY"); path && *path)
		return replay(path);
	return props::props_main(argc, argv, "max_success=500 max_size=100");
}

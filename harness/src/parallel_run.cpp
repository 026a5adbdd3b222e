// SPDX-License-Identifier: MIT
//
// parallel_run.cpp - the real-thread runner (harness/parallel.h).
//
// Oracle: see parallel.h. A sanitizer report, a WARN (panic_on_warn) or an
// "access to unloaded module" trap aborts the process as everywhere.
#include "harness/parallel.h"

#include <atomic>
#include <sstream>
#include <thread>

#include "catalog.h"
#include "linearize.h"
#include "seq_run.h"

namespace harness {

namespace {

// Exhaustive for the small cases the properties make (<= 9 ops in <= 3
// branches: at most 1680 interleavings, a few steps each).
constexpr unsigned long kBudget = 2000000;

uint64_t xorshift(uint64_t &s)
{
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

std::string observed(const op_record &r)
{
	std::string s = show(r.out);
	if (r.ident.known)
		s += " -> " + r.ident.text();
	for (const cb_record &e : r.events)
		s += ", ran c" + std::to_string(e.slot) + " err " + std::to_string(e.error) +
		     (e.ts_bit ? "" : " !ts");
	return s;
}

} // namespace

parallel_report run_parallel(const std::vector<op> &prefix,
			     const std::vector<std::vector<op>> &branches, uint64_t jitter_seed)
{
	parallel_report rep;
	run_options opt;
	opt.throw_on_divergence = true;
	opt.full_check_every = 1;
	seq_run s(opt);
	s.w().real_threads = true;
	try {
		for (const op &o : prefix)
			s.step(o);
	} catch (const divergence &d) {
		rep.ok = false;
		rep.symptom = "prefix: " + d.check + ": expected " + d.expected + ", actual " + d.actual;
		rep.text = d.what();
		s.teardown_unchecked();
		return rep;
	}

	const size_t n = branches.size();
	std::vector<std::vector<op_record>> recs(n);
	const model m0 = s.m();
	if (n) {
		fence_rcu_set_auto_reclaim(true); // real grace periods while readers race
		std::atomic<uint64_t> clock{0};
		std::atomic<int> ready{0};
		std::atomic<bool> go{false};
		std::vector<std::thread> th;
		for (size_t t = 0; t < n; t++)
			th.emplace_back([&, t] {
				uint64_t rnd = jitter_seed * 0x9e3779b97f4a7c15ULL + t + 1;
				const unsigned spread = 1u << (xorshift(rnd) % 9); // 1..256 pauses
				ready.fetch_add(1, std::memory_order_acq_rel);
				// Spin (yielding now and then: there may be more threads than CPUs).
				for (unsigned k = 1; !go.load(std::memory_order_acquire); k++)
					if (k % 64)
						cpu_relax();
					else
						std::this_thread::yield();
				for (size_t i = 0; i < branches[t].size(); i++) {
					for (unsigned k = xorshift(rnd) % spread; k; k--)
						cpu_relax();
					op_record r;
					r.thread = static_cast<int>(t);
					r.index = i;
					r.o = r.orig = branches[t][i];
					r.start = clock.fetch_add(1, std::memory_order_acq_rel) + 1;
					run_record(s.w(), r);
					r.end = clock.fetch_add(1, std::memory_order_acq_rel) + 1;
					recs[t].push_back(std::move(r));
				}
			});
		while (ready.load(std::memory_order_acquire) != static_cast<int>(n))
			std::this_thread::yield();
		go.store(true, std::memory_order_release);
		for (auto &x : th)
			x.join();
		fence_rcu_set_auto_reclaim(false);
	}

	const lin_result lr = linearize(recs, m0, s.w(), kBudget);
	if (!lr.ok) {
		rep.ok = false;
		std::ostringstream out;
		if (lr.out_of_budget) {
			rep.symptom = "linearizability search gave up after " + std::to_string(lr.steps) +
				      " model steps";
		} else {
			rep.symptom = "not linearizable: " + lr.best_why;
		}
		out << "no order of the model explains the observed results (" << lr.steps
		    << " model steps)\n";
		for (size_t t = 0; t < n; t++) {
			out << "  thread " << t << ":\n";
			for (const op_record &r : recs[t])
				out << "    [" << r.start << ".." << r.end << "] " << format_op(r.orig)
				    << "  => " << observed(r) << "\n";
		}
		out << "  deepest order the model explains (" << lr.best_depth << " of " << lr.total
		    << " ops):\n";
		for (const op_record *r : lr.best_order)
			out << "    " << where(*r) << "\n";
		out << "  then: " << lr.best_why << "\n";
		rep.text = out.str();
		s.teardown_unchecked();
		return rep;
	}
	s.m() = lr.found;
	try {
		s.finish();
	} catch (const divergence &d) {
		rep.ok = false;
		rep.symptom = "teardown: " + d.check + ": expected " + d.expected + ", actual " + d.actual;
		rep.text = d.what();
	}
	return rep;
}

} // namespace harness

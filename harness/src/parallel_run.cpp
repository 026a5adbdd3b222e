// SPDX-License-Identifier: MIT
//
// parallel_run.cpp - the real-thread runner (harness/parallel.h).
//
// Oracle: see parallel.h. A sanitizer report, a WARN (panic_on_warn) or an
// "access to unloaded module" trap aborts the process as everywhere.
#include "harness/parallel.h"

#include <algorithm>
#include <atomic>
#include <sstream>
#include <thread>

#include "catalog.h"
#include "fork.h"
#include "linearize.h"
#include "seq_run.h"
#include "harness/core_api.h"

namespace harness {

namespace {

uint64_t xorshift(uint64_t &s)
{
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

// A thread's pauses between its ops: 0..spread-1 cpu_relax() each, the
// spread drawn per thread (1..256), so that the threads' ops overlap in
// ever other ways.
struct pacer {
	uint64_t rnd;
	unsigned spread;
	void operator()() const
	{
		uint64_t r = rnd;
		for (unsigned k = xorshift(r) % spread; k; k--)
			cpu_relax();
		const_cast<pacer *>(this)->rnd = r;
	}
};

// Start @n threads running @body(t, pause), release them together (real
// grace periods while they run: RCU auto reclaim on), and join them.
template <typename F> void release_threads(size_t n, uint64_t jitter_seed, F body)
{
	fence_rcu_set_auto_reclaim(true); // real grace periods while readers race
	std::atomic<int> ready{0};
	std::atomic<bool> go{false};
	std::vector<std::thread> th;
	for (size_t t = 0; t < n; t++)
		th.emplace_back([&, t] {
			uint64_t rnd = jitter_seed * 0x9e3779b97f4a7c15ULL + t + 1;
			const unsigned spread = 1u << (xorshift(rnd) % 9); // 1..256 pauses
			const pacer pause{rnd, spread};
			ready.fetch_add(1, std::memory_order_acq_rel);
			// Spin (yielding now and then: there may be more threads than CPUs).
			for (unsigned k = 1; !go.load(std::memory_order_acquire); k++)
				if (k % 64)
					cpu_relax();
				else
					std::this_thread::yield();
			body(t, pause);
		});
	while (ready.load(std::memory_order_acquire) != static_cast<int>(n))
		std::this_thread::yield();
	go.store(true, std::memory_order_release);
	for (auto &x : th)
		x.join();
	fence_rcu_set_auto_reclaim(false);
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

reader_pipe_counts reader_pipe()
{
	static_assert(kReaderPipe == kPipe);
	reader_pipe_counts c;
	for (int a = 0; a < kPipe; a++)
		c.age[a] = world::pipe.age[a].load(std::memory_order_relaxed);
	c.unloaded = world::pipe.unloaded.load(std::memory_order_relaxed);
	c.grace_periods = fence_rcu_gp_count();
	return c;
}

thread_report run_concurrent_threads(const cprogram &cp, const thread_run_options &topt)
{
	thread_report rep;
	run_options opt;
	opt.throw_on_divergence = true;
	opt.full_check_every = 1;
	const long slab0 = fence_slab_live(), mods0 = fence_module_count_loaded();
	const int n = static_cast<int>(std::min<size_t>(cp.threads.size(), kMaxThreads));
	seq_run s(opt);
	s.w().real_threads = true;
	try {
		for (const op &o : cp.setup)
			s.step(o);
		if (!cp.shared_slots)
			fork_threads(s, n);
	} catch (const divergence &d) {
		rep.ok = false;
		rep.kind = d.check.rfind("contract ", 0) == 0 ? "contract" : "model";
		rep.signature = "setup-" + d.check;
		rep.symptom = "setup: " + d.check + ": expected " + d.expected + ", actual " + d.actual;
		rep.text = d.what();
		s.teardown_unchecked();
		return rep;
	}
	int owner[kModuleSlots];
	module_owners(cp, n, owner);

	std::vector<std::vector<op_record>> recs(n);
	std::vector<unsigned long> skipped(n);
	const model m0 = s.m();
	std::atomic<uint64_t> clock{0};
	release_threads(static_cast<size_t>(n), topt.jitter_seed, [&](size_t t, const pacer &pause) {
		const std::vector<op> &ops = cp.threads[t];
		bool fail_next = false;
		for (size_t i = 0; i < ops.size(); i++) {
			pause();
			const op o = cp.shared_slots ? ops[i] : remap(ops[i], static_cast<int>(t));
			if (!thread_may_run(s.w(), owner, o, static_cast<int>(t))) {
				skipped[t]++;
				fail_next = false;
				continue;
			}
			op_record r;
			r.thread = static_cast<int>(t);
			r.index = i;
			r.o = o;
			r.orig = ops[i];
			r.fail = fail_next;
			fail_next = desc(o.kind).arms_failnext;
			r.start = clock.fetch_add(1, std::memory_order_acq_rel) + 1;
			run_record(s.w(), r);
			r.end = clock.fetch_add(1, std::memory_order_acq_rel) + 1;
			recs[t].push_back(std::move(r));
		}
		fence_signal_clear(current);
	});

	std::ostringstream out;
	for (int t = 0; t < n; t++) {
		rep.skipped += skipped[t];
		out << "  thread " << t << ":\n";
		for (const op_record &r : recs[t]) {
			rep.ops++;
			rep.per_kind[static_cast<int>(r.orig.kind)]++;
			rep.warns += static_cast<unsigned long>(r.out.warns);
			out << "    [" << r.start << ".." << r.end << "] #" << r.index << " "
			    << format_op(r.orig) << (r.fail ? " (allocation fails)" : "") << "  => "
			    << observed(r) << "\n";
			if (!r.broke.empty() && rep.ok) {
				rep.ok = false;
				rep.kind = "contract";
				rep.signature = contract_kind(r.broke);
				rep.symptom = "thread " + std::to_string(t) + " op #" +
					      std::to_string(r.index) + " " + format_op(r.orig) + ": " +
					      r.broke;
			}
		}
	}
	rep.text = out.str();
	if (!rep.ok) {
		s.teardown_unchecked();
		return rep;
	}
	bool checked = false;
	if (topt.linearize) {
		const lin_result lr = linearize(recs, m0, s.w(), topt.budget);
		if (lr.ok) {
			s.m() = lr.found;
			checked = true;
		} else if (lr.out_of_budget) {
			rep.inconclusive = true;
		} else {
			rep.ok = false;
			rep.kind = "model";
			const size_t q = lr.best_why.find('\'');
			rep.signature = lr.best_why.rfind("the final state", 0) == 0 ? "concurrent-final-state"
					: q != std::string::npos
						? "concurrent-" + lr.best_why.substr(q + 1, lr.best_why.find(' ', q) - q - 1)
						: "concurrent";
			rep.symptom = "not linearizable: " + lr.best_why;
			std::ostringstream o2;
			o2 << "  deepest order the model explains (" << lr.best_depth << " of " << lr.total
			   << " ops):\n";
			for (const op_record *r : lr.best_order)
				o2 << "    " << where(*r) << "\n";
			o2 << "  then: " << lr.best_why << "\n";
			rep.text += o2.str();
			s.teardown_unchecked();
			return rep;
		}
	}
	if (checked) {
		try {
			s.finish(); // checked teardown, and its leak counts
		} catch (const divergence &d) {
			rep.ok = false;
			rep.kind = d.check.find("after teardown") != std::string::npos ? "leak" : "model";
			rep.signature = "teardown";
			rep.symptom = "teardown: " + d.check + ": expected " + d.expected + ", actual " + d.actual;
			rep.text += d.what();
		}
		return rep;
	}
	s.teardown_unchecked();
	if (topt.check_leaks) {
		const long slab = fence_slab_live() - slab0, mods = fence_module_count_loaded() - mods0;
		if (slab || mods) {
			rep.ok = false;
			rep.kind = "leak";
			rep.signature = "teardown";
			rep.symptom = std::to_string(slab) + " objects of fence memory and " +
				      std::to_string(mods) + " modules left after the teardown";
		}
	}
	return rep;
}

} // namespace harness

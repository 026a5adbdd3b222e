// SPDX-License-Identifier: MIT
//
// concurrent_run.cpp - run a concurrent program on the deterministic
// scheduler and check that some sequential order explains it.
//
// Oracle (what output means broken): "fencefuzz: DIVERGENCE ... (concurrent
// run)" means no order of the threads' ops that respects real time makes the
// model return what the core returned, run the callbacks the core ran, and
// end in the core's final state; "fencefuzz: DEADLOCK" (sched.cpp) means the
// threads can never all finish; the sequential oracle covers setup and
// teardown; sanitizer reports, WARNs and unloaded-module traps are bugs as
// everywhere. Every op a thread runs is legal by the rules in concurrent.h,
// so each of these is a bug in the core.
//
// How: the setup runs through the sequential runner (seq_run.h). Each thread
// gets a reference to each setup fence (steps "get fT+N fN", T the thread's
// slot base), then the threads run their ops on the runner's world through
// their descriptors' core() (catalog.h), on their own slot ranges, recording
// an op_record each (result, callbacks, logical start and end). The one
// linearizer (linearize.h) then looks for an order that explains them and
// checks the core's final state; that order's model replaces the runner's,
// whose teardown then checks for leaks as usual. If the search budget runs
// out the run counts as inconclusive and the core is torn down unchecked.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <sstream>

#include "harness/core_api.h"
#include "harness/concurrent.h"
#include "harness/sched.h"
#include "catalog.h"
#include "fork.h"
#include "linearize.h"
#include "seq_run.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FENCEFUZZ_HAVE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FENCEFUZZ_HAVE_ASAN 1
#endif
#ifdef FENCEFUZZ_HAVE_ASAN
extern "C" void __asan_set_error_report_callback(void (*callback)(const char *));
#endif

namespace harness {

namespace {

concurrent_stats g_cstats;
// Model steps the search may spend per run ($FENCEFUZZ_SEARCH_BUDGET overrides,
// for tests); past it the run counts as inconclusive, not as a divergence.
constexpr unsigned long kSearchBudget = 20000;
unsigned long search_budget()
{
	const char *e = getenv("FENCEFUZZ_SEARCH_BUDGET");
	return e ? strtoul(e, nullptr, 0) : kSearchBudget;
}

struct run_state {
	seq_run *s = nullptr;
	const cprogram *cp = nullptr;
	const run_options *opt = nullptr;
	schedule_spec spec;
	std::vector<std::vector<op_record>> recs;
	int owner[kModuleSlots];
	uint64_t clock = 0;
	int workers_done = 0;
	std::ostream *log = nullptr;
};

bool thread_legal(run_state &rs, const op &o, int t)
{
	return thread_may_run(rs.s->w(), rs.owner, o, t);
}

std::string describe_records(const run_state &rs)
{
	std::vector<const op_record *> all;
	for (auto &t : rs.recs)
		for (auto &r : t)
			all.push_back(&r);
	std::sort(all.begin(), all.end(), [](auto *a, auto *b) { return a->start < b->start; });
	std::string s;
	char buf[128];
	for (auto *r : all) {
		snprintf(buf, sizeof(buf), "    [%3" PRIu64 "..%3" PRIu64 "] thread %d #%zu: ", r->start,
			 r->end, r->thread, r->index);
		s += buf + format_op(r->orig) + (r->fail ? " (allocation fails)" : "") + " = " +
		     show(r->out);
		for (auto &e : r->events)
			s += ", ran c" + std::to_string(e.slot % kCbSlots) + "@thread" +
			     std::to_string(e.slot / kCbSlots - 1) + " err " + std::to_string(e.error);
		s += "\n";
	}
	return s;
}

std::string report_head(const run_state &rs)
{
	const char *src = !rs.opt->source.empty() ? rs.opt->source.c_str() : "(fuzzer input)";
	return std::string("  source:   ") + src + "\n  schedule: " + format_schedule(rs.spec) + "\n";
}

[[noreturn]] void concurrent_divergence(run_state &rs, const lin_result &sr)
{
	std::string r = "fencefuzz: DIVERGENCE between the fence core and the model (concurrent run)\n";
	r += report_head(rs);
	r += "  no sequential order of the threads' ops explains what they returned\n";
	r += "  deepest explanation: " + std::to_string(sr.best_depth) + " of " +
	     std::to_string(sr.total) + " ops in this order:\n";
	for (auto *o : sr.best_order)
		r += "    " + where(*o) + "\n";
	r += "  then: " + sr.best_why + "\n";
	r += "  ops as they ran [start..end]:\n" + describe_records(rs);
	r += "  program:\n" + format_concurrent(*rs.cp);
	if (rs.opt->throw_on_divergence)
		throw divergence(r, sr.best_depth, "concurrent linearization", "", "");
	fputs(r.c_str(), stderr);
	fflush(stderr);
	// The signature: the op the deepest order could not explain, or the final state.
	const size_t q = sr.best_why.find('\'');
	std::string sig = "concurrent-";
	if (sr.best_why.rfind("the final state", 0) == 0)
		sig += "final-state";
	else if (q != std::string::npos)
		sig += sr.best_why.substr(q + 1, sr.best_why.find(' ', q) - q - 1);
	fence_oracle("model", sig.c_str());
	abort();
}

// An op broke a contract of catalog.h (post(), or a check inside its core
// side): what holds under any interleaving did not.
[[noreturn]] void concurrent_contract(run_state &rs, const op_record &r)
{
	std::string rep = "fencefuzz: CONTRACT broken by the fence core (concurrent run)\n";
	rep += report_head(rs);
	rep += "  thread " + std::to_string(r.thread) + " op #" + std::to_string(r.index) + " " +
	       format_op(r.orig) + ": " + r.broke + "\n";
	rep += "  ops as they ran [start..end]:\n" + describe_records(rs);
	rep += "  program:\n" + format_concurrent(*rs.cp);
	if (rs.opt->throw_on_divergence)
		throw divergence(rep, r.index, "contract " + contract_kind(r.broke), "kept", r.broke);
	fputs(rep.c_str(), stderr);
	fflush(stderr);
	fence_oracle("contract", (std::string(info(r.orig.kind).name) + "-" + contract_kind(r.broke)).c_str());
	abort();
}

#ifdef FENCEFUZZ_HAVE_ASAN
// The replay line for sanitizer reports from inside a concurrent run.
std::string g_asan_note;
void asan_report_note(const char *)
{
	if (!g_asan_note.empty())
		fprintf(stderr, "%s", g_asan_note.c_str());
}
#endif

} // namespace

void init_concurrent_process()
{
	init_process();
	// The global stub is initialised on first use inside a function-local
	// static; do it now, not in a logical thread (a switch inside a static
	// initialiser would block the next thread on its guard, outside the
	// scheduler's view).
	dma_fence_put(dma_fence_get_stub());
#ifdef FENCEFUZZ_HAVE_ASAN
	__asan_set_error_report_callback(asan_report_note);
#endif
}

void run_concurrent(const cprogram &cp, const run_options &opt)
{
	run_state rs;
	rs.cp = &cp;
	rs.opt = &opt;
	rs.log = opt.log;
	rs.spec = cp.schedule;
	if (const char *env = getenv("FENCEFUZZ_SCHEDULE")) {
		std::string err;
		if (!parse_schedule(env, &rs.spec, &err)) {
			fprintf(stderr, "fencefuzz: FENCEFUZZ_SCHEDULE='%s': %s\n", env, err.c_str());
			abort();
		}
	}
	const int nthreads = static_cast<int>(std::min<size_t>(cp.threads.size(), kMaxThreads));
#ifdef FENCEFUZZ_HAVE_ASAN
	g_asan_note = "fencefuzz: the report above came from a concurrent run; replay it with the "
		      "same program and\n  schedule: " + format_schedule(rs.spec) + "\n";
#endif

	seq_run s(opt);
	rs.s = &s;
#ifdef FENCE_CORE_HAS_TRACE
	if (opt.log)
		dma_fence_set_trace_sink(trace_to_log, opt.log);
#endif
	if (rs.log)
		*rs.log << "concurrent program" << (opt.source.empty() ? "" : " " + opt.source) << " ("
			<< cp.setup.size() << " setup ops, " << nthreads << " threads)\n"
			<< "schedule: " << format_schedule(rs.spec) << "\nsetup:\n";
	for (const op &o : cp.setup)
		s.step(o);

	if (rs.log)
		*rs.log << "fork (each thread takes its own references, the setup drops its own):\n";
	if (!cp.shared_slots)
		fork_threads(s, nthreads);
	module_owners(cp, nthreads, rs.owner);

	const model m0 = s.m();
	rs.recs.resize(nthreads);
	std::vector<std::pair<std::string, std::function<void()>>> threads;
	for (int t = 0; t < nthreads; t++)
		threads.emplace_back("thread " + std::to_string(t), [&rs, t] {
			fence_signal_clear(current);
			fence_failslab_nth(0);
			const std::vector<op> &ops = rs.cp->threads[t];
			bool fail_next = false;
			for (size_t i = 0; i < ops.size(); i++) {
				op o = rs.cp->shared_slots ? ops[i] : remap(ops[i], t);
				dsched::scheduler::annotate("op #" + std::to_string(i) + ": " +
								    format_op(ops[i]),
							    static_cast<int>(ops[i].kind) + 1);
				dsched::scheduler::point("op");
				g_cstats.ops++;
				if (!thread_legal(rs, o, t)) {
					g_cstats.skipped++;
					fail_next = false;
					if (rs.log)
						*rs.log << "  [T" << t << "] #" << i << " " << format_op(ops[i])
							<< "  -> skipped (precondition)\n";
					continue;
				}
				const op_desc &d = desc(o.kind);
				op_record r;
				r.thread = t;
				r.index = i;
				r.o = o;
				r.orig = ops[i];
				r.fail = fail_next;
				fail_next = d.arms_failnext;
				r.start = ++rs.clock;
				if (rs.log)
					*rs.log << "  [T" << t << "] #" << i << " " << format_op(ops[i]) << "\n";
				run_record(rs.s->w(), r);
				r.end = ++rs.clock;
				if (rs.log) {
					*rs.log << "  [T" << t << "] #" << i << " = " << show(r.out) << "\n";
					for (auto &e : r.events)
						*rs.log << "      callback c" << e.slot % kCbSlots << " of thread "
							<< e.slot / kCbSlots - 1 << " ran, error " << e.error
							<< "\n";
				}
				rs.recs[t].push_back(std::move(r));
			}
			fence_signal_clear(current);
			dsched::scheduler::annotate("finished its ops");
			rs.workers_done++;
		});
	// Deferred RCU callbacks run when the schedule picks this thread.
	threads.emplace_back("rcu reclaim", [&rs, nthreads] {
		for (;;) {
			dsched::scheduler::annotate("idle (no deferred callbacks)", 100);
			dsched::scheduler::wait(
				[&] { return fence_rcu_pending() > 0 || rs.workers_done == nthreads; },
				"deferred RCU callbacks, or the end of the run");
			if (fence_rcu_pending() == 0)
				return;
			dsched::scheduler::annotate("rcu_barrier()", 101);
			rcu_barrier();
		}
	});

	// No trace sink while threads run: a sink reads the names under
	// rcu_read_lock(), whose scheduling points would make a logged run
	// (fence-repro) interleave differently from the fuzzer's run.
#ifdef FENCE_CORE_HAS_TRACE
	dma_fence_set_trace_sink(nullptr, nullptr);
#endif

	dsched::scheduler sch(rs.spec);
	sch.set_report([&rs] {
		return "  ops finished so far [start..end]:\n" + describe_records(rs) + "  program:\n" +
		       format_concurrent(*rs.cp);
	});
	if (rs.log)
		*rs.log << "threads:\n";
	sch.run(std::move(threads));
	g_cstats.runs++;
	g_cstats.sched_points += sch.steps();
	g_cstats.switches += sch.decisions().size();

	for (const auto &t : rs.recs)
		for (const op_record &r : t)
			if (!r.broke.empty())
				concurrent_contract(rs, r);

	// Some sequential order must explain it all.
	const lin_result sr = linearize(rs.recs, m0, s.w(), search_budget());
	g_cstats.search_steps += sr.steps;
	if (!sr.ok) {
		if (!sr.out_of_budget)
			concurrent_divergence(rs, sr);
		// Inconclusive: the search budget ran out. Without an order there is
		// no model to check the final state or the teardown against; tear
		// the core down unchecked so that the next run starts clean.
		g_cstats.inconclusive++;
		if (rs.log)
			*rs.log << "linearization: inconclusive (search budget of " << sr.budget
				<< " model steps spent); tearing down unchecked\n";
		s.teardown_unchecked();
	} else {
		if (rs.log) {
			*rs.log << "linearization: the ops explain as\n";
			for (auto *o : sr.order)
				*rs.log << "    " << where(*o) << " = " << show(o->out) << "\n";
		}
		s.m() = sr.found;
		s.finish();
	}
#ifdef FENCE_CORE_HAS_TRACE
	if (rs.log)
		dma_fence_set_trace_sink(nullptr, nullptr);
#endif
	// finish()/teardown ran rcu_barrier(): a callback still counted as
	// pending was queued into a list nobody will run (a double call_rcu()
	// of one rcu_head, say) and would stall the next run's reclaim thread.
	if (long n = fence_rcu_pending()) {
		fprintf(stderr,
			"fencefuzz: %ld deferred RCU callback(s) still pending after rcu_barrier() at "
			"the end of a concurrent run\n  schedule: %s\n  program:\n%s",
			n, format_schedule(rs.spec).c_str(), format_concurrent(cp).c_str());
		fence_oracle("bug", "rcu-callbacks-pending-after-rcu_barrier");
		abort();
	}
#ifdef FENCEFUZZ_HAVE_ASAN
	g_asan_note.clear();
#endif
}

const concurrent_stats &cstats() noexcept { return g_cstats; }

} // namespace harness

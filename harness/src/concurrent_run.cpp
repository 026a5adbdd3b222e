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
// How: the setup runs through a harness::session. Each thread gets a
// reference to each setup fence (session steps "get fT+N fN", T the
// thread's slot base), then the threads run their ops on the session's
// world through detail::core_op(), on their own slot ranges, recording for
// each op its result, the callbacks it ran, and a logical start and end
// time. The search then tries orders (depth first; real-time order
// respected; ops in progress first, then the earliest-ending) applying
// detail::model_op() to copies of the model, some ops in steps (see "the
// search" below), and checks the core's final state against the first
// order that explains every op; that model replaces the session's, whose
// teardown then checks for leaks as usual. If the search budget runs out
// the run counts as inconclusive and the core is torn down unchecked.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <sstream>

#include "fence/dma-fence.h"
#include "fence/module.h"
#include "fence/slab.h"
#include "harness/concurrent.h"
#include "harness/sched.h"
#include "interp_detail.h"

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

struct op_rec {
	int thread = 0;
	size_t index = 0; // in the thread's list
	op o;		  // remapped to global slots
	op orig;	  // as written in the thread
	bool fail = false;
	uint64_t start = 0, end = 0;
	detail::result out;
	std::vector<detail::cb_record> events;
	uint64_t aux = 0; // load: the module's context; stub: the stub's timestamp
};

op remap(const op &o, int t)
{
	op r = o;
	const int fb = kFenceSlots * (t + 1), cb = kCbSlots * (t + 1);
	const op_info &in = info(o.kind);
	for (int i = 0; i < in.nargs; i++) {
		switch (in.args[i]) {
		case arg_type::fence: r.a[i] += fb; break;
		case arg_type::cb: r.a[i] += cb; break;
		case arg_type::fset: r.a[i] <<= fb; break;
		default: break;
		}
	}
	return r;
}

bool is_module_op(op_kind k)
{
	return k == op_kind::load || k == op_kind::unload || k == op_kind::create ||
	       k == op_kind::irq || k == op_kind::inc;
}

int module_arg(const op &o) { return static_cast<int>(o.kind == op_kind::create ? o.a[1] : o.a[0]); }

struct run_state {
	session *s = nullptr;
	const cprogram *cp = nullptr;
	const run_options *opt = nullptr;
	schedule_spec spec;
	std::vector<std::vector<op_rec>> recs;
	int owner[kModuleSlots];
	uint64_t clock = 0;
	int workers_done = 0;
	std::ostream *log = nullptr;
};

// The legality rules of concurrent.h, decided from what the thread itself
// can know (its slots, its module ownership) and from monotone core facts
// (a fence once signaled stays signaled), with no scheduling point between
// the decision and the op.
bool thread_legal(run_state &rs, const op &o, int t)
{
	session &s = *rs.s;
	auto fence = [&](int i) { return detail::fence_at(s, static_cast<int>(o.a[i])); };
	if (is_module_op(o.kind) && rs.owner[module_arg(o)] != t)
		return false;
	switch (o.kind) {
	case op_kind::load: return !detail::module_at(s, static_cast<int>(o.a[0]));
	case op_kind::unload: return detail::module_at(s, static_cast<int>(o.a[0])) != nullptr;
	case op_kind::create: return detail::module_at(s, static_cast<int>(o.a[1])) != nullptr;
	case op_kind::irq: {
		struct fence_module *m = detail::module_at(s, static_cast<int>(o.a[0]));
		return m && fence_module_model(m) == FENCE_MODEL_HW;
	}
	case op_kind::inc: {
		struct fence_module *m = detail::module_at(s, static_cast<int>(o.a[0]));
		return m && fence_module_model(m) == FENCE_MODEL_TIMELINE &&
		       fence_module_hw_seqno(m) + o.a[1] >= fence_module_hw_seqno(m);
	}
	case op_kind::stub:
	case op_kind::private_stub:
	case op_kind::clear:
	case op_kind::get_rcu_safe:
	case op_kind::sync_rcu:
	case op_kind::rcu_barrier:
	case op_kind::sig_raise:
	case op_kind::sig_clear:
	case op_kind::failnext: return true;
	case op_kind::get:
	case op_kind::publish: return fence(1) != nullptr;
	case op_kind::set_error: return false; // must precede the signal it races
	case op_kind::add_cb:
		return fence(0) && !detail::cb_queued(s, static_cast<int>(o.a[1]));
	case op_kind::remove_cb:
	case op_kind::drop_cb: return detail::cb_added(s, static_cast<int>(o.a[0]));
	case op_kind::wait: return fence(0) && o.a[2] != 255;
	case op_kind::wait_any: {
		if (o.a[2] == 255)
			return false;
		for (int i = 0; i < kFenceSlotSpace; i++)
			if ((o.a[0] & (1ull << i)) && detail::fence_at(s, i))
				return true;
		return false;
	}
	case op_kind::timestamp:
		return fence(0) && test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence(0)->flags);
	case op_kind::is_later:
	case op_kind::later: return fence(0) && fence(1) && fence(0)->context == fence(1)->context;
	default: return fence(0) != nullptr; // every other op takes a fence first
	}
}

std::string show(const detail::result &r)
{
	std::string s = std::to_string(r.value);
	if (!r.text.empty())
		s += " \"" + r.text + "\"";
	return s;
}

std::string where(const op_rec &r)
{
	return "thread " + std::to_string(r.thread) + " op #" + std::to_string(r.index) + " '" +
	       format_op(r.orig) + "'";
}

// ---- the search for a sequential order ------------------------------------------
//
// Most ops take effect at one instant (under the fence lock, or at one atomic
// exchange), so the model applies them whole. A few do not, and are applied
// in steps that other threads' ops may come between:
//   wait            enable signaling at the start, see the fence signaled (or
//                   not) at the end: two steps;
//   wait_any        two steps per fence it polls (timeout 0) or adds its
//                   callback to (enabling it), then the wait and the result;
//   irq, inc        raise the hardware seqno and take the pending list, then
//                   one step per fence (signal or keep it), then the result;
//   create          reap (take the list, one step per fence), then create;
//   unload          force-complete (take the list, one step per fence), then
//                   the pinned check and the unload;
//   add_cb          a lockless "signaled?" check, then enable and queue
//                   under the lock;
//   is_signaled, later, describe
//                   dma_fence_is_signaled(): the flag, then ->signaled.
// And a few results are compared as loosely as the kernel promises: a
// wait's remaining time, wait_any's index (any signaled fence), the two
// names that names and describe read one after the other.
// The per-fence steps restate model::scan() one fence at a time.

// A thread's op in progress in the search.
struct progress {
	int phase = 0; // 0: not started
	std::vector<cb_event> ev;
	int mi = -1, action = 0;
	uint64_t now = 0;
	std::vector<int> local, kept;
	size_t pos = 0;
	int n = 0;
};

struct search {
	run_state &rs;
	bool setup_sig = false;
	unsigned long steps = 0, budget = search_budget();
	bool out_of_budget = false;
	size_t total = 0; // micro-steps are not counted: ops
	size_t done = 0;
	// The deepest failure, for the report.
	size_t best_depth = 0;
	std::string best_why;
	std::vector<const op_rec *> best_order, order;
	model found;

	// Outcomes that are linearizable only up to the core's own documented
	// races are normalized: a wait's remaining time depends on how much
	// virtual time passed; names and describe read each name separately.
	static long norm_value(const op_rec &r, long v)
	{
		if ((r.o.kind == op_kind::wait || r.o.kind == op_kind::wait_any) && v > 0)
			return 1;
		return v;
	}

	static bool relaxed_text_ok(const op_rec &r, const detail::result &e, const std::string &got)
	{
		// The model says the names were still attached; the core read one
		// or both after a concurrent signal detached them (each name is
		// read under RCU on its own, so the pair is not atomic).
		const std::string dd = "detached-driver", st = "signaled-timeline";
		if (r.o.kind == op_kind::names) {
			size_t sp = e.text.find(' ');
			if (sp == std::string::npos || e.text.substr(0, sp) == dd)
				return false;
			return got == e.text.substr(0, sp) + " " + st;
		}
		if (r.o.kind == op_kind::describe) {
			// "ctx:seq TIMELINE DRIVER unsignalled\n": timeline read first.
			const std::string tail = " unsignalled\n";
			if (e.text.size() < tail.size() ||
			    e.text.compare(e.text.size() - tail.size(), tail.size(), tail) != 0)
				return false;
			size_t a = e.text.find(' ');
			size_t b = e.text.find(' ', a + 1);
			if (a == std::string::npos || b == std::string::npos)
				return false;
			const std::string head = e.text.substr(0, a + 1);
			const std::string tl = e.text.substr(a + 1, b - a - 1);
			return got == head + tl + " " + dd + tail || got == head + st + " " + dd + tail;
		}
		return false;
	}

	// The model's result and callbacks against the core's.
	// wait_any after sleeping: "the index of a signaled fence" (the
	// kernel's contract), not necessarily the first in the list: by the
	// time it looks, fences before the one that woke it may be signaled.
	static bool wait_any_ok(const op_rec &r, const detail::result &e, const model &m)
	{
		if (r.o.kind != op_kind::wait_any || r.o.a[2] == 0)
			return false;
		if (r.out.value <= 0 || e.value <= 0 || r.out.text.rfind("idx ", 0) != 0)
			return false;
		long idx = atol(r.out.text.c_str() + 4);
		for (int i = 0; i < kFenceSlotSpace; i++)
			if ((r.o.a[0] & (1ull << i)) && m.fslot[i] >= 0 && idx-- == 0)
				return m.fences[m.fslot[i]].signaled;
		return false;
	}

	static bool compare(const op_rec &r, const detail::result &e, const std::vector<cb_event> &me,
			    const model &m, std::string *why)
	{
		const bool same_value = norm_value(r, e.value) == norm_value(r, r.out.value);
		if ((!same_value || (e.text != r.out.text && !relaxed_text_ok(r, e, r.out.text))) &&
		    !wait_any_ok(r, e, m)) {
			*why = where(r) + ": returned " + show(r.out) + ", the model says " + show(e);
			return false;
		}
		const auto &ce = r.events;
		for (size_t i = 0; i < std::max(me.size(), ce.size()); i++) {
			bool ok = i < me.size() && i < ce.size() && me[i].slot == ce[i].slot &&
				  me[i].error == ce[i].error && ce[i].ts_bit && ce[i].right_fence;
			if (!ok) {
				std::string mm = i < me.size() ? "c" + std::to_string(me[i].slot) + " error " +
									 std::to_string(me[i].error)
							       : "(none)";
				std::string cc = i < ce.size()
							 ? "c" + std::to_string(ce[i].slot) + " error " +
								   std::to_string(ce[i].error) +
								   (ce[i].ts_bit ? "" : " BEFORE the timestamp") +
								   (ce[i].right_fence ? "" : " for the WRONG fence")
							 : "(none)";
				*why = where(r) + ": callback " + std::to_string(i) + ": the model runs " + mm +
				       ", the core ran " + cc;
				return false;
			}
		}
		return true;
	}

	// One fence of a module's pending-list scan (model::scan()'s loop body).
	static void scan_one(model &m, progress &pg)
	{
		int f = pg.local[pg.pos++];
		mfence &x = m.fences[f];
		bool drop = x.signaled;
		if (!drop) {
			bool sig = (pg.action == 1 && x.armed && x.seqno <= pg.now) ||
				   (pg.action == 2 && x.seqno <= pg.now) || pg.action == 3;
			if (sig) {
				if (pg.action == 3 && x.error == 0)
					x.error = -19; // -ENODEV
				m.signal(f, false, 0);
				pg.n++;
				drop = true;
			}
		}
		if (drop)
			m.put(f);
		else
			pg.kept.push_back(f);
	}
	static void scan_begin(model &m, progress &pg, int mi, int action, uint64_t now)
	{
		pg.mi = mi;
		pg.action = action;
		pg.now = now;
		pg.local.clear();
		pg.local.swap(m.modules[mi].pending);
		pg.kept.clear();
		pg.pos = 0;
		pg.n = 0;
	}
	static void scan_end(model &m, progress &pg)
	{
		auto &pending = m.modules[pg.mi].pending;
		pg.kept.insert(pg.kept.end(), pending.begin(), pending.end());
		pending.swap(pg.kept);
	}

	// The next step of @r on @m. Return: -1 it does not match (*why), 0 the
	// op goes on, 1 it is complete and matched.
	int step(model &m, bool &sig, const op_rec &r, progress &pg, std::string *why)
	{
		steps++;
		m.sigpending = sig;
		m.fail_alloc = false;
		m.events.clear();
		m.clock_signals.clear();
		const op &o = r.o;
		const bool first = pg.phase == 0;
		if (first && !op_legal(m, o)) {
			*why = where(r) + ": its precondition is false in the model at this point";
			return -1;
		}
		pg.phase++;
		bool complete = true;
		detail::result e;
		switch (o.kind) {
		case op_kind::wait:
			if (first) {
				m.enable(m.fslot[o.a[0]]); // the first half enables signaling
				complete = false;
			} else {
				e = detail::model_op(m, o);
			}
			break;
		case op_kind::wait_any: {
			// Per fence, in set order, two steps. Timeout 0 polls with
			// dma_fence_is_signaled() (the flag, then ->signaled) and stops
			// at the first that says yes. Otherwise add_callback() on each
			// (a lockless "signaled?" check, then enable under the lock)
			// until one is signaled, then the wait.
			const bool poll = o.a[2] == 0;
			if (first) {
				pg.local.clear();
				pg.pos = 0;
				pg.n = -1; // the index found signaled, -1 none yet
				if (poll || !r.fail)
					for (int i = 0; i < kFenceSlotSpace; i++)
						if ((o.a[0] & (1ull << i)) && m.fslot[i] >= 0)
							pg.local.push_back(m.fslot[i]);
				complete = false;
				break;
			}
			if (pg.n < 0 && pg.pos < 2 * pg.local.size()) {
				const size_t k = pg.pos / 2;
				const int f = pg.local[k];
				mfence &x = m.fences[f];
				const bool half = pg.pos++ % 2;
				if (!half) {
					if (x.signaled)
						pg.n = static_cast<int>(k);
				} else if (poll) {
					const bool racy = x.attached && x.mod >= 0 &&
							  m.modules[x.mod].has_signaled() &&
							  m.modules[x.mod].hw >= x.seqno;
					if (x.signaled ? racy : m.poll(f))
						pg.n = static_cast<int>(k);
				} else {
					m.enable(f);
					if (x.signaled)
						pg.n = static_cast<int>(k);
				}
				// Timeout 0 completes here once it has an answer.
				if (!(poll && (pg.n >= 0 || pg.pos == 2 * pg.local.size()))) {
					complete = false;
					break;
				}
			}
			if (poll) {
				e.value = pg.n >= 0;
				if (pg.n >= 0)
					e.text = "idx " + std::to_string(pg.n);
			} else {
				m.fail_alloc = r.fail;
				e = detail::model_op(m, o);
			}
			break;
		}
		case op_kind::irq:
		case op_kind::inc:
		case op_kind::create:
		case op_kind::unload: {
			const int mi = m.mslot[o.kind == op_kind::create ? o.a[1] : o.a[0]];
			if (first) {
				mmodule &mod = m.modules[mi];
				if (o.kind == op_kind::irq && o.a[1] > mod.hw)
					mod.hw = o.a[1];
				if (o.kind == op_kind::inc)
					mod.hw += o.a[1];
				const int action = o.kind == op_kind::irq	? 1
						   : o.kind == op_kind::inc	? 2
						   : o.kind == op_kind::unload ? 3
									       : 0;
				scan_begin(m, pg, mi, action, mod.hw);
			} else {
				scan_one(m, pg);
			}
			if (pg.pos < pg.local.size()) {
				complete = false;
				break;
			}
			scan_end(m, pg);
			if (o.kind == op_kind::irq || o.kind == op_kind::inc) {
				e.value = pg.n;
			} else if (o.kind == op_kind::unload) {
				e = detail::model_op(m, o); // its own scan finds nothing left
			} else {
				// create without its reap (done above): hide the pending
				// list from the model's reap, then put it back in front.
				std::vector<int> saved;
				saved.swap(m.modules[mi].pending);
				m.fail_alloc = r.fail;
				e = detail::model_op(m, o);
				auto &pending = m.modules[mi].pending;
				saved.insert(saved.end(), pending.begin(), pending.end());
				pending.swap(saved);
			}
			break;
		}
		case op_kind::is_signaled:
		case op_kind::later:
		case op_kind::describe: {
			// dma_fence_is_signaled(): the flag, then (not under the lock)
			// ->signaled through the ops pointer. A signal in between
			// detaches the ops, so the second half says "no" although the
			// fence is signaled by then: the kernel's answer is racy by
			// design, and the model has to say the same.
			int f = m.fslot[o.a[0]];
			if (o.kind == op_kind::later) {
				int f2 = m.fslot[o.a[1]];
				const mfence &a = m.fences[f], &b = m.fences[f2];
				bool first_later = a.seq64 ? a.seqno > b.seqno
							   : static_cast<int32_t>(static_cast<uint32_t>(a.seqno) -
										  static_cast<uint32_t>(b.seqno)) > 0;
				if (!first_later)
					f = f2;
			}
			if (first && !m.fences[f].signaled) {
				complete = false;
				break;
			}
			if (first || !m.fences[f].signaled) {
				e = detail::model_op(m, o);
				break;
			}
			// Signaled between the halves: what ->signaled says now.
			const mfence &x = m.fences[f];
			const bool racy = x.attached && x.mod >= 0 && m.modules[x.mod].has_signaled() &&
					  m.modules[x.mod].hw >= x.seqno;
			if (racy) {
				e = detail::model_op(m, o);
			} else if (o.kind == op_kind::is_signaled) {
				e.value = 0;
			} else if (o.kind == op_kind::later) {
				e.value = f == m.fslot[o.a[0]] ? 1 : (m.fslot[o.a[0]] == m.fslot[o.a[1]] ? 1 : 2);
			} else {
				char buf[64];
				snprintf(buf, sizeof(buf), "%" PRIu64 ":%" PRIu64 " ", x.context, x.seqno);
				e.text = std::string(buf) + "signaled-timeline detached-driver unsignalled\n";
			}
			break;
		}
		case op_kind::add_cb:
			// A lockless "already signaled?" check, then under the lock:
			// enable (which sets ENABLE_SIGNAL even if a signal came in
			// between) and queue unless signaled.
			if (first && !m.fences[m.fslot[o.a[0]]].signaled) {
				complete = false;
				break;
			}
			if (!first)
				m.enable(m.fslot[o.a[0]]);
			e = detail::model_op(m, o);
			break;
		default:
			if (o.kind == op_kind::timestamp) {
				// A ktime_get() timestamp is learned when first read back.
				mfence &x = m.fences[m.fslot[o.a[0]]];
				if (!x.ts_known) {
					x.ts = r.out.value;
					x.ts_known = true;
				}
			}
			m.fail_alloc = r.fail;
			e = detail::model_op(m, o);
			break;
		}
		m.fail_alloc = false;
		sig = m.sigpending;
		pg.ev.insert(pg.ev.end(), m.events.begin(), m.events.end());
		m.events.clear();
		m.clock_signals.clear();
		if (!complete)
			return 0;
		if (o.kind == op_kind::load && r.out.value == 0)
			m.modules[m.mslot[o.a[0]]].context = r.aux;
		if (o.kind == op_kind::stub) {
			mfence &x = m.fences[m.fslot[o.a[0]]];
			if (!x.ts_known) {
				x.ts = static_cast<int64_t>(r.aux);
				x.ts_known = true;
			}
		}
		return compare(r, e, pg.ev, m, why) ? 1 : -1;
	}

	void note_failure(const std::string &why)
	{
		if (done >= best_depth || best_why.empty()) {
			best_depth = done;
			best_why = why;
			best_order = order;
		}
	}

	struct node {
		model m;
		std::vector<bool> sig;
		std::vector<size_t> idx;
		std::vector<progress> pg;
	};

	bool dfs(const node &n)
	{
		if (done == total) {
			model leaf = n.m;
			leaf.sigpending = setup_sig;
			std::string err = detail::check_state(*rs.s, leaf);
			if (err.empty()) {
				found = std::move(leaf);
				return true;
			}
			note_failure("the final state differs:\n" + err);
			return false;
		}
		// Candidates: each thread's op in progress, or its next op unless
		// another thread's current op ended before it started (real time).
		// In-progress ops first, then earliest end first.
		std::vector<int> cand;
		const size_t nt = rs.recs.size();
		for (size_t t = 0; t < nt; t++) {
			if (n.idx[t] >= rs.recs[t].size())
				continue;
			const op_rec &c = rs.recs[t][n.idx[t]];
			bool ok = n.pg[t].phase > 0;
			if (!ok) {
				ok = true;
				for (size_t u = 0; u < nt && ok; u++)
					if (u != t && n.idx[u] < rs.recs[u].size() &&
					    rs.recs[u][n.idx[u]].end < c.start)
						ok = false;
			}
			if (ok)
				cand.push_back(static_cast<int>(t));
		}
		std::sort(cand.begin(), cand.end(), [&](int a, int b) {
			bool pa = n.pg[a].phase > 0, pb = n.pg[b].phase > 0;
			if (pa != pb)
				return pa;
			return rs.recs[a][n.idx[a]].end < rs.recs[b][n.idx[b]].end;
		});
		for (int t : cand) {
			if (steps >= budget) {
				out_of_budget = true;
				return false;
			}
			const op_rec &r = rs.recs[t][n.idx[t]];
			node next = n;
			bool s = next.sig[t];
			std::string why;
			int res = step(next.m, s, r, next.pg[t], &why);
			if (res < 0) {
				note_failure(why);
				continue;
			}
			next.sig[t] = s;
			if (res == 1) {
				next.idx[t]++;
				next.pg[t] = progress{};
				done++;
				order.push_back(&r);
			}
			if (dfs(next))
				return true;
			if (res == 1) {
				done--;
				order.pop_back();
			}
			if (out_of_budget)
				return false;
		}
		return false;
	}
};

std::string describe_records(const run_state &rs)
{
	std::vector<const op_rec *> all;
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

// Drop every reference and unload every module, from the core's own state.
void teardown_unchecked(session &s)
{
	auto run = [&](op_kind k, int a0) {
		op o;
		o.kind = k;
		o.a[0] = static_cast<uint64_t>(a0);
		detail::core_op(s, o);
	};
	for (int r = 0; r < kRcuSlots; r++)
		run(op_kind::clear, r);
	for (int c = 0; c < kCbSlotSpace; c++)
		if (detail::cb_added(s, c))
			run(op_kind::drop_cb, c);
	for (int f = 0; f < kFenceSlotSpace; f++)
		if (detail::fence_at(s, f))
			run(op_kind::put, f);
	fence_signal_clear(current);
	for (int m = 0; m < kModuleSlots; m++)
		if (detail::module_at(s, m))
			run(op_kind::unload, m);
	rcu_barrier();
}

[[noreturn]] void concurrent_divergence(run_state &rs, search &sr)
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

	session s(opt);
	rs.s = &s;
	if (rs.log)
		*rs.log << "concurrent program" << (opt.source.empty() ? "" : " " + opt.source) << " ("
			<< cp.setup.size() << " setup ops, " << nthreads << " threads)\n"
			<< "schedule: " << format_schedule(rs.spec) << "\nsetup:\n";
	for (const op &o : cp.setup)
		s.step(o);

	// Each thread's own reference to every fence the setup holds.
	if (rs.log)
		*rs.log << "fork (each thread takes its own references, the setup drops its own):\n";
	for (int t = 0; t < nthreads; t++)
		for (int f = 0; f < kFenceSlots; f++)
			if (detail::fence_at(s, f)) {
				op g;
				g.kind = op_kind::get;
				g.a[0] = static_cast<uint64_t>(kFenceSlots * (t + 1) + f);
				g.a[1] = static_cast<uint64_t>(f);
				s.step(g);
			}
	// ... and the setup lets go of its own: the last reference to a setup
	// fence is dropped by whichever thread puts it last, so ->release races
	// the other threads (and a module's unload) like any other op.
	for (int f = 0; f < kFenceSlots; f++)
		if (detail::fence_at(s, f)) {
			op p;
			p.kind = op_kind::put;
			p.a[0] = static_cast<uint64_t>(f);
			s.step(p);
		}

	// Module ops on a slot belong to the first thread that has any.
	for (int m = 0; m < kModuleSlots; m++) {
		rs.owner[m] = -1;
		for (int t = nthreads - 1; t >= 0; t--)
			for (const op &o : cp.threads[t])
				if (is_module_op(o.kind) && module_arg(o) == m)
					rs.owner[m] = t;
	}

	const model m0 = detail::session_model(s);
	rs.recs.resize(nthreads);
	std::vector<std::pair<std::string, std::function<void()>>> threads;
	for (int t = 0; t < nthreads; t++)
		threads.emplace_back("thread " + std::to_string(t), [&rs, t] {
			fence_signal_clear(current);
			fence_failslab_nth(0);
			const std::vector<op> &ops = rs.cp->threads[t];
			bool fail_next = false;
			for (size_t i = 0; i < ops.size(); i++) {
				op o = remap(ops[i], t);
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
				op_rec r;
				r.thread = t;
				r.index = i;
				r.o = o;
				r.orig = ops[i];
				r.fail = fail_next;
				fail_next = o.kind == op_kind::failnext;
				r.start = ++rs.clock;
				if (rs.log)
					*rs.log << "  [T" << t << "] #" << i << " " << format_op(ops[i]) << "\n";
				detail::set_cb_sink(&r.events);
				if (r.fail)
					fence_failslab_nth(1);
				r.out = detail::core_op(*rs.s, o);
				if (r.fail)
					fence_failslab_nth(0);
				detail::set_cb_sink(nullptr);
				if (o.kind == op_kind::load && r.out.value == 0)
					r.aux = fence_module_context(
						detail::module_at(*rs.s, static_cast<int>(o.a[0])));
				if (o.kind == op_kind::stub)
					r.aux = static_cast<uint64_t>(
						detail::fence_at(*rs.s, static_cast<int>(o.a[0]))->timestamp);
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
	dma_fence_set_trace_sink(nullptr, nullptr);

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

	// Some sequential order must explain it all.
	search sr{rs};
	sr.setup_sig = m0.sigpending;
	for (auto &t : rs.recs)
		sr.total += t.size();
	search::node root{m0, std::vector<bool>(nthreads, false), std::vector<size_t>(nthreads, 0),
			  std::vector<progress>(nthreads)};
	const bool ok = sr.dfs(root);
	g_cstats.search_steps += sr.steps;
	if (!ok) {
		if (!sr.out_of_budget)
			concurrent_divergence(rs, sr);
		// Inconclusive: the search budget ran out. Without an order there is
		// no model to check the final state or the teardown against; tear
		// the core down unchecked so that the next run starts clean.
		g_cstats.inconclusive++;
		if (rs.log)
			*rs.log << "linearization: inconclusive (search budget of " << sr.budget
				<< " model ops spent); tearing down unchecked\n";
		teardown_unchecked(s);
	} else {
		if (rs.log) {
			*rs.log << "linearization: the ops explain as\n";
			for (auto *o : sr.order)
				*rs.log << "    " << where(*o) << " = " << show(o->out) << "\n";
		}
		detail::session_model(s) = sr.found;
		s.finish();
	}
	// finish()/teardown ran rcu_barrier(): a callback still counted as
	// pending was queued into a list nobody will run (a double call_rcu()
	// of one rcu_head, say) and would stall the next run's reclaim thread.
	if (long n = fence_rcu_pending()) {
		fprintf(stderr,
			"fencefuzz: %ld deferred RCU callback(s) still pending after rcu_barrier() at "
			"the end of a concurrent run\n  schedule: %s\n  program:\n%s",
			n, format_schedule(rs.spec).c_str(), format_concurrent(cp).c_str());
		abort();
	}
#ifdef FENCEFUZZ_HAVE_ASAN
	g_asan_note.clear();
#endif
}

const concurrent_stats &cstats() noexcept { return g_cstats; }

} // namespace harness

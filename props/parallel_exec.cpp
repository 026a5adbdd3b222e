// SPDX-License-Identifier: MIT
//
// parallel_exec.cpp - see parallel_exec.h.
//
// Oracle (what output means broken): run_once() returns !ok when no
// interleaving of the model explains what the threads observed (a
// linearizability violation: a lost callback, a status that went back, a
// reference that appeared from nowhere...), when the prefix itself disagrees
// with the model, or when teardown finds a leak or a refused unload. A
// sanitizer report, a WARN (panic_on_warn) or an "access to unloaded module"
// trap aborts the process instead.
//
// The core side of each op below restates what harness/src/interp.cpp's
// core_* functions do, so that the results are spelled the same way as the
// model's; it uses the public core API only.
#include "parallel_exec.h"

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <thread>
#include <tuple>

#include "fence/fence.h"
#include "fence/module.h"
#include "fence/slab.h"
#include "harness/interp.h"

namespace props::par {

using harness::model;
using harness::op;
using harness::op_kind;

namespace {

std::atomic<bool> g_module_scan_races{false};

// ---- the world: core objects behind the slots -----------------------------------------

struct event {
	int slot;
	int error;
	bool ts;
};

// Where a callback running on this thread records itself: the op that is
// running (callbacks run synchronously inside the signalling call).
struct exec_ctx {
	std::vector<std::vector<event>> *events; // per op of this thread
	size_t op = 0;
};
thread_local exec_ctx *t_ctx = nullptr;

struct pcb {
	struct dma_fence_cb cb;
	int slot;
	struct dma_fence *held; // the reference the harness keeps on the cb's fence
};

void pcb_func(struct dma_fence *f, struct dma_fence_cb *cb)
{
	pcb *h = container_of(cb, pcb, cb);
	exec_ctx *c = t_ctx;
	if (!c)
		fence_die("props: callback c%d ran outside any op", h->slot);
	(*c->events)[c->op].push_back({h->slot, std::atomic_ref<int>(f->error).load(),
				       test_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &f->flags)});
}

struct pworld {
	struct dma_fence *fence[harness::kFenceSlots] = {};
	struct fence_module *mod[harness::kModuleSlots] = {};
	pcb cbs[harness::kCbSlots];
	fence::rcu_ptr<struct dma_fence> rslot[harness::kRcuSlots];
	std::mutex rslot_lock[harness::kRcuSlots]; // update side of rcu_replace_pointer
	int loads = 0;
	pworld()
	{
		for (int i = 0; i < harness::kCbSlots; i++) {
			cbs[i].slot = i;
			cbs[i].held = nullptr;
			INIT_LIST_HEAD(&cbs[i].cb.node);
		}
		for (auto &s : rslot)
			RCU_INIT_POINTER(s, nullptr);
	}
};

void set_fence(pworld &w, int slot, struct dma_fence *f)
{
	struct dma_fence *old = w.fence[slot];
	w.fence[slot] = f;
	dma_fence_put(old);
}

std::string show(long value, const std::string &text = "")
{
	std::string s = std::to_string(value);
	if (!text.empty())
		s += " \"" + text + "\"";
	return s;
}

long jiffies_arg(uint64_t t) { return t == 255 ? MAX_SCHEDULE_TIMEOUT : static_cast<long>(t); }

const enum fence_driver_model kCoreModels[] = {
	FENCE_MODEL_NAMES,    FENCE_MODEL_HW,	    FENCE_MODEL_RECYCLE,
	FENCE_MODEL_WAIT,     FENCE_MODEL_DEADLINE, FENCE_MODEL_TIMELINE,
};

bool supported(op_kind k)
{
	switch (k) {
	case op_kind::wait_any:
	case op_kind::sig_raise:
	case op_kind::sig_clear:
	case op_kind::failnext:
	case op_kind::timestamp: return false;
	default: return true;
	}
}

// Run @o on the core. The result is spelled as harness::model_apply spells it.
std::string exec(pworld &w, const op &o)
{
	auto F = [&](int i) { return w.fence[o.a[i]]; };
	switch (o.kind) {
	case op_kind::load: {
		std::string name = "mod" + std::to_string(w.loads++);
		return show(fence_module_load(name.c_str(), kCoreModels[o.a[1]], &w.mod[o.a[0]]));
	}
	case op_kind::unload: {
		int ret = fence_module_unload(w.mod[o.a[0]]);
		if (ret == 0)
			w.mod[o.a[0]] = nullptr;
		return show(ret);
	}
	case op_kind::create: {
		unsigned flags = 0;
		if (o.a[3] & 1)
			flags |= FENCE_CREATE_EXTERN_LOCK;
		if (o.a[3] & 2)
			flags |= FENCE_CREATE_SEQNO64;
		struct dma_fence *f = fence_module_create_fence(w.mod[o.a[1]], o.a[2], flags);
		set_fence(w, static_cast<int>(o.a[0]), f);
		return show(f != nullptr);
	}
	case op_kind::stub: set_fence(w, static_cast<int>(o.a[0]), dma_fence_get_stub()); return show(0);
	case op_kind::private_stub: {
		struct dma_fence *f = dma_fence_allocate_private_stub(static_cast<ktime_t>(o.a[1]));
		set_fence(w, static_cast<int>(o.a[0]), f);
		return show(f != nullptr);
	}
	case op_kind::get: set_fence(w, static_cast<int>(o.a[0]), dma_fence_get(F(1))); return show(0);
	case op_kind::put: set_fence(w, static_cast<int>(o.a[0]), nullptr); return show(0);
	case op_kind::signal: dma_fence_signal(F(0)); return show(0);
	case op_kind::signal_ts:
		dma_fence_signal_timestamp(F(0), static_cast<ktime_t>(o.a[1]));
		return show(0);
	case op_kind::signal_locked: {
		unsigned long flags;
		dma_fence_lock_irqsave(F(0), flags);
		dma_fence_signal_locked(F(0));
		dma_fence_unlock_irqrestore(F(0), flags);
		return show(0);
	}
	case op_kind::check_and_signal: return show(dma_fence_check_and_signal(F(0)));
	case op_kind::set_error: dma_fence_set_error(F(0), -static_cast<int>(o.a[1])); return show(0);
	case op_kind::add_cb: {
		pcb &h = w.cbs[o.a[1]];
		struct dma_fence *old = h.held;
		h.held = dma_fence_get(F(0));
		dma_fence_put(old);
		return show(dma_fence_add_callback(h.held, &h.cb, pcb_func));
	}
	case op_kind::remove_cb: {
		pcb &h = w.cbs[o.a[0]];
		return show(dma_fence_remove_callback(h.held, &h.cb));
	}
	case op_kind::drop_cb: {
		pcb &h = w.cbs[o.a[0]];
		bool removed = dma_fence_remove_callback(h.held, &h.cb);
		dma_fence_put(h.held);
		h.held = nullptr;
		return show(removed);
	}
	case op_kind::enable_sw: dma_fence_enable_sw_signaling(F(0)); return show(0);
	case op_kind::is_signaled: return show(dma_fence_is_signaled(F(0)));
	case op_kind::test_flag: return show(dma_fence_test_signaled_flag(F(0)));
	case op_kind::status: return show(dma_fence_get_status(F(0)));
	case op_kind::status_locked: {
		unsigned long flags;
		dma_fence_lock_irqsave(F(0), flags);
		int ret = dma_fence_get_status_locked(F(0));
		dma_fence_unlock_irqrestore(F(0), flags);
		return show(ret);
	}
	case op_kind::wait: return show(dma_fence_wait_timeout(F(0), o.a[1], jiffies_arg(o.a[2])));
	case op_kind::set_deadline:
		dma_fence_set_deadline(F(0), static_cast<ktime_t>(o.a[1]));
		return show(0);
	case op_kind::names: {
		fence::rcu_read_guard g;
		std::string s = dma_fence_driver_name(F(0));
		s += ' ';
		s += dma_fence_timeline_name(F(0));
		return show(0, s);
	}
	case op_kind::describe: return show(0, dma_fence_describe(F(0)));
	case op_kind::is_later: return show(dma_fence_is_later(F(0), F(1)));
	case op_kind::later: {
		struct dma_fence *r = dma_fence_later(F(0), F(1));
		return show(r == nullptr ? 0 : r == F(0) ? 1 : 2);
	}
	case op_kind::publish: {
		struct dma_fence *nf = dma_fence_get(F(1));
		struct dma_fence *old;
		{
			std::lock_guard<std::mutex> g(w.rslot_lock[o.a[0]]);
			old = rcu_replace_pointer(w.rslot[o.a[0]], nf, true);
		}
		dma_fence_put(old);
		return show(0);
	}
	case op_kind::clear: {
		struct dma_fence *old;
		{
			std::lock_guard<std::mutex> g(w.rslot_lock[o.a[0]]);
			old = rcu_replace_pointer(w.rslot[o.a[0]], nullptr, true);
		}
		dma_fence_put(old);
		return show(0);
	}
	case op_kind::get_rcu_safe: {
		rcu_read_lock();
		struct dma_fence *f = dma_fence_get_rcu_safe(&w.rslot[o.a[1]]);
		rcu_read_unlock();
		set_fence(w, static_cast<int>(o.a[0]), f);
		return show(f != nullptr);
	}
	case op_kind::sync_rcu: synchronize_rcu(); return show(0);
	case op_kind::rcu_barrier: rcu_barrier(); return show(0);
	case op_kind::irq: return show(fence_module_irq(w.mod[o.a[0]], o.a[1]));
	case op_kind::inc: return show(fence_module_timeline_inc(w.mod[o.a[0]], o.a[1]));
	default: break;
	}
	fence_die("props: op '%s' is not supported in parallel cases", harness::info(o.kind).name);
}

// Does @o put a (new reference to a) fence into a fence slot?
bool writes_fence_slot(const op &o)
{
	switch (o.kind) {
	case op_kind::create:
	case op_kind::stub:
	case op_kind::private_stub:
	case op_kind::get:
	case op_kind::get_rcu_safe: return true;
	default: return false;
	}
}

std::string ident(const struct dma_fence *f)
{
	if (!f)
		return "empty";
	return std::to_string(f->context) + ":" + std::to_string(f->seqno);
}

std::string model_ident(const model &m, int slot)
{
	if (m.fslot[slot] < 0)
		return "empty";
	const harness::mfence &x = m.fences[m.fslot[slot]];
	return std::to_string(x.context) + ":" + std::to_string(x.seqno);
}

std::string events_text(const std::vector<event> &ev)
{
	if (ev.empty())
		return "";
	std::string s = " cb[";
	for (size_t i = 0; i < ev.size(); i++)
		s += (i ? "," : "") + std::string("c") + std::to_string(ev[i].slot) + ":" +
		     std::to_string(ev[i].error) + (ev[i].ts ? "" : "!ts");
	return s + "]";
}

// What the model says @o observes in @m (which it advances).
std::string model_observe(model &m, const op &o)
{
	std::string res;
	harness::model_apply(m, o, &res);
	if (writes_fence_slot(o))
		res += " -> " + model_ident(m, static_cast<int>(o.a[0]));
	std::vector<event> ev;
	for (const auto &e : m.events)
		ev.push_back({e.slot, e.error, true});
	return res + events_text(ev);
}

// ---- ops the core runs in more than one atomic step ------------------------------------
//
// fence_module_irq() and _timeline_inc() first publish the new hardware value
// (which ->signaled polls and ->enable_signaling read at once), then scan the
// pending list; the names op calls two getters, each atomic on its own. The
// search splits them there, using the model's own primitives, so a poller
// that runs between the two steps is explained, not reported.

// dma_fence_is_signaled() tests SIGNALED, then (RCU) loads the ops and asks
// ->signaled. A signal in between detaches the ops, and it returns false for
// a fence that is signaled, though ->signaled would have said true (the
// kernel's 7.1 code has the same window). The model's poll is one atomic
// step; the search splits it where the core has its two.

// The two names in a names op's result `0 "DRIVER TIMELINE"`.
std::pair<std::string, std::string> split_names(const std::string &r)
{
	const size_t a = r.find('"'), b = r.rfind('"');
	if (a == std::string::npos || b <= a)
		return {r, ""};
	const std::string in = r.substr(a + 1, b - a - 1);
	const size_t sp = in.find(' ');
	return {in.substr(0, sp), sp == std::string::npos ? "" : in.substr(sp + 1)};
}

enum step_result { STEP_MISMATCH, STEP_MORE, STEP_DONE };

std::string model_events(const model &m)
{
	std::vector<event> ev;
	for (const auto &e : m.events)
		ev.push_back({e.slot, e.error, true});
	return events_text(ev);
}

// Apply step @k of @o to @m; *want is what the model predicts that step
// observes. Return whether it matches @seen (the op's observed result) and
// whether the op has more steps.
step_result model_step(model &m, const op &o, int k, const std::string &seen, std::string *want)
{
	auto done_if = [&](bool ok) { return ok ? STEP_DONE : STEP_MISMATCH; };
	switch (o.kind) {
	case op_kind::irq:
	case op_kind::inc: {
		harness::mmodule &mod = m.modules[m.mslot[o.a[0]]];
		if (k == 0) { // as model_irq / model_inc: the new value first
			if (o.kind == op_kind::inc)
				mod.hw += o.a[1];
			else if (o.a[1] > mod.hw)
				mod.hw = o.a[1];
			*want = "(hardware value published)";
			return STEP_MORE;
		}
		m.events.clear();
		m.clock_signals.clear();
		const int n = m.scan(m.mslot[o.a[0]], o.kind == op_kind::irq ? 1 : 2, mod.hw);
		*want = show(n) + model_events(m);
		return done_if(*want == seen);
	}
	case op_kind::names: {
		const int f = m.fslot[o.a[0]];
		const auto [drv, tl] = split_names(seen);
		*want = k == 0 ? "driver " + m.driver_name(f) : "timeline " + m.timeline_name(f);
		if (k == 0)
			return drv == m.driver_name(f) ? STEP_MORE : STEP_MISMATCH;
		return done_if(tl == m.timeline_name(f));
	}
	case op_kind::is_signaled: {
		const int f = m.fslot[o.a[0]];
		const harness::mfence &x = m.fences[f];
		if (k == 0) { // the SIGNALED test
			if (x.signaled) {
				*want = "1";
				return done_if(seen == "1");
			}
			*want = "(not signaled yet)";
			return STEP_MORE;
		}
		m.events.clear();
		m.clock_signals.clear();
		if (x.signaled) { // signaled since: what its ops (if still attached) say
			const bool r = x.attached && x.mod >= 0 && m.modules[x.mod].has_signaled() &&
				       m.modules[x.mod].hw >= x.seqno;
			*want = show(r);
		} else {
			const bool r = m.poll(f);
			*want = show(r) + model_events(m);
		}
		return done_if(*want == seen);
	}
	default: *want = model_observe(m, o); return done_if(*want == seen);
	}
}

// ---- the final state ---------------------------------------------------------------

// Compare the core's objects with model @m (as the interpreter's check_state
// does). Return "" if they match, else the first difference.
//
// Lazy reaping: a module drops its reference to a signaled fence at its next
// scan, fence by fence, so whether it still holds one is a matter of timing
// that the model (which scans atomically) cannot follow. For signaled fences
// of a module, that one reference is "don't care": the core's count may be
// the model's without the module's hold, or with it. The teardown still
// checks that every reference was dropped exactly once.
std::string compare_state(const pworld &w, const model &m)
{
	char buf[256];
	std::vector<bool> held(m.fences.size(), false); // the model's module holds it
	for (const harness::mmodule &mm : m.modules)
		for (int f : mm.pending)
			held[f] = true;
	// How far the core's count may be above the model's for fence @f.
	auto slack = [&](int f, const struct dma_fence *p) -> long {
		const harness::mfence &x = m.fences[f];
		if (!x.signaled || x.mod < 0)
			return 0;
		const long base = x.refs - (held[f] ? 1 : 0);
		const long core = kref_read(&p->refcount);
		return core == base + 1 ? core - x.refs : core == base ? base - x.refs : 0;
	};
	auto fence_diff = [&](const struct dma_fence *p, int f, const std::string &where) -> std::string {
		if ((p == nullptr) != (f < 0))
			return where + ": holds " + (p ? "a fence" : "nothing") + ", model " +
			       (f < 0 ? "nothing" : "a fence");
		if (!p)
			return "";
		const harness::mfence &x = m.fences[f];
		const unsigned long flags =
			std::atomic_ref<unsigned long>(const_cast<unsigned long &>(p->flags)).load();
		auto bit = [&](int b) { return static_cast<bool>((flags >> b) & 1); };
		struct {
			const char *what;
			long core, model;
		} cmp[] = {
			{"signaled", bit(DMA_FENCE_FLAG_SIGNALED_BIT), x.signaled},
			{"timestamp flag", bit(DMA_FENCE_FLAG_TIMESTAMP_BIT), x.signaled},
			// Once SIGNALED, ENABLE_SIGNAL means nothing, and a racing
			// dma_fence_add_callback() that passed its lockless SIGNALED
			// test sets it on a signaled fence (as the kernel's does).
			{"enable-signal flag", bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT) && !x.signaled,
			 x.enabled && !x.signaled},
			{"seqno64 flag", bit(DMA_FENCE_FLAG_SEQNO64_BIT), x.seq64},
			{"inline-lock flag", bit(DMA_FENCE_FLAG_INLINE_LOCK_BIT), !x.ext},
			{"error", std::atomic_ref<int>(const_cast<int &>(p->error)).load(), x.error},
			{"ops attached", rcu_access_pointer(p->ops) != nullptr, x.attached},
			{"refcount", x.global_stub ? 0 : static_cast<long>(kref_read(&p->refcount)) - slack(f, p),
			 x.global_stub ? 0 : x.refs},
			{"context", static_cast<long>(p->context), static_cast<long>(x.context)},
			{"seqno", static_cast<long>(p->seqno), static_cast<long>(x.seqno)},
		};
		for (auto &c : cmp)
			if (c.core != c.model) {
				snprintf(buf, sizeof(buf), "%s: %s is %ld, model %ld", where.c_str(), c.what,
					 c.core, c.model);
				return buf;
			}
		if (x.signaled && x.ts_known && x.ts != p->timestamp) {
			snprintf(buf, sizeof(buf), "%s: timestamp is %" PRId64 ", model %" PRId64,
				 where.c_str(), static_cast<int64_t>(p->timestamp), x.ts);
			return buf;
		}
		return "";
	};
	for (int s = 0; s < harness::kFenceSlots; s++)
		if (auto d = fence_diff(w.fence[s], m.fslot[s], "f" + std::to_string(s)); !d.empty())
			return d;
	for (int c = 0; c < harness::kCbSlots; c++) {
		if (auto d = fence_diff(w.cbs[c].held, m.cb_fence[c], "fence of c" + std::to_string(c));
		    !d.empty())
			return d;
		const bool queued = !list_empty(&w.cbs[c].cb.node);
		if (queued != m.cb_pending[c])
			return "c" + std::to_string(c) + ": " + (queued ? "still queued" : "not queued") +
			       ", model " + (m.cb_pending[c] ? "queued" : "not queued");
	}
	for (int r = 0; r < harness::kRcuSlots; r++)
		if (auto d = fence_diff(rcu_dereference_protected(w.rslot[r], true), m.rslot[r],
					"s" + std::to_string(r));
		    !d.empty())
			return d;
	for (int s = 0; s < harness::kModuleSlots; s++) {
		if ((w.mod[s] == nullptr) != (m.mslot[s] < 0))
			return "m" + std::to_string(s) + ": loaded differs";
		if (!w.mod[s])
			continue;
		const harness::mmodule &mm = m.modules[m.mslot[s]];
		// Pending: every unsignaled fence the model has there, plus any of
		// its signaled fences not reaped yet (see above).
		long unsig = 0, sig = 0;
		for (size_t f = 0; f < m.fences.size(); f++)
			if (m.fences[f].mod == m.mslot[s]) {
				if (!m.fences[f].signaled)
					unsig += held[f];
				else
					sig++;
			}
		const long pend = fence_module_pending(w.mod[s]);
		const long pend_cmp = pend >= unsig && pend <= unsig + sig ? 0 : pend;
		const long pend_model = pend_cmp ? static_cast<long>(mm.pending.size()) : 0;
		struct {
			const char *what;
			long core, model;
		} cmp[] = {
			{"fences pending", pend_cmp, pend_model},
			{"live pinned", fence_module_live_pinned(w.mod[s]), mm.live_pinned},
			{"hardware seqno", static_cast<long>(fence_module_hw_seqno(w.mod[s])),
			 static_cast<long>(mm.hw)},
		};
		for (auto &c : cmp)
			if (c.core != c.model) {
				snprintf(buf, sizeof(buf), "m%d: %s is %ld, model %ld", s, c.what, c.core,
					 c.model);
				return buf;
			}
	}
	return "";
}

// ---- interleavings --------------------------------------------------------------------

using observed_t = std::vector<std::vector<std::string>>;

struct search {
	const pcase &c;
	const observed_t *obs; // null: only check legality
	const pworld *w;
	// Best attempt, for the report.
	size_t best_depth = 0;
	std::vector<std::tuple<int, int, int>> path, best_path; // thread, op, step
	std::string best_why;
	unsigned long nodes = 0;
	// Legality mode: the first illegal op found.
	int bad_t = -1, bad_i = -1;
	// A safety net: the bound in parallel_exec.h keeps real searches far below.
	static constexpr unsigned long kNodeBudget = 2000000;
	bool exhausted = false;

	// Return true if some interleaving from here works (obs mode), or if
	// every op is legal in every interleaving from here (legality mode).
	// @pos: next op of each thread; @step: next step of that op (obs mode
	// splits some ops in two, see model_step; legality mode runs ops whole).
	bool dfs(const model &m, std::vector<size_t> &pos, std::vector<int> &step)
	{
		if (++nodes > kNodeBudget) {
			exhausted = true;
			return false;
		}
		bool done = true;
		for (size_t t = 0; t < c.branches.size(); t++) {
			if (exhausted)
				return false;
			if (pos[t] >= c.branches[t].size())
				continue;
			done = false;
			const op &o = c.branches[t][pos[t]];
			if (step[t] == 0 && !harness::op_legal(m, o)) {
				if (!obs) {
					bad_t = static_cast<int>(t);
					bad_i = static_cast<int>(pos[t]);
					return false;
				}
				continue;
			}
			model m2 = m;
			const int k = step[t];
			bool last = true;
			if (obs) {
				std::string want;
				const step_result r = model_step(m2, o, k, (*obs)[t][pos[t]], &want);
				if (r == STEP_MISMATCH) {
					note(path.size(), "thread " + std::to_string(t) + " '" +
								  harness::format_op(o) + "' observed " +
								  (*obs)[t][pos[t]] + ", model says " + want);
					continue;
				}
				last = r == STEP_DONE;
			} else {
				harness::model_apply(m2, o);
			}
			path.push_back({static_cast<int>(t), static_cast<int>(pos[t]), k});
			if (last) {
				pos[t]++;
				step[t] = 0;
			} else {
				step[t]++;
			}
			const bool r = dfs(m2, pos, step);
			if (last) {
				pos[t]--;
				step[t] = k;
			} else {
				step[t]--;
			}
			path.pop_back();
			if (obs && r)
				return true;
			if (!obs && !r)
				return false;
		}
		if (!done)
			return !obs; // obs: nothing matched; legality: all children were legal
		if (!obs)
			return true;
		const std::string d = compare_state(*w, m);
		if (d.empty())
			return true;
		note(path.size(), "every result matches, but the final state differs: " + d);
		return false;
	}

	// Remember why the deepest attempts stopped (a few of them).
	void note(size_t depth, const std::string &why)
	{
		if (depth > best_depth || best_why.empty()) {
			best_depth = depth;
			best_path = path;
			best_why = why;
			n_why = 1;
		} else if (depth == best_depth && best_path == path && n_why < 3 &&
			   best_why.find(why) == std::string::npos) {
			best_why += "; or " + why;
			n_why++;
		}
	}
	int n_why = 0;
};

std::string teardown(pworld &w, exec_ctx &ctx, std::vector<std::vector<event>> &ev)
{
	std::string problems;
	auto run = [&](const op &o) {
		ev.emplace_back();
		ctx.op = ev.size() - 1;
		std::string r = exec(w, o);
		if (o.kind == op_kind::unload && r != "0")
			problems += "teardown: unload m" + std::to_string(o.a[0]) + " returned " + r +
				    " after every reference was dropped\n";
	};
	auto mk = [](op_kind k, uint64_t a0) {
		op o;
		o.kind = k;
		o.a[0] = a0;
		return o;
	};
	for (int r = 0; r < harness::kRcuSlots; r++)
		run(mk(op_kind::clear, r));
	for (int c = 0; c < harness::kCbSlots; c++)
		if (w.cbs[c].held)
			run(mk(op_kind::drop_cb, c));
	for (int f = 0; f < harness::kFenceSlots; f++)
		if (w.fence[f])
			run(mk(op_kind::put, f));
	for (int m = 0; m < harness::kModuleSlots; m++)
		if (w.mod[m])
			run(mk(op_kind::unload, m));
	return problems;
}

uint64_t xorshift(uint64_t &s)
{
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

} // namespace

void allow_module_scan_races(bool on) { g_module_scan_races.store(on); }

std::string format_case(const pcase &c)
{
	harness::program p;
	p.ops = c.prefix;
	std::string s = harness::format(p, false);
	for (size_t t = 0; t < c.branches.size(); t++) {
		s += "# thread " + std::to_string(t) + ":\n";
		for (const op &o : c.branches[t])
			s += "#   " + harness::format_op(o) + "\n";
	}
	return s;
}

bool parse_case(const std::string &text, pcase *out, std::string *error)
{
	pcase c;
	harness::program p;
	if (!harness::parse(text, &p, error))
		return false;
	c.prefix = p.ops;
	std::istringstream in(text);
	int lineno = 0;
	for (std::string line; std::getline(in, line);) {
		lineno++;
		int t;
		char colon;
		if (sscanf(line.c_str(), "# thread %d%c", &t, &colon) == 2 && colon == ':') {
			if (t != static_cast<int>(c.branches.size())) {
				*error = "line " + std::to_string(lineno) + ": threads must be numbered 0, 1, 2";
				return false;
			}
			c.branches.emplace_back();
			continue;
		}
		if (c.branches.empty() || line.compare(0, 4, "#   ") != 0)
			continue;
		harness::program one;
		std::string err;
		if (!harness::parse(line.substr(4), &one, &err) || one.ops.size() != 1) {
			*error = "line " + std::to_string(lineno) + ": " + (err.empty() ? "not one op" : err);
			return false;
		}
		c.branches.back().push_back(one.ops[0]);
	}
	*out = c;
	return true;
}

bool branch_op_allowed(int t, const op &o)
{
	if (!supported(o.kind))
		return false;
	switch (o.kind) {
	case op_kind::load:
	case op_kind::unload:
	case op_kind::stub:
	case op_kind::private_stub: return false; // prefix only (unload: nothing may call in meanwhile)
	case op_kind::describe:
		// Debug output that reads the state three times (is_signaled, then
		// each name), as the kernel's does: not a snapshot, so a racing
		// signal may show detached names on an "unsignalled" line.
	case op_kind::later:
		// is_later + is_signaled: both are branch ops of their own.
		return false;
	case op_kind::wait:
		if (o.a[2] != 0)
			return false; // a branch never sleeps
		break;
	default: break;
	}
	const harness::op_info &in = harness::info(o.kind);
	for (int i = 0; i < in.nargs; i++) {
		const auto v = static_cast<int>(o.a[i]);
		switch (in.args[i]) {
		case harness::arg_type::fence: {
			const bool dest = i == 0 && (writes_fence_slot(o) || o.kind == op_kind::put);
			if (dest ? v != own_fence(t) : v >= kSharedFences && v != own_fence(t))
				return false;
			break;
		}
		case harness::arg_type::cb:
			if (!owns_cb(t, v))
				return false;
			break;
		default: break;
		}
	}
	return true;
}

model prefix_model(const pcase &c)
{
	model m;
	for (const op &o : c.prefix)
		harness::model_apply(m, o);
	return m;
}

bool case_ok(const pcase &c, int *bad_t, int *bad_i, std::string *why)
{
	size_t total = 0;
	for (const op &o : c.prefix)
		if (!supported(o.kind)) {
			*bad_t = *bad_i = -1;
			*why = std::string("prefix op '") + harness::info(o.kind).name + "' is not supported";
			return false;
		}
	if (c.branches.size() > static_cast<size_t>(kMaxThreads)) {
		*bad_t = *bad_i = -1;
		*why = "too many threads";
		return false;
	}
	int scanner[harness::kModuleSlots] = {-1, -1, -1, -1};
	for (size_t t = 0; t < c.branches.size(); t++) {
		total += c.branches[t].size();
		for (size_t i = 0; i < c.branches[t].size(); i++) {
			const op &o = c.branches[t][i];
			*bad_t = static_cast<int>(t);
			*bad_i = static_cast<int>(i);
			if (i >= static_cast<size_t>(kMaxBranchOps) ||
			    !branch_op_allowed(static_cast<int>(t), o)) {
				*why = "'" + harness::format_op(o) + "' is not allowed in thread " +
				       std::to_string(t);
				return false;
			}
			const bool scan = o.kind == op_kind::create || o.kind == op_kind::irq ||
					  o.kind == op_kind::inc;
			if (scan && !g_module_scan_races.load()) {
				int m = static_cast<int>(o.kind == op_kind::create ? o.a[1] : o.a[0]);
				if (scanner[m] >= 0 && scanner[m] != static_cast<int>(t)) {
					*why = "module m" + std::to_string(m) +
					       " is scanned (create/irq/inc) by two threads";
					return false;
				}
				scanner[m] = static_cast<int>(t);
			}
		}
	}
	if (total > static_cast<size_t>(kMaxTotalOps)) {
		*bad_t = *bad_i = -1;
		*why = "too many branch ops";
		return false;
	}
	// A module's scan signals its fences one at a time: not atomic across
	// fences (nor need it be). So a module that a branch irq's or inc's has
	// at most one unsignaled pending fence, and no branch creates more.
	const model pm = prefix_model(c);
	for (size_t t = 0; t < c.branches.size(); t++)
		for (size_t i = 0; i < c.branches[t].size(); i++) {
			const op &o = c.branches[t][i];
			if (o.kind != op_kind::irq && o.kind != op_kind::inc)
				continue;
			*bad_t = static_cast<int>(t);
			*bad_i = static_cast<int>(i);
			const int mi = pm.mslot[o.a[0]];
			int unsignaled = 0;
			if (mi >= 0)
				for (int f : pm.modules[mi].pending)
					unsignaled += !pm.fences[f].signaled;
			if (unsignaled > 1) {
				*why = "'" + harness::format_op(o) + "' would signal several fences";
				return false;
			}
			for (const auto &b : c.branches)
				for (const op &x : b)
					if (x.kind == op_kind::create && x.a[1] == o.a[0]) {
						*why = "'" + harness::format_op(o) + "' races a create on its module";
						return false;
					}
		}
	search s{c, nullptr, nullptr};
	std::vector<size_t> pos(c.branches.size(), 0);
	std::vector<int> step(c.branches.size(), 0);
	const bool legal = s.dfs(pm, pos, step);
	if (s.exhausted) {
		*bad_t = *bad_i = -1;
		*why = "too many interleavings to check";
		return false;
	}
	if (!legal) {
		*bad_t = s.bad_t;
		*bad_i = s.bad_i;
		*why = "'" + harness::format_op(c.branches[s.bad_t][s.bad_i]) +
		       "' is illegal in some interleaving";
		return false;
	}
	return true;
}

run_report run_once(const pcase &c, uint64_t jitter_seed)
{
	run_report rep;
	const long slab0 = fence_slab_live();
	const long mods0 = fence_module_count_loaded();
	pworld w;
	std::vector<std::vector<event>> main_ev;
	exec_ctx main_ctx{&main_ev, 0};
	t_ctx = &main_ctx;

	// 1. The prefix, on this thread, checked against the model as it goes.
	model m;
	for (size_t i = 0; i < c.prefix.size(); i++) {
		const op &o = c.prefix[i];
		if (!harness::op_legal(m, o))
			continue; // skipped, as the interpreter does
		main_ev.emplace_back();
		main_ctx.op = main_ev.size() - 1;
		const std::string want = model_observe(m, o);
		std::string got = exec(w, o);
		if (writes_fence_slot(o))
			got += " -> " + ident(w.fence[o.a[0]]);
		got += events_text(main_ev.back());
		if (o.kind == op_kind::load) // learn the core's context
			m.modules[m.mslot[o.a[0]]].context = fence_module_context(w.mod[o.a[0]]);
		if (want != got) {
			rep.ok = false;
			rep.symptom = "prefix op #" + std::to_string(i) + " '" + harness::format_op(o) +
				      "' observed " + got + ", model says " + want;
			rep.text = rep.symptom + "\n";
			break;
		}
	}

	// 2. The branches, on threads released together.
	const size_t n = c.branches.size();
	observed_t obs(n);
	std::vector<std::vector<std::vector<event>>> ev(n);
	if (rep.ok && n) {
		fence_rcu_set_auto_reclaim(true); // real grace periods while readers race
		std::atomic<int> ready{0};
		std::atomic<bool> go{false};
		std::vector<std::thread> th;
		for (size_t t = 0; t < n; t++) {
			obs[t].resize(c.branches[t].size());
			ev[t].resize(c.branches[t].size());
			th.emplace_back([&, t] {
				exec_ctx ctx{&ev[t], 0};
				t_ctx = &ctx;
				uint64_t rnd = jitter_seed * 0x9e3779b97f4a7c15ULL + t + 1;
				const unsigned spread = 1u << (xorshift(rnd) % 9); // 1..256 pauses
				ready.fetch_add(1, std::memory_order_acq_rel);
				// Spin (yielding now and then: there may be more threads than CPUs).
				for (unsigned k = 1; !go.load(std::memory_order_acquire); k++)
					if (k % 64)
						cpu_relax();
					else
						std::this_thread::yield();
				for (size_t i = 0; i < c.branches[t].size(); i++) {
					for (unsigned k = xorshift(rnd) % spread; k; k--)
						cpu_relax();
					const op &o = c.branches[t][i];
					ctx.op = i;
					std::string got = exec(w, o);
					if (writes_fence_slot(o))
						got += " -> " + ident(w.fence[o.a[0]]);
					obs[t][i] = got + events_text(ev[t][i]);
				}
				t_ctx = nullptr;
			});
		}
		while (ready.load(std::memory_order_acquire) != static_cast<int>(n))
			std::this_thread::yield();
		go.store(true, std::memory_order_release);
		for (auto &x : th)
			x.join();
		fence_rcu_set_auto_reclaim(false);

		// 3. Is there an interleaving of the model that explains it all?
		search s{c, &obs, &w};
		std::vector<size_t> pos(n, 0);
		std::vector<int> step(n, 0);
		const bool found = s.dfs(m, pos, step);
		if (s.exhausted)
			fprintf(stderr, "fencefuzz props: linearizability search gave up after %lu nodes "
					"(case counted as passing)\n", s.nodes);
		if (!found && !s.exhausted) {
			rep.ok = false;
			rep.symptom = "not linearizable: " + s.best_why;
			std::ostringstream out;
			out << "no interleaving of the model explains the observed results ("
			    << s.nodes << " search nodes)\n";
			for (size_t t = 0; t < n; t++) {
				out << "  thread " << t << ":\n";
				for (size_t i = 0; i < c.branches[t].size(); i++)
					out << "    " << harness::format_op(c.branches[t][i]) << "  => "
					    << obs[t][i] << "\n";
			}
			out << "  longest interleaving the model explains (tT.I = thread T's op I; ' = its\n"
			    << "  second step: irq/inc scan, names' timeline, is_signaled's ops check):";
			for (auto [t, i, k] : s.best_path)
				out << " t" << t << "." << i << (k ? "'" : "");
			if (s.best_path.empty())
				out << " (none)";
			out << "\n  then: " << s.best_why << "\n";
			rep.text = out.str();
		}
	}

	// 4. Teardown: drop everything; every object must be freed exactly once.
	const std::string problems = teardown(w, main_ctx, main_ev);
	t_ctx = nullptr;
	rcu_barrier();
	if (rep.ok && !problems.empty()) {
		rep.ok = false;
		rep.symptom = problems.substr(0, problems.find('\n'));
		rep.text = problems;
	}
	if (rep.ok && fence_slab_live() != slab0) {
		rep.ok = false;
		rep.symptom = "kmalloc'd objects after teardown: " + std::to_string(fence_slab_live()) +
			      ", before: " + std::to_string(slab0) + " (leak or double free)";
		rep.text = rep.symptom + "\n";
	}
	if (rep.ok && fence_module_count_loaded() != mods0) {
		rep.ok = false;
		rep.symptom = "modules loaded after teardown";
		rep.text = rep.symptom + "\n";
	}
	return rep;
}

} // namespace props::par

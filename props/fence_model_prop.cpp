// SPDX-License-Identifier: MIT
//
// fence_model_prop.cpp - sequential RapidCheck properties of the fence core
// and the module lifecycle, stated over the harness's op catalog.
//
// How: each property is an rc::state machine whose model is harness::model
// (the one reference model) and whose commands are catalog ops, generated
// from weights biased towards what the property is about. A command's
// precondition is harness::op_legal() (the API's documented contracts), its
// model step harness::model_apply(), and its run a harness::session::step()
// with throw_on_divergence: after every op the session compares the core with
// the model (return value, callbacks, flags, error, refcounts, names,
// timestamps, module state), and session::finish() tears down and checks
// that every fence was freed exactly once. On top of that verified trace each
// property asserts its own invariant with RC_ASSERT, restated independently
// of the model's code (the model could share a bug with the core).
//
// Oracle (what output means broken): a failing gtest with RapidCheck's
// "Falsifiable after N tests" message. Its cause is either a "fencefuzz:
// DIVERGENCE" report (core != model), an RC_ASSERT of the property's invariant
// (core == model, but both break the rule), or a sanitizer report / WARN /
// "access to unloaded module" crash (the core did something illegal under
// legal API use). The shrunk op sequence is written as a .prog file that
// fence-repro replays (see props_common.h).
#include "props_common.h"

#include <rapidcheck/state.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "harness/core_api.h"
#include "harness/semantics.h"

namespace {

using harness::cb_event;
using harness::mfence;
using harness::mmodule;
using harness::model;
using harness::op;
using harness::op_kind;
using props::arg_opts;
using props::pick;
using props::status_of;
using props::weights;

// ---- the state machine ----------------------------------------------------------------

// Per-run bookkeeping of the properties that look across steps.
struct tracker {
	std::map<int, uint64_t> armed; // cb slot -> registration number, while queued
	uint64_t next_reg = 0;
	std::set<int> unloaded; // model module ids unloaded so far
};

// One verified step: the model before and after the op, and what the op
// returned (the model's prediction, which the session checked the core
// returned too; otherwise it threw).
struct step_view {
	const model &before;
	const op &o;
	const model &after;
	const std::string &result;
};

struct spec {
	weights w;
	arg_opts args;
	void (*check)(const step_view &, tracker &) = nullptr;
};

struct sut {
	std::unique_ptr<harness::session> s;
	std::vector<op> ops; // what ran, for the counterexample
	tracker t;
	const spec *sp = nullptr;
};

using cmd_base = rc::state::Command<model, sut>;

// The planning model (RapidCheck's, advanced by model_apply) and the
// session's (advanced by step, which also learns contexts from the core)
// must agree on everything a precondition can look at.
bool same_shape(const model &a, const model &b)
{
	if (memcmp(a.fslot, b.fslot, sizeof(a.fslot)) || memcmp(a.mslot, b.mslot, sizeof(a.mslot)) ||
	    memcmp(a.rslot, b.rslot, sizeof(a.rslot)) ||
	    memcmp(a.cb_fence, b.cb_fence, sizeof(a.cb_fence)) ||
	    memcmp(a.cb_pending, b.cb_pending, sizeof(a.cb_pending)) ||
	    a.sigpending != b.sigpending || a.fences.size() != b.fences.size() ||
	    a.modules.size() != b.modules.size())
		return false;
	for (size_t f = 0; f < a.fences.size(); f++) {
		const mfence &x = a.fences[f], &y = b.fences[f];
		if (x.signaled != y.signaled || x.enabled != y.enabled || x.refs != y.refs ||
		    x.dead != y.dead || x.error != y.error || x.attached != y.attached ||
		    x.seqno != y.seqno)
			return false;
	}
	for (size_t m = 0; m < a.modules.size(); m++)
		if (a.modules[m].hw != b.modules[m].hw || a.modules[m].loaded != b.modules[m].loaded)
			return false;
	return true;
}

// FENCEFUZZ_PROPS_STATS=1: at exit, how often each op ran and which edges
// were reached (to check the generators' coverage).
struct coverage {
	unsigned long kind[harness::kOpKinds] = {};
	std::map<std::string, unsigned long> edge;
	bool on = getenv("FENCEFUZZ_PROPS_STATS") != nullptr;
	void count(const op &o, const model &m)
	{
		if (!on)
			return;
		kind[static_cast<int>(o.kind)]++;
		auto hit = [&](const char *what) { edge[what]++; };
		switch (o.kind) {
		case op_kind::load: hit(harness::info(o.kind).name), edge[std::string("model ") + std::to_string(o.a[1])]++; break;
		case op_kind::create:
			if (o.a[3] & 1)
				hit("create ext lock");
			if (o.a[3] & 2)
				hit("create seqno64");
			if (o.a[2] >> 32 == 1 || (o.a[2] >> 31 == 1 && o.a[2] < (1ULL << 32)))
				hit("seqno near 2^31/2^32");
			if (o.a[2] >= 0ULL - 256)
				hit("seqno near 2^64");
			if (m.mslot[o.a[1]] >= 0)
				edge[std::string("create on model ") + std::to_string(m.modules[m.mslot[o.a[1]]].kind)]++;
			break;
		case op_kind::wait:
		case op_kind::wait_any:
			if (o.a[2] == 0)
				hit("timeout 0");
			if (o.a[2] == 255)
				hit("timeout max");
			break;
		case op_kind::set_error:
			if (o.a[1] == 4095)
				hit("error -4095 (MAX_ERRNO)");
			if (o.a[1] == 1)
				hit("error -1");
			break;
		default: break;
		}
	}
	~coverage()
	{
		if (!on)
			return;
		fprintf(stderr, "fencefuzz props coverage (ops run):\n");
		for (int k = 0; k < harness::kOpKinds; k++)
			fprintf(stderr, "  %-18s %lu\n", harness::info(static_cast<op_kind>(k)).name, kind[k]);
		for (auto &[e, n] : edge)
			fprintf(stderr, "  %-24s %lu\n", e.c_str(), n);
	}
} g_coverage;

class op_cmd : public cmd_base {
public:
	explicit op_cmd(const op &o) : o_(o) {}

	void checkPreconditions(const model &m) const override { RC_PRE(harness::op_legal(m, o_)); }
	void apply(model &m) const override { harness::model_apply(m, o_); }
	void run(const model &m0, sut &s) const override
	{
		s.ops.push_back(o_);
		model m1 = m0;
		std::string result;
		harness::model_apply(m1, o_, &result);
		g_coverage.count(o_, m0);
		const bool ran = s.s->step(o_); // throws harness::divergence
		RC_ASSERT(ran);			// the session found it legal too
		RC_ASSERT(same_shape(s.s->state(), m1));
		if (s.sp->check)
			s.sp->check(step_view{m0, o_, m1, result}, s.t);
	}
	void show(std::ostream &os) const override { os << harness::format_op(o_); }
	const op &o() const { return o_; }

private:
	op o_;
};

rc::Gen<std::shared_ptr<const cmd_base>> gen_command(const spec *sp, const model &m)
{
	return rc::gen::exec([sp, m]() -> std::shared_ptr<const cmd_base> {
		return std::make_shared<const op_cmd>(
			props::pick_op(m, props::pick_kind(sp->w), sp->args));
	});
}

// Record the failing run (RapidCheck's last failing run is the shrunk one).
void note(const sut &s, const std::string &symptom)
{
	harness::program p;
	p.ops = s.ops;
	std::string line = symptom.substr(0, symptom.find('\n'));
	props::note_failure({harness::format(p, false), line, s.ops.size()});
}

// Run one generated command sequence through a fresh session, then finish.
void run_machine(const spec &sp)
{
	props::fresh_process_state();
	sut s;
	s.sp = &sp;
	harness::run_options opt;
	opt.throw_on_divergence = true;
	opt.source = std::string("props ") +
		     ::testing::UnitTest::GetInstance()->current_test_info()->name();
	s.s = std::make_unique<harness::session>(opt);
	try {
		// As rc::state::check(), with the program written down before it runs.
		const auto cmds = *rc::state::gen::commands(
			model(), [&sp](const model &m) { return gen_command(&sp, m); });
		std::string text;
		for (const auto &c : cmds)
			text += harness::format_op(static_cast<const op_cmd &>(*c).o()) + "\n";
		props::inflight(text);
		rc::state::runAll(cmds, model(), s);
		s.s->finish();
	} catch (const harness::divergence &d) {
		note(s, "DIVERGENCE at op #" + std::to_string(d.op_index) + ": " + d.check +
				": expected " + d.expected + ", actual " + d.actual);
		throw;
	} catch (const rc::detail::CaseResult &r) {
		if (r.type != rc::detail::CaseResult::Type::Discard)
			note(s, "property: " + r.description);
		throw;
	} catch (const std::exception &e) {
		note(s, e.what());
		throw;
	}
}

constexpr const char *kReplay = "REPRO FILE";

const char *const kModelNames[] = {"names", "hw", "recycle", "wait", "deadline", "timeline"};

int fence_of(const model &m, const op &o, int i) { return m.fslot[o.a[i]]; }

// ---- the properties' invariants, restated from KERNEL-SEMANTICS.md ---------------------

// Callbacks run exactly once, in registration order, on the fence they were
// added to, after the fence is signaled (the session also checks the
// TIMESTAMP bit is set when each runs), with the fence's error; add returns
// -ENOENT iff the fence is signaled; remove returns true iff still queued.
void check_callbacks(const step_view &v, tracker &t)
{
	const model &b = v.before, &a = v.after;
	std::map<int, uint64_t> last_reg; // fence -> registration number of its last callback run
	for (const cb_event &e : a.events) {
		RC_ASSERT(t.armed.count(e.slot) == 1u); // queued: never twice, never unasked
		RC_ASSERT(b.cb_fence[e.slot] == e.fence);
		RC_ASSERT(a.fences[e.fence].signaled);
		RC_ASSERT(e.error == a.fences[e.fence].error);
		auto it = last_reg.find(e.fence);
		if (it != last_reg.end())
			RC_ASSERT(t.armed[e.slot] > it->second); // FIFO
		last_reg[e.fence] = t.armed[e.slot];
		t.armed.erase(e.slot);
	}
	for (const auto &[slot, reg] : t.armed)
		RC_ASSERT(!a.fences[b.cb_fence[slot]].signaled); // none lost
	switch (v.o.kind) {
	case op_kind::add_cb: {
		const int slot = static_cast<int>(v.o.a[1]);
		const int f = a.cb_fence[slot];
		if (v.result == "0") {
			RC_ASSERT(a.cb_pending[slot]);
			RC_ASSERT(!a.fences[f].signaled);
			t.armed[slot] = t.next_reg++;
		} else {
			RC_ASSERT(v.result == std::string("-2")); // -ENOENT
			RC_ASSERT(a.fences[f].signaled);
			RC_ASSERT(!a.cb_pending[slot]);
		}
		break;
	}
	case op_kind::remove_cb:
	case op_kind::drop_cb: {
		const int slot = static_cast<int>(v.o.a[0]);
		RC_ASSERT(v.result == std::string(t.armed.count(slot) ? "1" : "0"));
		t.armed.erase(slot);
		break;
	}
	default: break;
	}
}

// Status goes 0 -> 1 or 0 -> error and never back; the error is frozen at
// signal; ENABLE_SIGNAL never clears; the queries agree with the state.
void check_status(const step_view &v, tracker &)
{
	const model &b = v.before, &a = v.after;
	for (size_t f = 0; f < b.fences.size(); f++) {
		if (a.fences[f].global_stub)
			continue;
		const int s0 = status_of(b, static_cast<int>(f)), s1 = status_of(a, static_cast<int>(f));
		if (s0 != 0)
			RC_ASSERT(s1 == s0);
		RC_ASSERT(s1 == 0 || s1 == 1 || (s1 < 0 && s1 >= -4095));
		RC_ASSERT(!b.fences[f].enabled || a.fences[f].enabled);
	}
	const op &o = v.o;
	switch (o.kind) {
	case op_kind::status:
	case op_kind::status_locked:
		RC_ASSERT(v.result == std::to_string(status_of(a, fence_of(a, o, 0))));
		break;
	case op_kind::test_flag: { // no side effects: no ->signaled poll
		const int f = fence_of(b, o, 0);
		RC_ASSERT(v.result == std::string(b.fences[f].signaled ? "1" : "0"));
		RC_ASSERT(a.fences[f].signaled == b.fences[f].signaled);
		break;
	}
	case op_kind::is_signaled:
		RC_ASSERT(v.result == std::string(a.fences[fence_of(a, o, 0)].signaled ? "1" : "0"));
		break;
	case op_kind::check_and_signal: { // returns the previous state
		const int f = fence_of(b, o, 0);
		RC_ASSERT(v.result == std::string(b.fences[f].signaled ? "1" : "0"));
		RC_ASSERT(a.fences[f].signaled);
		break;
	}
	case op_kind::signal:
	case op_kind::signal_ts:
	case op_kind::signal_locked: RC_ASSERT(a.fences[fence_of(b, o, 0)].signaled); break;
	default: break;
	}
}

// Names follow the fence's state: the module's strings while unsignaled
// (its module is then loaded), "detached-driver"/"signaled-timeline" once
// signaled; ops stay attached after signal only when pinned (->release or
// ->wait); describe agrees. Before the series (a kernel tree without detach,
// harness/semantics.h) the ops and the module's names stay for the fence's
// life ("stub" for the stubs), and under the tree's own driver contract a
// live fence's module stays loaded.
void check_names(const step_view &v, tracker &)
{
	const harness::core_semantics &sem = harness::semantics();
	const model &a = v.after;
	for (const mfence &x : a.fences) {
		RC_ASSERT(x.attached == (!x.signaled || x.pinned || !sem.detach_on_signal));
		if ((!x.signaled || sem.pin_until_release) && !x.dead && x.mod >= 0)
			RC_ASSERT(a.modules[x.mod].loaded);
	}
	const op &o = v.o;
	if (o.kind == op_kind::names) {
		const mfence &x = a.fences[fence_of(a, o, 0)];
		std::string want = sem.name_getters ? "detached-driver signaled-timeline" : "stub stub";
		if ((!x.signaled || !sem.name_getters) && x.mod >= 0) {
			const mmodule &mm = a.modules[x.mod];
			want = mm.name + " " + mm.name + "." + kModelNames[mm.kind] + ".tl";
		}
		RC_ASSERT(v.result == "0 \"" + want + "\"");
	}
	if (o.kind == op_kind::describe) {
		const mfence &x = a.fences[fence_of(a, o, 0)];
		const bool unsig = v.result.find("unsignalled") != std::string::npos;
		RC_ASSERT(unsig == !x.signaled);
		if (!sem.describe_ctx_seq) { // "DRIVER TIMELINE seq N [un]signalled"
			const std::string names = x.mod >= 0 ? a.modules[x.mod].name + " " + a.modules[x.mod].name +
								       "." + kModelNames[a.modules[x.mod].kind] + ".tl"
							     : "stub stub";
			RC_ASSERT(v.result.rfind("0 \"" + names + " seq " + std::to_string(x.seqno) + " ", 0) == 0);
		} else if (unsig) {
			const mmodule &mm = a.modules[x.mod];
			RC_ASSERT(v.result.find(" " + mm.name + "." + kModelNames[mm.kind] + ".tl " +
						mm.name + " unsignalled") != std::string::npos);
		}
	}
}

// A detached fence never needs its module again: once a module unloaded,
// each of its fences that lives on is signaled and detached, whatever is
// done with it later (any touch of the unloaded module's pages would crash
// with "access to unloaded module"); a refused unload leaves it loaded.
void check_detached(const step_view &v, tracker &t)
{
	const model &b = v.before, &a = v.after;
	if (v.o.kind == op_kind::unload) {
		const int mi = b.mslot[v.o.a[0]];
		if (v.result == "0") {
			RC_ASSERT(!a.modules[mi].loaded);
			t.unloaded.insert(mi);
		} else {
			RC_ASSERT(a.modules[mi].loaded);
		}
	}
	// (Before the series no fence detaches: an unload succeeds only once
	// none of the module's fences lives, so the loop finds none.)
	for (const mfence &x : a.fences)
		if (!x.dead && t.unloaded.count(x.mod)) {
			RC_ASSERT(x.signaled);
			RC_ASSERT(!x.attached);
		}
}

// References balance: every fence's count is exactly its holders (fence,
// callback and RCU slots, its module's pending list); it dies when the last
// goes and never comes back. (The session checks the core's kref equals the
// model's count after every op, and at the end that every object was freed
// exactly once.)
void check_refs(const step_view &v, tracker &)
{
	const model &b = v.before, &a = v.after;
	std::vector<long> holders(a.fences.size(), 0);
	for (int s = 0; s < harness::kFenceSlots; s++)
		if (a.fslot[s] >= 0)
			holders[a.fslot[s]]++;
	for (int c = 0; c < harness::kCbSlots; c++)
		if (a.cb_fence[c] >= 0)
			holders[a.cb_fence[c]]++;
	for (int r = 0; r < harness::kRcuSlots; r++)
		if (a.rslot[r] >= 0)
			holders[a.rslot[r]]++;
	for (const mmodule &m : a.modules)
		for (int f : m.pending)
			holders[f]++;
	for (size_t f = 0; f < a.fences.size(); f++) {
		if (a.fences[f].global_stub)
			continue;
		RC_ASSERT(a.fences[f].refs == holders[f]);
		RC_ASSERT(a.fences[f].dead == (holders[f] == 0));
		if (f < b.fences.size() && b.fences[f].dead)
			RC_ASSERT(a.fences[f].dead);
	}
}

// is_later is a strict order within a context: 32-bit compare with
// wrap-around, or plain u64 with SEQNO64; later() picks by it and returns
// NULL (0) when the later fence is signaled.
bool is_later_ref(const mfence &x, const mfence &y)
{
	if (x.seq64)
		return x.seqno > y.seqno;
	const uint32_t d = static_cast<uint32_t>(x.seqno) - static_cast<uint32_t>(y.seqno);
	return d != 0 && d < 0x80000000u;
}
void check_is_later(const step_view &v, tracker &)
{
	const model &a = v.after;
	const op &o = v.o;
	if (o.kind != op_kind::is_later && o.kind != op_kind::later)
		return;
	const int f1 = fence_of(a, o, 0), f2 = fence_of(a, o, 1);
	RC_ASSERT(a.fences[f1].context == a.fences[f2].context);
	const bool later = is_later_ref(a.fences[f1], a.fences[f2]);
	if (o.kind == op_kind::is_later) {
		RC_ASSERT(v.result == std::string(later ? "1" : "0"));
		if (f1 == f2 || o.a[0] == o.a[1])
			RC_ASSERT(v.result == std::string("0"));
	} else {
		const int pickf = later ? f1 : f2;
		const std::string want = a.fences[pickf].signaled ? "0" : later || f1 == f2 ? "1" : "2";
		RC_ASSERT(v.result == want);
	}
}

// get_rcu_safe returns a new reference to exactly the fence in the slot,
// never one whose refcount reached zero and never a recycled object.
void check_rcu(const step_view &v, tracker &)
{
	const model &b = v.before, &a = v.after;
	if (v.o.kind != op_kind::get_rcu_safe)
		return;
	const int got = a.fslot[v.o.a[0]];
	RC_ASSERT(got == b.rslot[v.o.a[1]]);
	RC_ASSERT(v.result == std::string(got >= 0 ? "1" : "0"));
	if (got >= 0) {
		RC_ASSERT(!a.fences[got].dead);
		RC_ASSERT(a.fences[got].refs >= 2); // the slot's and ours
	}
}

// dma_fence_wait_timeout: enables signaling; returns the remaining timeout
// (at least 1, so 1 for timeout 0) if signaled, -ERESTARTSYS on a pending
// signal if interruptible, else 0 (virtual time: the timeout passes). A
// wait_any's idx names a signaled fence.
void check_wait(const step_view &v, tracker &)
{
	const model &b = v.before, &a = v.after;
	const op &o = v.o;
	if (o.kind == op_kind::wait) {
		const int f = fence_of(a, o, 0);
		const long t = o.a[2] == 255 ? LONG_MAX : static_cast<long>(o.a[2]);
		std::string want = "0";
		if (a.fences[f].signaled)
			want = std::to_string(t ? t : 1);
		else if (o.a[1] && b.sigpending)
			want = "-512";
		RC_ASSERT(v.result == want);
		RC_ASSERT(a.fences[f].enabled);
		if (o.a[2] == 255)
			RC_ASSERT(v.result != std::string("0")); // unbounded: returns only when done
	}
	if (o.kind == op_kind::wait_any) {
		std::vector<int> set;
		for (int s = 0; s < harness::kFenceSlots; s++)
			if ((o.a[0] & (1u << s)) && a.fslot[s] >= 0)
				set.push_back(a.fslot[s]);
		const long value = std::stol(v.result);
		const long t = o.a[2] == 255 ? LONG_MAX : static_cast<long>(o.a[2]);
		bool any = false;
		for (int f : set)
			any |= a.fences[f].signaled;
		if (value > 0) {
			const size_t at = v.result.find("idx ");
			RC_ASSERT(at != std::string::npos);
			const size_t idx = std::stoul(v.result.substr(at + 4));
			RC_ASSERT(idx < set.size());
			RC_ASSERT(a.fences[set[idx]].signaled);
			RC_ASSERT(value == (t == 0 ? 1 : t));
		} else if (value == 0) {
			RC_ASSERT(!any);
			RC_ASSERT(o.a[2] != 255u);
		} else {
			RC_ASSERT(value == -512 || value == -12); // -ERESTARTSYS, -ENOMEM (failnext)
			if (value == -512)
				RC_ASSERT(o.a[1] && b.sigpending);
		}
	}
}

// set_error only before signaling, in [-MAX_ERRNO, -1], and frozen once
// signaled; callbacks and status see it; unload's force-completion gives
// -ENODEV only to fences without an error of their own.
void check_set_error(const step_view &v, tracker &)
{
	const model &b = v.before, &a = v.after;
	const op &o = v.o;
	for (size_t f = 0; f < b.fences.size(); f++) {
		const mfence &x0 = b.fences[f], &x1 = a.fences[f];
		if (x0.signaled)
			RC_ASSERT(x1.error == x0.error);
		RC_ASSERT(x1.error == 0 || (x1.error < 0 && x1.error >= -4095));
		if (o.kind == op_kind::unload && !x0.signaled && x1.signaled && x0.mod == b.mslot[o.a[0]])
			RC_ASSERT(x1.error == (x0.error ? x0.error : -19));
	}
	for (const cb_event &e : a.events)
		RC_ASSERT(e.error == a.fences[e.fence].error);
	if (o.kind == op_kind::set_error) {
		const int f = fence_of(b, o, 0);
		RC_ASSERT(!b.fences[f].signaled);
		RC_ASSERT(a.fences[f].error == -static_cast<int>(o.a[1]));
	}
	if (o.kind == op_kind::status)
		RC_ASSERT(v.result == std::to_string(status_of(a, fence_of(a, o, 0))));
}

// Unload force-completes what the module has pending, then refuses with
// -EBUSY exactly while a fence whose ops never detach (->release, ->wait,
// or an external lock) is alive; on success the slot is empty.
void check_unload(const step_view &v, tracker &)
{
	const model &b = v.before, &a = v.after;
	if (v.o.kind != op_kind::unload)
		return;
	const int mi = b.mslot[v.o.a[0]];
	bool live_pinned = false;
	for (const mfence &x : a.fences)
		if (x.mod == mi && !x.dead) {
			RC_ASSERT(x.signaled);
			live_pinned |= x.pinned;
		}
	RC_ASSERT(v.result == std::string(live_pinned ? "-16" : "0"));
	RC_ASSERT((a.mslot[v.o.a[0]] < 0) == !live_pinned);
}

// ---- weight tables ---------------------------------------------------------------------

weights all_ops()
{
	weights w;
	for (int k = 0; k < harness::kOpKinds; k++) {
		const auto kind = static_cast<op_kind>(k);
		int weight = 2;
		if (kind == op_kind::load || kind == op_kind::create)
			weight = 5;
		if (kind == op_kind::failnext || kind == op_kind::sig_raise || kind == op_kind::unload ||
		    harness::info(kind).misuse)
			weight = 1;
		w.push_back({weight, kind});
	}
	return w;
}

#define W(n, k) {n, op_kind::k}

} // namespace

// ---- the properties ---------------------------------------------------------------------

// The whole catalog, every driver model, lock and seqno width: the core
// matches the model after every op, and teardown frees everything.
FENCE_PROP(FenceModelProp, SequentialMatchesModel, kReplay)
{
	static const spec sp{all_ops(), {}, nullptr};
	run_machine(sp);
}

FENCE_PROP(FenceModelProp, CallbacksRunOnceInOrder, kReplay)
{
	static const spec sp{{W(2, load), W(4, create), W(8, add_cb), W(3, remove_cb), W(2, drop_cb),
			      W(3, signal), W(2, signal_ts), W(1, signal_locked), W(1, check_and_signal),
			      W(2, set_error), W(1, enable_sw), W(2, irq), W(2, inc), W(1, unload),
			      W(1, put), W(1, get), W(1, is_signaled), W(1, status), W(1, wait),
			      W(1, wait_any)},
			     {},
			     check_callbacks};
	run_machine(sp);
}

FENCE_PROP(FenceModelProp, StatusNeverGoesBack, kReplay)
{
	static const spec sp{{W(2, load), W(4, create), W(2, signal), W(1, signal_ts),
			      W(2, check_and_signal), W(1, signal_locked), W(3, set_error), W(4, status),
			      W(2, status_locked), W(2, is_signaled), W(2, test_flag), W(2, irq), W(2, inc),
			      W(1, unload), W(2, enable_sw), W(2, wait), W(1, put), W(1, get),
			      W(1, describe), W(1, later)},
			     {},
			     check_status};
	run_machine(sp);
}

FENCE_PROP(FenceModelProp, NamesFollowState, kReplay)
{
	static const spec sp{{W(3, load), W(4, create), W(8, names), W(3, describe), W(3, signal),
			      W(1, check_and_signal), W(2, irq), W(2, inc), W(2, is_signaled), W(2, unload),
			      W(1, put), W(1, get), W(1, stub), W(1, private_stub), W(1, sync_rcu),
			      W(1, enable_sw)},
			     {},
			     check_names};
	run_machine(sp);
}

FENCE_PROP(FenceModelProp, DetachedFenceOutlivesModule, kReplay)
{
	// Mostly models that detach, and inline locks, so unload succeeds often.
	static const spec sp{{W(3, load), W(4, create), W(3, signal), W(2, irq), W(2, inc), W(6, unload),
			      W(2, sync_rcu), W(2, rcu_barrier), W(3, names), W(2, status), W(2, describe),
			      W(2, wait), W(2, is_signaled), W(2, set_deadline), W(1, enable_sw),
			      W(2, add_cb), W(1, drop_cb), W(1, publish), W(1, get_rcu_safe), W(1, get),
			      W(2, put), W(1, timestamp), W(1, is_later), W(1, later), W(1, test_flag)},
			     {{0, 1, 4, 5, 0, 1, 4, 5, 2, 3}, {0, 0, 0, 2, 2, 1, 3}},
			     check_detached};
	run_machine(sp);
}

// Every driver mistake the core defends against with a WARN, among the
// states that decide it: the WARN count and what the core leaves (the error
// stored anyway, -EINVAL, -EDEADLK to the pending callback) match the model.
FENCE_PROP(FenceModelProp, MisuseIsDefended, kReplay)
{
	static const spec sp{{W(3, load), W(5, create), W(2, signal), W(1, stub), W(1, private_stub),
			      W(2, add_cb), W(1, get), W(1, put), W(1, status), W(1, timestamp),
			      W(2, ctx_alloc0), W(2, signal_null), W(2, signal_ts_null),
			      W(3, is_later_xctx), W(3, later_xctx), W(3, set_error_signaled),
			      W(3, set_error_zero), W(3, timestamp_early), W(2, timestamp_race), W(2, release_pending),
			      W(2, add_cb_null), W(2, wait_negative), W(2, wait_any_zero),
			      W(2, wait_in_signalling)},
			     {},
			     nullptr};
	run_machine(sp);
}

FENCE_PROP(FenceModelProp, ReferencesBalance, kReplay)
{
	static const spec sp{{W(2, load), W(4, create), W(5, get), W(5, put), W(3, publish), W(2, clear),
			      W(3, get_rcu_safe), W(3, add_cb), W(2, drop_cb), W(1, remove_cb),
			      W(3, signal), W(1, irq), W(1, inc), W(2, unload), W(1, stub),
			      W(2, private_stub), W(1, rcu_barrier), W(1, sync_rcu), W(1, failnext)},
			     {},
			     check_refs};
	run_machine(sp);
}

FENCE_PROP(FenceModelProp, IsLaterFollowsSeqnoOrder, kReplay)
{
	static const spec sp{{W(1, load), W(6, create), W(6, is_later), W(3, later), W(2, signal),
			      W(1, put), W(1, get)},
			     {{0, 1, 2, 3, 4, 5}, {0, 2, 2, 3}},
			     check_is_later};
	run_machine(sp);
}

FENCE_PROP(FenceModelProp, GetRcuSafeReturnsSlotFence, kReplay)
{
	// RECYCLE reuses released fences at once (SLAB_TYPESAFE_BY_RCU).
	static const spec sp{{W(2, load), W(4, create), W(4, publish), W(2, clear), W(6, get_rcu_safe),
			      W(4, put), W(1, get), W(2, signal), W(2, rcu_barrier), W(1, sync_rcu),
			      W(1, unload), W(1, irq), W(1, inc)},
			     {{2, 2, 2, 0, 1, 3, 5}, {0, 1, 2, 3}},
			     check_rcu};
	run_machine(sp);
}

FENCE_PROP(FenceModelProp, WaitTimeoutReturns, kReplay)
{
	static const spec sp{{W(2, load), W(3, create), W(8, wait), W(4, wait_any), W(2, sig_raise),
			      W(2, sig_clear), W(2, signal), W(2, irq), W(1, inc), W(1, enable_sw),
			      W(1, set_error), W(1, unload), W(1, put), W(1, failnext)},
			     {{1, 1, 3, 0, 5, 2, 4}, {0, 1, 2, 3}},
			     check_wait};
	run_machine(sp);
}

FENCE_PROP(FenceModelProp, SetErrorRules, kReplay)
{
	static const spec sp{{W(2, load), W(4, create), W(8, set_error), W(3, signal),
			      W(1, check_and_signal), W(3, status), W(3, add_cb), W(2, irq), W(3, unload),
			      W(1, inc), W(1, is_signaled), W(1, drop_cb), W(1, put)},
			     {},
			     check_set_error};
	run_machine(sp);
}

FENCE_PROP(FenceModelProp, UnloadRefusesWhilePinned, kReplay)
{
	// Pinning models (recycle, wait) and external locks (cflags 1, 3) often.
	static const spec sp{{W(4, load), W(5, create), W(2, signal), W(3, put), W(1, get), W(6, unload),
			      W(1, add_cb), W(1, drop_cb), W(1, publish), W(1, clear), W(1, names),
			      W(1, status), W(1, irq), W(1, inc)},
			     {{2, 3, 2, 3, 0, 1, 4, 5}, {0, 1, 1, 2, 3, 3}},
			     check_unload};
	run_machine(sp);
}

// Directly on the core: dma_fence_is_later is irreflexive, asymmetric,
// transitive within half the 32-bit circle (always with SEQNO64), and equal
// to the reference compare; is_later_or_same is reflexive; dma_fence_later
// returns the later fence while it is unsignaled.
FENCE_PROP(FenceModelProp, IsLaterStrictOrder, nullptr)
{
	const int n = pick(2, 7);
	const bool s64 = pick(0, 2);
	std::vector<uint64_t> seq;
	for (int i = 0; i < n; i++)
		seq.push_back(props::pick_seqno());
	auto ref = [&](int i, int j) {
		if (s64)
			return seq[i] > seq[j];
		const uint32_t d = static_cast<uint32_t>(seq[i]) - static_cast<uint32_t>(seq[j]);
		return d != 0 && d < 0x80000000u;
	};
	struct fence_module *mod = nullptr;
	RC_ASSERT(fence_module_load("islater", FENCE_MODEL_NAMES, &mod) == 0);
	std::vector<struct dma_fence *> f;
	for (int i = 0; i < n; i++)
		f.push_back(fence_module_create_fence(mod, seq[i], s64 ? FENCE_CREATE_SEQNO64 : 0));
	struct cleanup {
		std::vector<struct dma_fence *> &f;
		struct fence_module *mod;
		~cleanup()
		{
			for (auto *x : f)
				dma_fence_signal(x);
			for (auto *x : f)
				dma_fence_put(x);
			fence_module_unload(mod);
			rcu_barrier();
		}
	} c{f, mod};
	for (int i = 0; i < n; i++) {
		RC_ASSERT(!dma_fence_is_later(f[i], f[i]));
		RC_ASSERT(dma_fence_is_later_or_same(f[i], f[i]));
		for (int j = 0; j < n; j++) {
			const bool ij = dma_fence_is_later(f[i], f[j]);
			RC_ASSERT(ij == ref(i, j));
			RC_ASSERT(!(ij && dma_fence_is_later(f[j], f[i])));
			RC_ASSERT(dma_fence_later(f[i], f[j]) == (ij ? f[i] : f[j]));
			for (int k = 0; k < n; k++) {
				if (!ij || !dma_fence_is_later(f[j], f[k]))
					continue;
				const uint64_t span = s64 ? 0
							  : uint64_t(static_cast<uint32_t>(seq[i]) -
								     static_cast<uint32_t>(seq[j])) +
								    uint32_t(static_cast<uint32_t>(seq[j]) -
									     static_cast<uint32_t>(seq[k]));
				if (s64 || span < 0x80000000u)
					RC_ASSERT(dma_fence_is_later(f[i], f[k]));
			}
		}
	}
}

int main(int argc, char **argv)
{
	return props::props_main(argc, argv, "max_success=1000 max_size=100");
}

// SPDX-License-Identifier: MIT
//
// ops/names.cpp - the name family: names (dma_fence_driver_name() and
// dma_fence_timeline_name() under RCU) and describe (dma_fence_describe()).
// Each name is read under RCU on its own, so in a concurrent run the pair
// is not atomic: a signal between the two reads detaches the ops.
#include <cinttypes>
#include <cstdio>

#include "harness/core_api.h"

#include "../catalog.h"

namespace harness {
namespace {

const std::string kDetachedDriver = "detached-driver", kSignaledTimeline = "signaled-timeline";

// ---- the names contract -----------------------------------------------------------
// Names a fence of module @m (or of no module the world loaded, @m null)
// may report: its module's while unsignaled, the detached pair once
// signaled; the driver name detaches no later than the timeline name (the
// timeline is read second, so a signal in between detaches only it).
std::string check_names(const wmodule *m, bool sig0, const std::string &d, const std::string &t,
			bool signaled_after)
{
	// Before the 7.1 getters the names are the ops' own, signaled or not.
	if (!semantics().name_getters) {
		if (m && (d != m->driver || t != m->timeline))
			return "names: a fence of " + m->driver + " reads '" + d + "' / '" + t + "'";
		return "";
	}
	const bool d_det = d == kDetachedDriver, t_det = t == kSignaledTimeline;
	// Built only when a check fails: this runs on every names op.
	auto which = [&] { return "'" + d + "' / '" + t + "'"; };
	if (sig0 && !(d_det && t_det))
		return "names: a signaled fence reads " + which();
	if (d_det && !t_det)
		return "names: the driver name is detached but not the timeline name: " + which();
	if ((d_det || t_det) && !signaled_after)
		return "names: an unsignaled fence reads " + which();
	if (m && ((!d_det && d != m->driver) || (!t_det && t != m->timeline)))
		return "names: a fence of " + m->driver + " reads " + which() + ", not '" + m->driver +
		       "' / '" + m->timeline + "' or the detached names";
	return "";
}

// The grace-period oracle (rcutorture's): called inside the read-side
// section in which the reader used module @m (read its names, or saw its
// fence unsignaled). If @m's unload has completed meanwhile, the unload's
// grace period did not wait for this reader. Also feeds the Reader Pipe.
void unload_oracle(const wmodule &m)
{
	const int st = m.state.load(std::memory_order_acquire);
	const unsigned long gp = fence_rcu_gp_count();
	if (st == WMOD_UNLOADED) {
		world::pipe.unloaded.fetch_add(1, std::memory_order_relaxed);
		contract_broken("unload_gp: a read-side section that used module " + m.driver +
				" outlived its unload (" +
				std::to_string(gp - m.gp_begin.load(std::memory_order_relaxed)) +
				" grace periods since the unload began, " +
				std::to_string(gp - m.gp_end.load(std::memory_order_relaxed)) +
				" since it returned)");
		return;
	}
	unsigned long age = 0;
	if (st == WMOD_UNLOADING)
		age = gp - m.gp_begin.load(std::memory_order_relaxed);
	world::pipe.age[age < kPipe - 1 ? age : kPipe - 1].fetch_add(1, std::memory_order_relaxed);
}

// ---- names f ----------------------------------------------------------------------
outcome core_names(world &w, const op &o)
{
	struct dma_fence *f = w.fence[o.a[0]];
	const wmodule *m = w.find_module(f->context);
	fence::rcu_read_guard g;
	const bool sig0 = dma_fence_test_signaled_flag(f);
	std::string d = dma_fence_driver_name(f);
	std::string t = dma_fence_timeline_name(f);
	const std::string broke = check_names(m, sig0, d, t, dma_fence_test_signaled_flag(f));
	if (!broke.empty())
		contract_broken(broke);
	if (m && (!sig0 || d != kDetachedDriver || t != kSignaledTimeline || !semantics().name_getters))
		unload_oracle(*m); // still inside the section
	return {0, d + ' ' + t};
}
outcome model_names(model &m, const op &o)
{
	int f = fence_arg(m, o, 0);
	return {0, m.driver_name(f) + ' ' + m.timeline_name(f)};
}
// The model says the names were still attached; the core read the timeline
// after a concurrent signal detached them.
bool eq_names(const op_record &r, const outcome &e, const model &)
{
	if (r.out.value != e.value)
		return false;
	if (r.out.text == e.text)
		return true;
	size_t sp = e.text.find(' ');
	if (sp == std::string::npos || e.text.substr(0, sp) == kDetachedDriver)
		return false;
	return r.out.text == e.text.substr(0, sp) + " " + kSignaledTimeline;
}

// ---- describe f -------------------------------------------------------------------
outcome core_describe(world &w, const op &o) { return {0, dma_fence_describe(w.fence[o.a[0]])}; }
std::string describe_head(uint64_t context, uint64_t seqno)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%" PRIu64 ":%" PRIu64 " ", context, seqno);
	return buf;
}
std::string describe_head(const mfence &x) { return describe_head(x.context, x.seqno); }
// "ctx:seq " of this fence, then " signalled\n" or "TIMELINE DRIVER
// unsignalled\n" with names the names contract allows.
// Before 7.1: "DRIVER TIMELINE seq N [un]signalled\n", the fence's own names.
std::string post_describe_612(const world &w, const struct dma_fence *f, const std::string &s)
{
	const wmodule *m = w.find_module(f->context);
	const std::string names = m ? m->driver + " " + m->timeline : "stub stub";
	const std::string head = names + " seq " + std::to_string(f->seqno) + " ";
	if (s != head + "signalled\n" && s != head + "unsignalled\n")
		return "describe: fence " + describe_head(f->context, f->seqno) + "described as '" +
		       s.substr(0, 100) + "', not '" + head + "[un]signalled'";
	return "";
}
std::string post_describe(const world &w, const op &o, const outcome &r)
{
	const struct dma_fence *f = w.fence[o.a[0]];
	if (!semantics().describe_ctx_seq)
		return post_describe_612(w, f, r.text);
	const std::string head = describe_head(f->context, f->seqno);
	const std::string &s = r.text;
	if (s.compare(0, head.size(), head) != 0)
		return "describe: fence " + head + "described as '" + s.substr(0, 100) + "'";
	const std::string rest = s.substr(head.size());
	if (rest == " signalled\n" || rest == "  signalled\n")
		return "";
	const std::string tail = " unsignalled\n";
	const size_t sp = rest.find(' ');
	if (rest.size() < tail.size() || rest.compare(rest.size() - tail.size(), tail.size(), tail) ||
	    sp == std::string::npos || sp >= rest.size() - tail.size())
		return "describe: fence " + head + "described as '" + s.substr(0, 100) + "'";
	const std::string tl = rest.substr(0, sp), dr = rest.substr(sp + 1, rest.size() - tail.size() - sp - 1);
	const wmodule *m = w.find_module(f->context);
	const bool tl_ok = tl == kSignaledTimeline || (m && tl == m->timeline) || !m;
	const bool dr_ok = dr == kDetachedDriver || (m && dr == m->driver) || !m;
	if (!tl_ok || !dr_ok)
		return "describe: fence " + head + "of " + (m ? m->driver : "?") + " described as '" +
		       s.substr(0, 100) + "'";
	return "";
}
outcome model_describe(model &m, const op &o)
{
	int f = fence_arg(m, o, 0);
	if (!semantics().describe_ctx_seq) {
		// The names first, then dma_fence_is_signaled() (which may poll).
		std::string s = m.driver_name(f) + " " + m.timeline_name(f) + " seq " +
				std::to_string(m.fences[f].seqno) + " ";
		return {0, s + (m.poll(f) ? "" : "un") + "signalled\n"};
	}
	const std::string head = describe_head(m.fences[f]);
	if (!m.poll(f))
		return {0, head + m.timeline_name(f) + " " + m.driver_name(f) + " unsignalled\n"};
	return {0, head + "  signalled\n"};
}
// dma_fence_describe() asks dma_fence_is_signaled() first (two steps); signaled
// between them, it prints the detached names as "unsignalled".
bool lin_describe(lin_ctx &c)
{
	const int f = c.m.fslot[c.r.o.a[0]];
	switch (lin_is_signaled_steps(c, f, model_describe)) {
	case 0: return false;
	case 2:
		if (!semantics().describe_ctx_seq) { // 6.12: the names never detach
			c.expected->text = c.m.driver_name(f) + " " + c.m.timeline_name(f) + " seq " +
					   std::to_string(c.m.fences[f].seqno) + " unsignalled\n";
			return true;
		}
		c.expected->text = describe_head(c.m.fences[f]) + kSignaledTimeline + " " +
				   kDetachedDriver + " unsignalled\n";
		return true;
	default: return true;
	}
}
// "ctx:seq TIMELINE DRIVER unsignalled\n": the timeline is read first, then
// the driver, each on its own.
bool eq_describe(const op_record &r, const outcome &e, const model &)
{
	if (r.out.value != e.value)
		return false;
	if (r.out.text == e.text)
		return true;
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
	const std::string &got = r.out.text;
	return got == head + tl + " " + kDetachedDriver + tail ||
	       got == head + kSignaledTimeline + " " + kDetachedDriver + tail;
}

const op_desc kOps[] = {
	{.kind = op_kind::names,
	 .help = "driver and timeline name under RCU",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_names,
	 .model_fn = model_names,
	 .lin_equal = eq_names},
	{.kind = op_kind::describe,
	 .help = "dma_fence_describe",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_describe,
	 .post = post_describe,
	 .model_fn = model_describe,
	 .lin_step = lin_describe,
	 .lin_equal = eq_describe},
};

} // namespace

const op_family family_names = {"names", kOps, std::size(kOps)};

} // namespace harness

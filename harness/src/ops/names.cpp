// SPDX-License-Identifier: MIT
//
// ops/names.cpp - the name family: names (dma_fence_driver_name() and
// dma_fence_timeline_name() under RCU) and describe (dma_fence_describe()).
// Each name is read under RCU on its own, so in a concurrent run the pair
// is not atomic: a signal between the two reads detaches the ops.
#include <cinttypes>
#include <cstdio>

#include "../catalog.h"

namespace harness {
namespace {

const std::string kDetachedDriver = "detached-driver", kSignaledTimeline = "signaled-timeline";

// ---- names f ----------------------------------------------------------------------
outcome core_names(world &w, const op &o)
{
	fence::rcu_read_guard g;
	std::string s = dma_fence_driver_name(w.fence[o.a[0]]);
	s += ' ';
	s += dma_fence_timeline_name(w.fence[o.a[0]]);
	return {0, s};
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
std::string describe_head(const mfence &x)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%" PRIu64 ":%" PRIu64 " ", x.context, x.seqno);
	return buf;
}
outcome model_describe(model &m, const op &o)
{
	int f = fence_arg(m, o, 0);
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
	 .model_fn = model_describe,
	 .lin_step = lin_describe,
	 .lin_equal = eq_describe},
};

} // namespace

const op_family family_names = {"names", kOps, std::size(kOps)};

} // namespace harness

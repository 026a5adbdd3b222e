// SPDX-License-Identifier: MIT
//
// parallel_exec.cpp - see parallel_exec.h.
//
// Oracle (what output means broken): run_once() returns !ok when no order
// of the model explains what the threads observed (a linearizability
// violation: a lost callback, a status that went back, a reference that
// appeared from nowhere...), when the prefix itself disagrees with the
// model, or when teardown finds a leak or a refused unload: the real-thread
// runner's oracle (harness/parallel.h), which runs the ops through the
// harness's catalog and linearizer. A sanitizer report, a WARN
// (panic_on_warn) or an "access to unloaded module" trap aborts the process
// instead. What is left here is the generator's side: which ops a branch may
// run, and that each is legal in every interleaving.
#include "parallel_exec.h"

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <thread>
#include <tuple>

#include "harness/core_api.h"
#include "harness/interp.h"
#include "harness/parallel.h"

namespace props::par {

using harness::model;
using harness::op;
using harness::op_kind;

namespace {

std::atomic<bool> g_module_scan_races{false};

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

// Is every branch op legal (harness::op_legal) at its place in every
// interleaving of the branches? Ops apply whole (harness::model_apply): the
// legality of an op depends only on whole ops before it.
struct legality {
	const pcase &c;
	unsigned long nodes = 0;
	static constexpr unsigned long kNodeBudget = 2000000;
	bool exhausted = false;
	int bad_t = -1, bad_i = -1; // the first illegal op found

	bool dfs(const model &m, std::vector<size_t> &pos)
	{
		if (++nodes > kNodeBudget) {
			exhausted = true;
			return false;
		}
		for (size_t t = 0; t < c.branches.size(); t++) {
			if (pos[t] >= c.branches[t].size())
				continue;
			const op &o = c.branches[t][pos[t]];
			if (!harness::op_legal(m, o)) {
				bad_t = static_cast<int>(t);
				bad_i = static_cast<int>(pos[t]);
				return false;
			}
			model m2 = m;
			harness::model_apply(m2, o);
			pos[t]++;
			const bool ok = dfs(m2, pos);
			pos[t]--;
			if (!ok)
				return false;
		}
		return true;
	}
};

} // namespace

void allow_module_scan_races(bool on) { g_module_scan_races.store(on); }

harness::cprogram to_program(const pcase &c)
{
	harness::cprogram cp;
	cp.shared_slots = true;
	cp.setup = c.prefix;
	cp.threads = c.branches;
	// A concurrent program has at least two threads: a one-branch case gets
	// an empty second one.
	while (cp.threads.size() < 2)
		cp.threads.emplace_back();
	return cp;
}

std::string format_case(const pcase &c) { return harness::format_concurrent(to_program(c)); }

bool parse_case(const std::string &text, pcase *out, std::string *error)
{
	harness::cprogram cp;
	if (!harness::parse_concurrent(text, &cp, error))
		return false;
	if (!cp.shared_slots) {
		*error = "a parallel case is a concurrent program with a 'slots: shared' line";
		return false;
	}
	pcase c;
	c.prefix = cp.setup;
	c.branches = cp.threads;
	while (!c.branches.empty() && c.branches.back().empty())
		c.branches.pop_back();
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
	legality s{c};
	std::vector<size_t> pos(c.branches.size(), 0);
	const bool legal = s.dfs(pm, pos);
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
	harness::thread_run_options opt;
	opt.jitter_seed = jitter_seed;
	// Exhaustive for the small cases the properties make (<= 9 ops in <= 3
	// branches: at most 1680 interleavings, a few steps each).
	opt.budget = 2000000;
	const harness::thread_report r = harness::run_concurrent_threads(to_program(c), opt);
	if (r.ok && r.inconclusive)
		return {false, r.text, "linearizability search gave up after " + std::to_string(opt.budget) +
					       " model steps"};
	return {r.ok, r.text, r.symptom};
}

} // namespace props::par

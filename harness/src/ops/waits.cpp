// SPDX-License-Identifier: MIT
//
// ops/waits.cpp - the wait family: wait, wait_any, set_deadline. Time is
// virtual in the harness: a wait costs nothing, and one that could sleep
// forever is not legal (nobody would wake it).
#include "../catalog.h"

namespace harness {
namespace {

// A wait's remaining time depends on how much virtual time passed: in a
// concurrent run any positive value matches any other.
long norm_wait(long v) { return v > 0 ? 1 : v; }

// ---- wait f intr timeout ----------------------------------------------------------
// Single-threaded, an unbounded wait must be one that returns at once; in a
// thread, "max" is never legal (nobody may ever signal).
bool legal_wait(const model &m, const op &o)
{
	if (!fence0(m, o))
		return false;
	return o.a[2] != 255 || m.would_complete_now(fence_arg(m, o, 0), o.a[1]);
}
bool thread_wait(const world &w, const op &o) { return w.fence[o.a[0]] && o.a[2] != 255; }
// The wait contract: a positive result means signaled; a fence that was
// signaled before the wait never times out.
outcome core_wait(world &w, const op &o)
{
	struct dma_fence *f = w.fence[o.a[0]];
	const bool was = dma_fence_test_signaled_flag(f);
	const long ret = dma_fence_wait_timeout(f, o.a[1], jiffies_arg(o.a[2]));
	if (ret > 0 && !dma_fence_test_signaled_flag(f))
		contract_broken("wait: wait_timeout() = " + std::to_string(ret) + " on an unsignaled fence");
	else if (was && ret == 0)
		contract_broken("wait: wait_timeout() timed out on a signaled fence");
	return {ret, ""};
}
outcome model_wait(model &m, const op &o)
{
	int f = fence_arg(m, o, 0);
	long t = jiffies_arg(o.a[2]);
	m.enable(f);
	if (m.fences[f].signaled)
		return {t ? t : 1, ""};
	if (o.a[1] && m.sigpending)
		return {-ERESTARTSYS, ""};
	return {0, ""}; // timed out (virtual time passed)
}
// Two steps: enable signaling at the start, see the fence signaled (or not)
// at the end.
bool lin_wait(lin_ctx &c)
{
	if (c.first) {
		c.m.enable(c.m.fslot[c.r.o.a[0]]);
		return false;
	}
	*c.expected = model_wait(c.m, c.r.o);
	return true;
}
bool eq_wait(const op_record &r, const outcome &e, const model &)
{
	return norm_wait(r.out.value) == norm_wait(e.value) && r.out.text == e.text;
}

// ---- wait_any set intr timeout (empty slots in the set are left out) --------------
std::vector<int> fence_set(const model &m, uint64_t mask)
{
	std::vector<int> v;
	for (int i = 0; i < kFenceSlotSpace; i++)
		if ((mask & (1ull << i)) && m.fslot[i] >= 0)
			v.push_back(i);
	return v;
}
bool legal_wait_any(const model &m, const op &o)
{
	std::vector<int> slots = fence_set(m, o.a[0]);
	if (slots.empty())
		return false; // count 0 is a WARN (-EINVAL): misuse
	if (o.a[2] != 255 || (o.a[1] && m.sigpending))
		return true;
	for (int s : slots)
		if (m.would_complete_now(m.fslot[s], false))
			return true;
	return false;
}
bool thread_wait_any(const world &w, const op &o)
{
	if (o.a[2] == 255)
		return false;
	for (int i = 0; i < kFenceSlotSpace; i++)
		if ((o.a[0] & (1ull << i)) && w.fence[i])
			return true;
	return false;
}
outcome core_wait_any(world &w, const op &o)
{
	struct dma_fence *fences[kFenceSlotSpace];
	u32 n = 0, idx = 0xdead;
	for (int i = 0; i < kFenceSlotSpace; i++)
		if ((o.a[0] & (1ull << i)) && w.fence[i])
			fences[n++] = w.fence[i];
	long ret = dma_fence_wait_any_timeout(fences, n, o.a[1], jiffies_arg(o.a[2]), &idx);
	if (ret > 0 && (idx >= n || !dma_fence_test_signaled_flag(fences[idx])))
		contract_broken("wait: wait_any_timeout() = " + std::to_string(ret) + " with index " +
				std::to_string(idx) + " of " + std::to_string(n) + ", not a signaled fence");
	return {ret, ret > 0 ? "idx " + std::to_string(idx) : ""};
}
outcome model_wait_any(model &m, const op &o)
{
	std::vector<int> slots = fence_set(m, o.a[0]);
	long t = jiffies_arg(o.a[2]);
	if (t == 0) {
		for (size_t i = 0; i < slots.size(); i++)
			if (m.poll(m.fslot[slots[i]]))
				return {1, "idx " + std::to_string(i)};
		return {0, ""};
	}
	if (!m.alloc())
		return {-ENOMEM, ""};
	for (size_t i = 0; i < slots.size(); i++) {
		int f = m.fslot[slots[i]];
		// add_callback of an internal waiter: enables; -ENOENT if signaled.
		if (m.fences[f].signaled)
			return {t, "idx " + std::to_string(i)};
		m.enable(f);
		if (m.fences[f].signaled)
			return {t, "idx " + std::to_string(i)};
	}
	if (o.a[1] && m.sigpending)
		return {-ERESTARTSYS, ""};
	return {0, ""};
}
// Per fence, in set order, two steps. Timeout 0 polls with
// dma_fence_is_signaled() (the flag, then ->signaled) and stops at the first
// that says yes. Otherwise add_callback() on each (a lockless "signaled?"
// check, then enable under the lock) until one is signaled, then the wait.
bool lin_wait_any(lin_ctx &c)
{
	model &m = c.m;
	lin_progress &pg = c.pg;
	const op &o = c.r.o;
	const bool poll = o.a[2] == 0;
	if (c.first) {
		pg.local.clear();
		pg.pos = 0;
		pg.n = -1; // the index found signaled, -1 none yet
		if (poll || !c.r.fail)
			for (int i = 0; i < kFenceSlotSpace; i++)
				if ((o.a[0] & (1ull << i)) && m.fslot[i] >= 0)
					pg.local.push_back(m.fslot[i]);
		return false;
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
			if (x.signaled ? model_signaled_cb(m, f) : m.poll(f))
				pg.n = static_cast<int>(k);
		} else {
			m.enable(f);
			if (x.signaled)
				pg.n = static_cast<int>(k);
		}
		// Timeout 0 completes here once it has an answer.
		if (!(poll && (pg.n >= 0 || pg.pos == 2 * pg.local.size())))
			return false;
	}
	if (poll) {
		c.expected->value = pg.n >= 0;
		if (pg.n >= 0)
			c.expected->text = "idx " + std::to_string(pg.n);
	} else {
		m.fail_alloc = c.r.fail;
		*c.expected = model_wait_any(m, o);
	}
	return true;
}
// After sleeping: "the index of a signaled fence" (the kernel's contract),
// not necessarily the first in the list: by the time it looks, fences before
// the one that woke it may be signaled.
bool eq_wait_any(const op_record &r, const outcome &e, const model &m)
{
	if (norm_wait(r.out.value) == norm_wait(e.value) && r.out.text == e.text)
		return true;
	if (r.o.a[2] == 0 || r.out.value <= 0 || e.value <= 0 || r.out.text.rfind("idx ", 0) != 0)
		return false;
	long idx = atol(r.out.text.c_str() + 4);
	for (int i = 0; i < kFenceSlotSpace; i++)
		if ((r.o.a[0] & (1ull << i)) && m.fslot[i] >= 0 && idx-- == 0)
			return m.fences[m.fslot[i]].signaled;
	return false;
}

// ---- set_deadline f ns ------------------------------------------------------------
outcome core_set_deadline(world &w, const op &o)
{
	dma_fence_set_deadline(w.fence[o.a[0]], static_cast<ktime_t>(o.a[1]));
	return {0, ""};
}
outcome model_set_deadline(model &m, const op &o)
{
	int f = fence_arg(m, o, 0);
	mfence &x = m.fences[f];
	if (x.attached && x.mod >= 0 && m.modules[x.mod].has_set_deadline() && !m.poll(f)) {
		auto d = static_cast<int64_t>(o.a[1]);
		if (x.deadline == 0 || d < x.deadline)
			x.deadline = d;
	}
	return {0, ""};
}

const op_desc kOps[] = {
	{.kind = op_kind::wait,
	 .help = "dma_fence_wait_timeout",
	 .args = {arg_type::fence, arg_type::intr, arg_type::timeout},
	 .legal = legal_wait,
	 .thread_legal = thread_wait,
	 .core = core_wait,
	 .model_fn = model_wait,
	 .lin_step = lin_wait,
	 .lin_equal = eq_wait},
	{.kind = op_kind::wait_any,
	 .help = "dma_fence_wait_any_timeout",
	 .args = {arg_type::fset, arg_type::intr, arg_type::timeout},
	 .legal = legal_wait_any,
	 .thread_legal = thread_wait_any,
	 .core = core_wait_any,
	 .model_fn = model_wait_any,
	 .lin_step = lin_wait_any,
	 .lin_equal = eq_wait_any},
	{.kind = op_kind::set_deadline,
	 .help = "dma_fence_set_deadline",
	 .args = {arg_type::fence, arg_type::u64},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_set_deadline,
	 .model_fn = model_set_deadline},
};

} // namespace

const op_family family_waits = {"waits", kOps, std::size(kOps)};

} // namespace harness

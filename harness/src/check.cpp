// SPDX-License-Identifier: MIT
//
// check.cpp - see check.h.
#include "check.h"

#include <algorithm>

#include "catalog.h"
#include "harness/core_api.h"

namespace harness {

namespace {

// Hot path: strings are only built on a mismatch.
bool compare_fence(const world &w, const model &m, struct dma_fence *p, int f, const char *holder,
		   int index, mismatch *out)
{
	auto fail = [&](const char *what, std::string e, std::string a) {
		out->field = std::string(holder) + std::to_string(index) + ": " + what;
		out->expected = std::move(e);
		out->actual = std::move(a);
		return false;
	};
	if ((p == nullptr) != (f < 0))
		return fail("holds a fence", f < 0 ? "empty" : "a fence", p ? "a fence" : "empty");
	if (!p)
		return true;
	const mfence &x = m.fences[f];
	const unsigned long flags = std::atomic_ref<unsigned long>(p->flags).load();
	auto flag = [&](int bit) { return static_cast<long>((flags >> bit) & 1); };
	bool ok = true;
	auto cmp = [&](const char *what, long e, long a) {
		if (unlikely(e != a) && ok)
			ok = fail(what, std::to_string(e), std::to_string(a));
	};
	cmp("signaled flag", x.signaled, flag(DMA_FENCE_FLAG_SIGNALED_BIT));
	cmp("timestamp flag", x.signaled, flag(DMA_FENCE_FLAG_TIMESTAMP_BIT));
	cmp("enable-signal flag", x.enabled, flag(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT));
#ifdef FENCE_CORE_HAS_SEQNO64_FLAG
	cmp("seqno64", x.seq64, core_fence_seqno64(p));
#endif
#ifdef FENCE_CORE_HAS_INLINE_LOCK
	cmp("inline-lock flag", !x.ext, flag(DMA_FENCE_FLAG_INLINE_LOCK_BIT));
#endif
	cmp("initialized", 1, dma_fence_was_initialized(p));
	cmp("error", x.error, std::atomic_ref<int>(p->error).load());
	cmp("ops attached", x.attached, static_cast<bool>(rcu_access_pointer(p->ops)));
	if (!ok)
		return false;
	if (x.context != p->context || x.seqno != p->seqno)
		return fail("context:seqno", std::to_string(x.context) + ":" + std::to_string(x.seqno),
			    std::to_string(p->context) + ":" + std::to_string(p->seqno));
	if (!x.global_stub)
		cmp("refcount", x.refs, kref_read(&p->refcount));
	if (ok && x.signaled && x.ts_known && x.ts != p->timestamp)
		return fail("timestamp", std::to_string(x.ts), std::to_string(p->timestamp));
	if (ok && x.mod >= 0 && m.modules[x.mod].kind == MK_DEADLINE)
		cmp("deadline seen by ->set_deadline", x.deadline, fence_module_fence_deadline(p));
	return ok;
}

bool compare_module(const world &w, const model &m, int s, mismatch *out)
{
	if ((w.mod[s] == nullptr) != (m.mslot[s] < 0)) {
		*out = {"module slot m" + std::to_string(s) + " loaded", std::to_string(m.mslot[s] >= 0),
			std::to_string(w.mod[s] != nullptr)};
		return false;
	}
	if (!w.mod[s])
		return true;
	const mmodule &mm = m.modules[m.mslot[s]];
	auto cmp = [&](const char *what, long e, long a) {
		if (likely(e == a))
			return true;
		*out = {"module m" + std::to_string(s) + " (" + mm.name + "): " + what, std::to_string(e),
			std::to_string(a)};
		return false;
	};
	return cmp("fences pending", static_cast<long>(mm.pending.size()), fence_module_pending(w.mod[s])) &&
	       cmp("live pinned fences", mm.live_pinned, fence_module_live_pinned(w.mod[s])) &&
	       cmp("hardware seqno", static_cast<long>(mm.hw),
		   static_cast<long>(fence_module_hw_seqno(w.mod[s])));
}

template <typename T> bool has(const std::vector<T> &v, T x)
{
	return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

void checker::note(const model &m, const op &o)
{
	const op_desc &d = desc(o.kind);
	const op_info &in = info(o.kind);
	auto id = [&](int f) {
		if (f >= 0 && !has(ids_, f))
			ids_.push_back(f);
	};
	auto mod = [&](int mi) {
		if (mi >= 0 && !has(mods_, mi))
			mods_.push_back(mi);
	};
	for (int i = 0; i < in.nargs; i++) {
		const uint64_t a = o.a[i];
		switch (in.args[i]) {
		case arg_type::fence:
			fslots_ |= 1ull << a;
			id(m.fslot[a]);
			break;
		case arg_type::cb:
			cslots_ |= 1ull << a;
			id(m.cb_fence[a]);
			break;
		case arg_type::rslot:
			rslots_ |= 1u << a;
			id(m.rslot[a]);
			break;
		case arg_type::fset:
			for (int s = 0; s < kFenceSlotSpace; s++)
				if (a & (1ull << s))
					id(m.fslot[s]);
			break;
		case arg_type::module:
			mslots_ |= 1u << a;
			if (d.touches == scope::module && m.mslot[a] >= 0) {
				mod(m.mslot[a]);
				for (size_t f = 0; f < m.fences.size(); f++)
					if (m.fences[f].mod == m.mslot[a] && !m.fences[f].dead)
						id(static_cast<int>(f));
			}
			break;
		default: break;
		}
	}
	for (int f : ids_)
		mod(m.fences[f].mod);
}

void checker::before(const model &m, const op &o)
{
	ids_.clear();
	mods_.clear();
	fslots_ = cslots_ = 0;
	rslots_ = mslots_ = 0;
	note(m, o);
}

bool checker::after(const world &w, const model &m, const op &o, bool full, mismatch *out)
{
	const scope sc = desc(o.kind).touches;
	if (full || sc == scope::all)
		return all(w, m, out);
	if (sc == scope::none)
		return true;
	note(m, o);
	for (int s = 0; s < kFenceSlotSpace; s++)
		if (((fslots_ >> s) & 1) || (m.fslot[s] >= 0 && has(ids_, m.fslot[s])))
			if (!compare_fence(w, m, w.fence[s], m.fslot[s], "fence slot f", s, out))
				return false;
	for (int c = 0; c < kCbSlotSpace; c++)
		if (((cslots_ >> c) & 1) || (m.cb_fence[c] >= 0 && has(ids_, m.cb_fence[c])))
			if (!compare_fence(w, m, w.cbs[c].held, m.cb_fence[c], "fence of callback c", c, out))
				return false;
	for (int r = 0; r < kRcuSlots; r++)
		if (((rslots_ >> r) & 1) || (m.rslot[r] >= 0 && has(ids_, m.rslot[r])))
			if (!compare_fence(w, m, w.rslot_fence(r), m.rslot[r], "RCU slot s", r, out))
				return false;
	for (int s = 0; s < kModuleSlots; s++)
		if (((mslots_ >> s) & 1) || (m.mslot[s] >= 0 && has(mods_, m.mslot[s])))
			if (!compare_module(w, m, s, out))
				return false;
	return true;
}

// Which holders share a fence must agree: two slots hold the same core fence
// iff they hold the same model fence. Fences that look alike (private stubs
// are all 0:0, same flags, same refcount) could otherwise swap places between
// the core and the model unnoticed, as a linearization that handed each of
// two get_rcu_safe readers the other's stub did.
bool same_sharing(const world &w, const model &m, mismatch *out)
{
	// Names are built only for a mismatch: this runs in every full check.
	struct holder {
		const struct dma_fence *p;
		int f;
		char kind; // 'f' fence slot, 'c' callback, 's' RCU slot
		int index;
	};
	auto name = [](const holder &x) {
		return (x.kind == 'f' ? std::string("fence slot f")
		       : x.kind == 'c' ? std::string("the fence of callback c")
				       : std::string("RCU slot s")) + std::to_string(x.index);
	};
	holder h[kFenceSlotSpace + kCbSlotSpace + kRcuSlots];
	size_t n = 0;
	for (int s = 0; s < kFenceSlotSpace; s++)
		if (w.fence[s] && m.fslot[s] >= 0)
			h[n++] = {w.fence[s], m.fslot[s], 'f', s};
	for (int c = 0; c < kCbSlotSpace; c++)
		if (w.cbs[c].held && m.cb_fence[c] >= 0)
			h[n++] = {w.cbs[c].held, m.cb_fence[c], 'c', c};
	for (int r = 0; r < kRcuSlots; r++)
		if (w.rslot_fence(r) && m.rslot[r] >= 0)
			h[n++] = {w.rslot_fence(r), m.rslot[r], 's', r};
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if ((h[i].p == h[j].p) != (h[i].f == h[j].f)) {
				out->field = name(h[i]) + " and " + name(h[j]) + ": the same fence";
				out->expected = h[i].f == h[j].f ? "yes" : "no";
				out->actual = h[i].p == h[j].p ? "yes" : "no";
				return false;
			}
	return true;
}

bool checker::all(const world &w, const model &m, mismatch *out)
{
	for (int s = 0; s < kFenceSlotSpace; s++)
		if (!compare_fence(w, m, w.fence[s], m.fslot[s], "fence slot f", s, out))
			return false;
	for (int c = 0; c < kCbSlotSpace; c++)
		if (!compare_fence(w, m, w.cbs[c].held, m.cb_fence[c], "fence of callback c", c, out))
			return false;
	for (int r = 0; r < kRcuSlots; r++)
		if (!compare_fence(w, m, w.rslot_fence(r), m.rslot[r], "RCU slot s", r, out))
			return false;
	for (int s = 0; s < kModuleSlots; s++)
		if (!compare_module(w, m, s, out))
			return false;
	return same_sharing(w, m, out);
}

} // namespace harness

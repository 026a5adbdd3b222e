// SPDX-License-Identifier: MIT
//
// ops/refs.cpp - the reference family: stub, private_stub, get, put. A fence
// slot holds one reference; putting a new fence into a slot drops the old
// reference after taking the new one.
#include "../catalog.h"

namespace harness {
namespace {

// ---- stub f -----------------------------------------------------------------------
outcome core_stub(world &w, const op &o)
{
	w.set_fence(static_cast<int>(o.a[0]), dma_fence_get_stub());
	return {0, ""};
}
outcome model_stub(model &m, const op &o)
{
	int f = -1;
	for (size_t i = 0; i < m.fences.size(); i++)
		if (m.fences[i].global_stub)
			f = static_cast<int>(i);
	if (f < 0) {
		f = m.new_fence(-1, false, false, false, 0, 0);
		mfence &x = m.fences[f];
		x.global_stub = true;
		x.signaled = x.enabled = true;
		x.attached = !semantics().detach_on_signal;
		x.ts_known = false;
	}
	model_set_fence(m, static_cast<int>(o.a[0]), f);
	return {0, ""};
}
// The global stub was signaled at its first use in this process: the model
// learns that timestamp once.
uint64_t observe_stub(const world &w, const op &o, const outcome &)
{
	return static_cast<uint64_t>(w.fence[o.a[0]]->timestamp);
}
std::string learn_stub(model &m, const op &o, uint64_t ts)
{
	mfence &x = m.fences[m.fslot[o.a[0]]];
	if (!x.ts_known && ts) {
		x.ts = static_cast<int64_t>(ts);
		x.ts_known = true;
	}
	return "";
}

// ---- private_stub f ts ------------------------------------------------------------
outcome core_private_stub(world &w, const op &o)
{
	struct dma_fence *f = dma_fence_allocate_private_stub(static_cast<ktime_t>(o.a[1]));
	w.set_fence(static_cast<int>(o.a[0]), f);
	return {f != nullptr, ""};
}
outcome model_private_stub(model &m, const op &o)
{
	if (!m.alloc()) {
		model_set_fence(m, static_cast<int>(o.a[0]), -1);
		return {0, ""};
	}
	int f = m.new_fence(-1, false, false, false, 0, 0);
	m.fences[f].enabled = true;
	m.signal(f, true, static_cast<int64_t>(o.a[1]));
	model_set_fence(m, static_cast<int>(o.a[0]), f);
	return {1, ""};
}

// ---- get dst src ------------------------------------------------------------------
bool legal_get(const model &m, const op &o) { return has_fence(m, o, 1); }
bool thread_get(const world &w, const op &o) { return w.fence[o.a[1]] != nullptr; }
outcome core_get(world &w, const op &o)
{
	w.set_fence(static_cast<int>(o.a[0]), dma_fence_get(w.fence[o.a[1]]));
	return {0, ""};
}
outcome model_get(model &m, const op &o)
{
	int f = fence_arg(m, o, 1);
	m.get(f);
	model_set_fence(m, static_cast<int>(o.a[0]), f);
	return {0, ""};
}

// ---- put f ------------------------------------------------------------------------
outcome core_put(world &w, const op &o)
{
	w.set_fence(static_cast<int>(o.a[0]), nullptr);
	return {0, ""};
}
outcome model_put(model &m, const op &o)
{
	model_set_fence(m, static_cast<int>(o.a[0]), -1);
	return {0, ""};
}

const op_desc kOps[] = {
	{.kind = op_kind::stub,
	 .help = "dma_fence_get_stub",
	 .args = {arg_type::fence},
	 .legal = always,
	 .thread_legal = always_t,
	 .core = core_stub,
	 .model_fn = model_stub,
	 .observe = observe_stub,
	 .learn = learn_stub,
	 .writes_fence_slot = true},
	{.kind = op_kind::private_stub,
	 .help = "dma_fence_allocate_private_stub(ts)",
	 .args = {arg_type::fence, arg_type::u64},
	 .legal = always,
	 .thread_legal = always_t,
	 .core = core_private_stub,
	 .model_fn = model_private_stub,
	 .writes_fence_slot = true},
	{.kind = op_kind::get,
	 .help = "dst = dma_fence_get(src)",
	 .args = {arg_type::fence, arg_type::fence},
	 .legal = legal_get,
	 .thread_legal = thread_get,
	 .core = core_get,
	 .model_fn = model_get,
	 .writes_fence_slot = true},
	{.kind = op_kind::put,
	 .help = "dma_fence_put, slot emptied",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_put,
	 .model_fn = model_put},
};

} // namespace

const op_family family_refs = {"refs", kOps, std::size(kOps)};

} // namespace harness

// SPDX-License-Identifier: MIT
//
// ops/rcu.cpp - the RCU family: shared RCU slots (publish, clear,
// get_rcu_safe, the pattern dma_resv and sync_file use) and grace periods
// (sync_rcu, rcu_barrier).
#include "../catalog.h"

namespace harness {
namespace {

// Replace RCU slot @r's fence (the update side, world.h).
struct dma_fence *replace_rslot(world &w, int r, struct dma_fence *f) { return w.replace_rslot(r, f); }

// ---- publish s f ------------------------------------------------------------------
bool legal_publish(const model &m, const op &o) { return has_fence(m, o, 1); }
bool thread_publish(const world &w, const op &o) { return w.fence[o.a[1]] != nullptr; }
outcome core_publish(world &w, const op &o)
{
	dma_fence_put(replace_rslot(w, static_cast<int>(o.a[0]), dma_fence_get(w.fence[o.a[1]])));
	return {0, ""};
}
outcome model_publish(model &m, const op &o)
{
	int f = fence_arg(m, o, 1);
	m.get(f);
	int old = m.rslot[o.a[0]];
	m.rslot[o.a[0]] = f;
	if (old >= 0)
		m.put(old);
	return {0, ""};
}

// ---- clear s ----------------------------------------------------------------------
outcome core_clear(world &w, const op &o)
{
	dma_fence_put(replace_rslot(w, static_cast<int>(o.a[0]), nullptr));
	return {0, ""};
}
outcome model_clear(model &m, const op &o)
{
	int old = m.rslot[o.a[0]];
	m.rslot[o.a[0]] = -1;
	if (old >= 0)
		m.put(old);
	return {0, ""};
}

// ---- get_rcu_safe f s -------------------------------------------------------------
// The contract of dma_fence_get_rcu_safe(): the fence it returns was in the
// slot while it looked (the value before write @g1, or one written since),
// never a freed fence recycled for another one meanwhile. Unknown once more
// writes went by than the history keeps.
void check_rcu_safe(world &w, int s, uint64_t g1, const struct dma_fence *f)
{
	std::unique_lock<std::mutex> g(w.rslot_lock[s], std::defer_lock);
	if (w.real_threads)
		g.lock(); // no write overwrites the history while we look
	const rslot_history &h = w.rhist[s];
	const uint64_t g2 = h.gen.load(std::memory_order_acquire);
	if (g2 - g1 + 2 > rslot_history::kLen)
		return;
	for (const auto &e : h.last)
		if (e.gen + 1 >= g1 && e.gen <= g2 && e.fence == f && e.context == f->context &&
		    e.seqno == f->seqno)
			return;
	contract_broken("fence: get_rcu_safe(s" + std::to_string(s) + ") returned fence " +
			std::to_string(f->context) + ":" + std::to_string(f->seqno) +
			", which was not in the slot while it looked (writes " + std::to_string(g1) +
			".." + std::to_string(g2) + ")");
}
outcome core_get_rcu_safe(world &w, const op &o)
{
	const int s = static_cast<int>(o.a[1]);
	const uint64_t g1 = w.rhist[s].gen.load(std::memory_order_acquire);
	rcu_read_lock();
	struct dma_fence *f = dma_fence_get_rcu_safe(&w.rslot[s]);
	rcu_read_unlock();
	if (f)
		check_rcu_safe(w, s, g1, f);
	w.set_fence(static_cast<int>(o.a[0]), f);
	return {f != nullptr, ""};
}
outcome model_get_rcu_safe(model &m, const op &o)
{
	int f = m.rslot[o.a[1]];
	if (f >= 0)
		m.get(f);
	model_set_fence(m, static_cast<int>(o.a[0]), f);
	return {f >= 0, ""};
}

// ---- sync_rcu / rcu_barrier -------------------------------------------------------
outcome core_sync_rcu(world &, const op &)
{
	synchronize_rcu();
	return {0, ""};
}
outcome core_rcu_barrier(world &, const op &)
{
	rcu_barrier();
	return {0, ""};
}
outcome model_nothing(model &, const op &) { return {0, ""}; }

const op_desc kOps[] = {
	{.kind = op_kind::publish,
	 .help = "replace an RCU slot's fence with a new reference",
	 .args = {arg_type::rslot, arg_type::fence},
	 .legal = legal_publish,
	 .thread_legal = thread_publish,
	 .core = core_publish,
	 .model_fn = model_publish},
	{.kind = op_kind::clear,
	 .help = "empty an RCU slot",
	 .args = {arg_type::rslot},
	 .legal = always,
	 .thread_legal = always_t,
	 .core = core_clear,
	 .model_fn = model_clear},
	{.kind = op_kind::get_rcu_safe,
	 .help = "dst = dma_fence_get_rcu_safe(slot)",
	 .args = {arg_type::fence, arg_type::rslot},
	 .legal = always,
	 .thread_legal = always_t,
	 .core = core_get_rcu_safe,
	 .model_fn = model_get_rcu_safe,
	 .writes_fence_slot = true},
	{.kind = op_kind::sync_rcu,
	 .help = "synchronize_rcu",
	 .legal = always,
	 .thread_legal = always_t,
	 .core = core_sync_rcu,
	 .model_fn = model_nothing,
	 .touches = scope::all},
	{.kind = op_kind::rcu_barrier,
	 .help = "rcu_barrier: run deferred frees",
	 .legal = always,
	 .thread_legal = always_t,
	 .core = core_rcu_barrier,
	 .model_fn = model_nothing,
	 .touches = scope::all},
};

} // namespace

const op_family family_rcu = {"rcu", kOps, std::size(kOps)};

} // namespace harness

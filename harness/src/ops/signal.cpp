// SPDX-License-Identifier: MIT
//
// ops/signal.cpp - the signal family: the four ways to signal, set_error, and
// the state queries (is_signaled, test_flag, status, status_locked,
// timestamp, is_later, later).
#include "../catalog.h"

namespace harness {
namespace {

// ---- contracts (catalog.h post()): what holds under any interleaving ----------------
bool signaled_now(const world &w, const op &o)
{
	return dma_fence_test_signaled_flag(w.fence[o.a[0]]);
}
// Every way to signal leaves the fence signaled (SIGNALED never goes back).
std::string post_signaled(const world &w, const op &o, const outcome &)
{
	return signaled_now(w, o) ? "" : "status: a fence is unsignaled after a signal";
}
// A status is 0 (unsignaled), 1 or an error (signaled): never non-zero on a
// fence whose SIGNALED bit is clear.
std::string post_status(const world &w, const op &o, const outcome &r)
{
	if (r.value > 1)
		return "status: get_status() = " + std::to_string(r.value);
	if (r.value != 0 && !signaled_now(w, o))
		return "status: get_status() = " + std::to_string(r.value) + " but SIGNALED is clear";
	return "";
}
std::string post_is_signaled(const world &w, const op &o, const outcome &r)
{
	return r.value && !signaled_now(w, o) ? "status: is_signaled() true but SIGNALED clear" : "";
}

// ---- signal f / signal_ts f ts / signal_locked f / check_and_signal f -------------
outcome core_signal(world &w, const op &o)
{
	dma_fence_signal(w.fence[o.a[0]]);
	return {0, ""};
}
outcome model_signal(model &m, const op &o)
{
	m.signal(fence_arg(m, o, 0), false, 0);
	return {0, ""};
}
outcome core_signal_ts(world &w, const op &o)
{
	dma_fence_signal_timestamp(w.fence[o.a[0]], static_cast<ktime_t>(o.a[1]));
	return {0, ""};
}
outcome model_signal_ts(model &m, const op &o)
{
	m.signal(fence_arg(m, o, 0), true, static_cast<int64_t>(o.a[1]));
	return {0, ""};
}
outcome core_signal_locked(world &w, const op &o)
{
	struct dma_fence *f = w.fence[o.a[0]];
	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	dma_fence_signal_locked(f);
	dma_fence_unlock_irqrestore(f, flags);
	return {0, ""};
}
outcome core_check_and_signal(world &w, const op &o)
{
#ifdef FENCE_CORE_HAS_CHECK_AND_SIGNAL
	return {dma_fence_check_and_signal(w.fence[o.a[0]]), ""};
#else
	// Not in this core's opcode tables, and parse() refuses it (semantics()).
	(void)w;
	(void)o;
	fence_die("check_and_signal: %s", semantics().why_missing[static_cast<int>(op_kind::check_and_signal)]);
#endif
}
outcome model_check_and_signal(model &m, const op &o)
{
	int f = fence_arg(m, o, 0);
	bool was = m.fences[f].signaled;
	m.signal(f, false, 0);
	return {was, ""};
}

// ---- set_error f err: only before signaling (contract), err in range by encoding.
// Never inside a thread: it must precede the signal it would race.
bool legal_set_error(const model &m, const op &o)
{
	return fence0(m, o) && !m.fences[fence_arg(m, o, 0)].signaled;
}
outcome core_set_error(world &w, const op &o)
{
	dma_fence_set_error(w.fence[o.a[0]], -static_cast<int>(o.a[1]));
	return {0, ""};
}
outcome model_set_error(model &m, const op &o)
{
	m.fences[fence_arg(m, o, 0)].error = -static_cast<int>(o.a[1]);
	return {0, ""};
}

// ---- is_signaled f / test_flag f / status f / status_locked f ---------------------
outcome core_is_signaled(world &w, const op &o) { return {dma_fence_is_signaled(w.fence[o.a[0]]), ""}; }
outcome model_is_signaled(model &m, const op &o) { return {m.poll(fence_arg(m, o, 0)), ""}; }
bool lin_is_signaled(lin_ctx &c)
{
	switch (lin_is_signaled_steps(c, c.m.fslot[c.r.o.a[0]], model_is_signaled)) {
	case 0: return false;
	case 2: c.expected->value = 0; return true;
	default: return true;
	}
}
outcome core_test_flag(world &w, const op &o)
{
	return {dma_fence_test_signaled_flag(w.fence[o.a[0]]), ""};
}
outcome model_test_flag(model &m, const op &o) { return {m.fences[fence_arg(m, o, 0)].signaled, ""}; }
outcome core_status(world &w, const op &o) { return {dma_fence_get_status(w.fence[o.a[0]]), ""}; }
outcome model_status(model &m, const op &o)
{
	int f = fence_arg(m, o, 0);
	if (!m.poll(f))
		return {0, ""};
	return {m.fences[f].error ? m.fences[f].error : 1, ""};
}
outcome core_status_locked(world &w, const op &o)
{
	struct dma_fence *f = w.fence[o.a[0]];
	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	int ret = dma_fence_get_status_locked(f);
	dma_fence_unlock_irqrestore(f, flags);
	return {ret, ""};
}

// ---- timestamp f (signaled only: an unsignaled fence WARNs) -----------------------
bool legal_timestamp(const model &m, const op &o)
{
	return fence0(m, o) && m.fences[fence_arg(m, o, 0)].signaled;
}
bool thread_timestamp(const world &w, const op &o)
{
	return w.fence[o.a[0]] && test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &w.fence[o.a[0]]->flags);
}
outcome core_timestamp(world &w, const op &o) { return {dma_fence_timestamp(w.fence[o.a[0]]), ""}; }
outcome model_timestamp(model &m, const op &o) { return {m.fences[fence_arg(m, o, 0)].ts, ""}; }
// In a concurrent run a ktime_get() timestamp is learned when first read back.
bool lin_timestamp(lin_ctx &c)
{
	mfence &x = c.m.fences[c.m.fslot[c.r.o.a[0]]];
	if (!x.ts_known) {
		x.ts = c.r.out.value;
		x.ts_known = true;
	}
	*c.expected = model_timestamp(c.m, c.r.o);
	return true;
}

// ---- is_later f1 f2 / later f1 f2 (same context only: a mismatch WARNs) -----------
bool same_context(const model &m, const op &o)
{
	return has_fence(m, o, 0) && has_fence(m, o, 1) &&
	       m.fences[fence_arg(m, o, 0)].context == m.fences[fence_arg(m, o, 1)].context;
}
bool thread_same_context(const world &w, const op &o)
{
	struct dma_fence *a = w.fence[o.a[0]], *b = w.fence[o.a[1]];
	return a && b && a->context == b->context;
}
outcome core_is_later(world &w, const op &o)
{
	return {dma_fence_is_later(w.fence[o.a[0]], w.fence[o.a[1]]), ""};
}
outcome model_is_later_op(model &m, const op &o)
{
	return {model_is_later(m, fence_arg(m, o, 0), fence_arg(m, o, 1)), ""};
}
outcome core_later(world &w, const op &o)
{
	struct dma_fence *r = dma_fence_later(w.fence[o.a[0]], w.fence[o.a[1]]);
	return {r == nullptr ? 0 : r == w.fence[o.a[0]] ? 1 : 2, ""};
}
outcome model_later(model &m, const op &o)
{
	int f1 = fence_arg(m, o, 0), f2 = fence_arg(m, o, 1);
	if (model_is_later(m, f1, f2))
		return {m.poll(f1) ? 0 : 1, ""};
	// Slot 1 and slot 2 may hold the same fence: report "the first slot" then.
	return {m.poll(f2) ? 0 : (f1 == f2 ? 1 : 2), ""};
}
// dma_fence_later() asks dma_fence_is_signaled() of the later fence.
bool lin_later(lin_ctx &c)
{
	const op &o = c.r.o;
	const int f1 = c.m.fslot[o.a[0]], f2 = c.m.fslot[o.a[1]];
	const int f = model_is_later(c.m, f1, f2) ? f1 : f2;
	switch (lin_is_signaled_steps(c, f, model_later)) {
	case 0: return false;
	case 2: c.expected->value = f == f1 ? 1 : (f1 == f2 ? 1 : 2); return true;
	default: return true;
	}
}

const op_desc kOps[] = {
	{.kind = op_kind::signal,
	 .help = "dma_fence_signal",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_signal,
	 .post = post_signaled,
	 .model_fn = model_signal},
	{.kind = op_kind::signal_ts,
	 .help = "dma_fence_signal_timestamp",
	 .args = {arg_type::fence, arg_type::u64},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_signal_ts,
	 .post = post_signaled,
	 .model_fn = model_signal_ts},
	{.kind = op_kind::signal_locked,
	 .help = "lock; dma_fence_signal_locked; unlock",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_signal_locked,
	 .post = post_signaled,
	 .model_fn = model_signal},
	{.kind = op_kind::check_and_signal,
	 .help = "dma_fence_check_and_signal",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_check_and_signal,
	 .post = post_signaled,
	 .model_fn = model_check_and_signal},
	{.kind = op_kind::set_error,
	 .help = "dma_fence_set_error (unsignaled only)",
	 .args = {arg_type::fence, arg_type::err},
	 .legal = legal_set_error,
	 .thread_legal = nullptr,
	 .core = core_set_error,
	 .model_fn = model_set_error,
	 .state_need = need_unsignaled},
	{.kind = op_kind::is_signaled,
	 .help = "dma_fence_is_signaled",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_is_signaled,
	 .post = post_is_signaled,
	 .model_fn = model_is_signaled,
	 .lin_step = lin_is_signaled},
	{.kind = op_kind::test_flag,
	 .help = "dma_fence_test_signaled_flag",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_test_flag,
	 .model_fn = model_test_flag},
	{.kind = op_kind::status,
	 .help = "dma_fence_get_status",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_status,
	 .post = post_status,
	 .model_fn = model_status},
	{.kind = op_kind::status_locked,
	 .help = "lock; dma_fence_get_status_locked; unlock",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_status_locked,
	 .post = post_status,
	 .model_fn = model_status},
	{.kind = op_kind::timestamp,
	 .help = "dma_fence_timestamp (signaled only)",
	 .args = {arg_type::fence},
	 .legal = legal_timestamp,
	 .thread_legal = thread_timestamp,
	 .core = core_timestamp,
	 .model_fn = model_timestamp,
	 .lin_step = lin_timestamp,
	 .state_need = need_signaled},
	{.kind = op_kind::is_later,
	 .help = "dma_fence_is_later (same context only)",
	 .args = {arg_type::fence, arg_type::fence},
	 .legal = same_context,
	 .thread_legal = thread_same_context,
	 .core = core_is_later,
	 .model_fn = model_is_later_op,
	 .same_context = true},
	{.kind = op_kind::later,
	 .help = "dma_fence_later (same context only)",
	 .args = {arg_type::fence, arg_type::fence},
	 .legal = same_context,
	 .thread_legal = thread_same_context,
	 .core = core_later,
	 .model_fn = model_later,
	 .lin_step = lin_later,
	 .same_context = true},
};

} // namespace

const op_family family_signal = {"signal", kOps, std::size(kOps)};

} // namespace harness

// SPDX-License-Identifier: MIT
//
// ops/misuse.cpp - the misuse family: each op commits one driver mistake
// that the core defends against with a WARN (a WARN_ON()/WARN() site of
// core/src/dma-fence.cpp or the inline functions of fence/dma-fence.h, and
// the same sites of a kernel tree), inside a quiet fence::expect_warn scope
// (run_core(), catalog.cpp). The model predicts the number of WARNs with the
// rest of the outcome (outcome::warns) and what the core does next: returns
// -EINVAL, leaves the fence unchanged, stores the error anyway, or signals
// the pending callbacks with -EDEADLK. A core whose defence is removed or
// weakened diverges on the WARN count or on the state it leaves.
//
// The sites, and the BUG_ON()/debug-assertion sites no op can survive, are
// listed with their ops and reasons in core/warn-sites.tsv; the ctest
// warn-sites.* checks that list against the source and against the WARNs
// the seed corpora reach (`fence-prog warn-sites`).
//
// Misuse ops run in the setup of concurrent programs. Inside a thread only
// timestamp_race does: its WARN is decided at one atomic step (the SIGNALED
// test), so the misuse is a race of its own that the linearizer judges. The
// others stay out of threads (thread_legal null): set_error's WARN test and
// its store are two unlocked steps whose store races the callbacks' read of
// fence->error (a data race in the kernel too, which TSan would report as
// the driver's); a harness callback slot holds a reference, so a thread's
// last put never finds a callback queued; the rest WARN on arguments no
// thread can change (a NULL fence, two contexts, a count of 0).
#include "../catalog.h"

namespace harness {
namespace {

// How many WARNs the core's debug-only defences add (0 in release builds).
#ifdef FENCE_LOCKDEP
constexpr int kLockdepWarns = 1;
#else
constexpr int kLockdepWarns = 0;
#endif

outcome warned(long value, int warns)
{
	outcome r{value, ""};
	r.warns = warns;
	return r;
}
bool not_global_stub(const model &m, const op &o)
{
	return fence0(m, o) && !m.fences[fence_arg(m, o, 0)].global_stub;
}
bool other_context(const model &m, const op &o)
{
	return has_fence(m, o, 0) && has_fence(m, o, 1) &&
	       m.fences[fence_arg(m, o, 0)].context != m.fences[fence_arg(m, o, 1)].context;
}

// ---- ctx_alloc0: dma_fence_context_alloc(0) WARNs; nothing is allocated -------------
outcome core_ctx_alloc0(world &, const op &)
{
	(void)dma_fence_context_alloc(0);
	return {0, ""};
}
outcome model_ctx_alloc0(model &, const op &) { return warned(0, 1); }

// ---- signal_null / signal_ts_null ts: a NULL fence WARNs and returns ----------------
outcome core_signal_null(world &, const op &)
{
	dma_fence_signal(nullptr);
	return {0, ""};
}
outcome core_signal_ts_null(world &, const op &o)
{
	dma_fence_signal_timestamp(nullptr, static_cast<ktime_t>(o.a[0]));
	return {0, ""};
}
outcome model_signal_null(model &, const op &) { return warned(0, 1); }

// ---- is_later_xctx f1 f2 / later_xctx f1 f2: fences of two contexts ----------------
// dma_fence_is_later() WARNs and says false; dma_fence_later() WARNs and
// returns NULL without polling either fence.
outcome core_is_later_xctx(world &w, const op &o)
{
	return {dma_fence_is_later(w.fence[o.a[0]], w.fence[o.a[1]]), ""};
}
outcome core_later_xctx(world &w, const op &o)
{
	struct dma_fence *r = dma_fence_later(w.fence[o.a[0]], w.fence[o.a[1]]);
	return {r == nullptr ? 0 : r == w.fence[o.a[0]] ? 1 : 2, ""};
}
outcome model_xctx(model &, const op &) { return warned(0, 1); }

// ---- set_error_signaled f err / set_error_zero f ------------------------------------
// dma_fence_set_error() WARNs on a signaled fence and on an error out of
// range (0 here: a positive one would break the status contract), and
// stores the error anyway: get_status() reports it from then on. Never on
// the global stub, which outlives the program.
bool legal_set_error_signaled(const model &m, const op &o)
{
	return not_global_stub(m, o) && m.fences[fence_arg(m, o, 0)].signaled;
}
outcome core_set_error_signaled(world &w, const op &o)
{
	dma_fence_set_error(w.fence[o.a[0]], -static_cast<int>(o.a[1]));
	return {0, ""};
}
outcome model_set_error_signaled(model &m, const op &o)
{
	m.fences[fence_arg(m, o, 0)].error = -static_cast<int>(o.a[1]);
	return warned(0, 1);
}
outcome core_set_error_zero(world &w, const op &o)
{
	dma_fence_set_error(w.fence[o.a[0]], 0);
	return {0, ""};
}
outcome model_set_error_zero(model &m, const op &o)
{
	mfence &x = m.fences[fence_arg(m, o, 0)];
	x.error = 0;
	return warned(0, 1 + (x.signaled ? 1 : 0));
}

// ---- timestamp_early f: dma_fence_timestamp() of an unsignaled fence ----------------
// WARNs and returns ktime_get() (not compared: the clock), fence unchanged.
bool legal_timestamp_early(const model &m, const op &o)
{
	return fence0(m, o) && !m.fences[fence_arg(m, o, 0)].signaled;
}
outcome core_timestamp_early(world &w, const op &o)
{
	(void)dma_fence_timestamp(w.fence[o.a[0]]);
	return {0, ""};
}
outcome model_timestamp_early(model &, const op &) { return warned(0, 1); }

// ---- timestamp_race f: dma_fence_timestamp() of a fence being signalled ------------
// A driver that reads the timestamp without waiting for the signal another
// thread is giving: the core WARNs if SIGNALED is still clear and returns
// ktime_get() (not compared: 0 here), else it waits for TIMESTAMP and
// returns the signal's timestamp. Its one atomic step is the SIGNALED test,
// so the linearizer puts it before or after the signal and the WARN count
// says which; legal in any state (sequentially it is timestamp or
// timestamp_early, chosen by the fence's state).
outcome core_timestamp_race(world &w, const op &o)
{
	fence::expect_warn inner(/*print=*/false);
	const ktime_t t = dma_fence_timestamp(w.fence[o.a[0]]);
	return warned(inner.count() ? 0 : static_cast<long>(t), static_cast<int>(inner.count()));
}
outcome model_timestamp_race(model &m, const op &o)
{
	const mfence &x = m.fences[fence_arg(m, o, 0)];
	return x.signaled ? outcome{x.ts, ""} : warned(0, 1);
}
// A ktime_get() timestamp is learned when first read back (as lin_timestamp).
bool lin_timestamp_race(lin_ctx &c)
{
	mfence &x = c.m.fences[c.m.fslot[c.r.o.a[0]]];
	if (x.signaled && !x.ts_known && !c.r.out.warns) {
		x.ts = c.r.out.value;
		x.ts_known = true;
	}
	*c.expected = model_timestamp_race(c.m, c.r.o);
	return true;
}

// ---- release_pending: the last reference dropped while a callback is queued --------
// A driver's refcounting bug. dma_fence_release() WARNs ("released with
// pending signals"), sets -EDEADLK and signals, so the callback runs with
// that error before the fence is freed. The op builds its own fence (of a
// harness ops table with the two names, no ->release: freed by
// dma_fence_free()) so that no slot, module or callback slot is left
// holding a freed fence. Returns the error the callback saw, 1 if it never
// ran, 0 if the fence could not be allocated (failnext).
const char *misuse_driver_name(struct dma_fence *) { return "misuse"; }
const char *misuse_timeline_name(struct dma_fence *) { return "misuse.pending"; }
const struct dma_fence_ops kMisuseOps = {
	.get_driver_name = misuse_driver_name,
	.get_timeline_name = misuse_timeline_name,
};
struct pending_cb {
	struct dma_fence_cb cb;
	int error;
	bool ran;
};
void pending_cb_func(struct dma_fence *f, struct dma_fence_cb *cb)
{
	pending_cb *p = container_of(cb, pending_cb, cb);
	p->error = f->error;
	p->ran = true;
}
spinlock_t *misuse_lock()
{
	static spinlock_t lock;
	static const bool init = [] {
		spin_lock_init(&lock);
		return true;
	}();
	(void)init;
	return &lock;
}
outcome core_release_pending(world &, const op &)
{
	auto *f = static_cast<struct dma_fence *>(kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
	if (!f) // failnext
		return {0, ""};
	dma_fence_init(f, &kMisuseOps, misuse_lock(), 0, 1);
	pending_cb p{};
	if (dma_fence_add_callback(f, &p.cb, pending_cb_func))
		fence_die("release_pending: the new fence is signaled");
	dma_fence_put(f); // the only reference: released with p queued
	return {p.ran ? p.error : 1, ""};
}
outcome model_release_pending(model &m, const op &)
{
	return m.alloc() ? warned(-EDEADLK, 1) : outcome{0, ""};
}

// ---- add_cb_null f: dma_fence_add_callback() with no function: -EINVAL -------------
outcome core_add_cb_null(world &w, const op &o)
{
	struct dma_fence_cb cb{};
	return {dma_fence_add_callback(w.fence[o.a[0]], &cb, nullptr), ""};
}
outcome model_einval(model &, const op &) { return warned(-EINVAL, 1); }

// ---- wait_negative f intr: dma_fence_wait_timeout(-1): -EINVAL, no wait -----------
outcome core_wait_negative(world &w, const op &o)
{
	return {dma_fence_wait_timeout(w.fence[o.a[0]], o.a[1], -1), ""};
}

// ---- wait_any_zero intr: dma_fence_wait_any_timeout() of no fences: -EINVAL -------
outcome core_wait_any_zero(world &w, const op &o)
{
	return {dma_fence_wait_any_timeout(w.fence, 0, o.a[0], 0, nullptr), ""};
}

// ---- wait_in_signalling f intr timeout: a wait inside a signalling section ---------
// The wait op inside dma_fence_begin_signalling()/_end_signalling(): the
// port's lockdep map (FENCE_LOCKDEP builds) reports the wait, which then
// runs as any wait does. Legal where the wait op is.
op as_wait(const op &o)
{
	op w = o;
	w.kind = op_kind::wait;
	return w;
}
bool legal_wait_in_signalling(const model &m, const op &o) { return desc(op_kind::wait).legal(m, as_wait(o)); }
outcome core_wait_in_signalling(world &w, const op &o)
{
#ifdef FENCE_BACKEND_TREE
	(void)w;
	(void)o;
	fence_die("wait_in_signalling: %s", semantics().why_missing[static_cast<int>(o.kind)]);
#else
	const bool cookie = dma_fence_begin_signalling();
	outcome r = desc(op_kind::wait).core(w, as_wait(o));
	dma_fence_end_signalling(cookie);
	return r;
#endif
}
outcome model_wait_in_signalling(model &m, const op &o)
{
	outcome r = desc(op_kind::wait).model_fn(m, as_wait(o));
	r.warns = kLockdepWarns;
	return r;
}

const op_desc kOps[] = {
	{.kind = op_kind::ctx_alloc0,
	 .help = "misuse: dma_fence_context_alloc(0) (WARN)",
	 .legal = always,
	 .thread_legal = nullptr,
	 .core = core_ctx_alloc0,
	 .model_fn = model_ctx_alloc0,
	 .touches = scope::none,
	 .misuse = true},
	{.kind = op_kind::signal_null,
	 .help = "misuse: dma_fence_signal(NULL) (WARN)",
	 .legal = always,
	 .thread_legal = nullptr,
	 .core = core_signal_null,
	 .model_fn = model_signal_null,
	 .touches = scope::none,
	 .misuse = true},
	{.kind = op_kind::signal_ts_null,
	 .help = "misuse: dma_fence_signal_timestamp(NULL, ts) (WARN)",
	 .args = {arg_type::u64},
	 .legal = always,
	 .thread_legal = nullptr,
	 .core = core_signal_ts_null,
	 .model_fn = model_signal_null,
	 .touches = scope::none,
	 .misuse = true},
	{.kind = op_kind::is_later_xctx,
	 .help = "misuse: dma_fence_is_later of two contexts (WARN, false)",
	 .args = {arg_type::fence, arg_type::fence},
	 .legal = other_context,
	 .thread_legal = nullptr,
	 .core = core_is_later_xctx,
	 .model_fn = model_xctx,
	 .misuse = true},
	{.kind = op_kind::later_xctx,
	 .help = "misuse: dma_fence_later of two contexts (WARN, NULL)",
	 .args = {arg_type::fence, arg_type::fence},
	 .legal = other_context,
	 .thread_legal = nullptr,
	 .core = core_later_xctx,
	 .model_fn = model_xctx,
	 .misuse = true},
	{.kind = op_kind::set_error_signaled,
	 .help = "misuse: dma_fence_set_error on a signaled fence (WARN, stored)",
	 .args = {arg_type::fence, arg_type::err},
	 .legal = legal_set_error_signaled,
	 .thread_legal = nullptr,
	 .core = core_set_error_signaled,
	 .model_fn = model_set_error_signaled,
	 .misuse = true,
	 .state_need = need_signaled},
	{.kind = op_kind::set_error_zero,
	 .help = "misuse: dma_fence_set_error(f, 0) (WARN, stored)",
	 .args = {arg_type::fence},
	 .legal = not_global_stub,
	 .thread_legal = nullptr,
	 .core = core_set_error_zero,
	 .model_fn = model_set_error_zero,
	 .misuse = true},
	{.kind = op_kind::timestamp_early,
	 .help = "misuse: dma_fence_timestamp of an unsignaled fence (WARN)",
	 .args = {arg_type::fence},
	 .legal = legal_timestamp_early,
	 .thread_legal = nullptr,
	 .core = core_timestamp_early,
	 .model_fn = model_timestamp_early,
	 .misuse = true,
	 .state_need = need_unsignaled},
	{.kind = op_kind::release_pending,
	 .help = "misuse: last put with a callback queued (WARN, -EDEADLK)",
	 .legal = always,
	 .thread_legal = nullptr,
	 .core = core_release_pending,
	 .model_fn = model_release_pending,
	 .touches = scope::none,
	 .misuse = true},
	{.kind = op_kind::add_cb_null,
	 .help = "misuse: dma_fence_add_callback with no function (WARN, -EINVAL)",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = nullptr,
	 .core = core_add_cb_null,
	 .model_fn = model_einval,
	 .misuse = true},
	{.kind = op_kind::wait_negative,
	 .help = "misuse: dma_fence_wait_timeout(f, intr, -1) (WARN, -EINVAL)",
	 .args = {arg_type::fence, arg_type::intr},
	 .legal = fence0,
	 .thread_legal = nullptr,
	 .core = core_wait_negative,
	 .model_fn = model_einval,
	 .misuse = true},
	{.kind = op_kind::wait_any_zero,
	 .help = "misuse: dma_fence_wait_any_timeout of 0 fences (WARN, -EINVAL)",
	 .args = {arg_type::intr},
	 .legal = always,
	 .thread_legal = nullptr,
	 .core = core_wait_any_zero,
	 .model_fn = model_einval,
	 .touches = scope::none,
	 .misuse = true},
	{.kind = op_kind::wait_in_signalling,
	 .help = "misuse: wait inside dma_fence_begin_signalling() (lockdep WARN)",
	 .args = {arg_type::fence, arg_type::intr, arg_type::timeout},
	 .legal = legal_wait_in_signalling,
	 .thread_legal = nullptr,
	 .core = core_wait_in_signalling,
	 .model_fn = model_wait_in_signalling,
	 .misuse = true},
	{.kind = op_kind::timestamp_race,
	 .help = "misuse: dma_fence_timestamp of a fence in any state (WARN if unsignaled)",
	 .args = {arg_type::fence},
	 .legal = fence0,
	 .thread_legal = fence0_t,
	 .core = core_timestamp_race,
	 .model_fn = model_timestamp_race,
	 .lin_step = lin_timestamp_race,
	 .misuse = true},
};

} // namespace

const op_family family_misuse = {"misuse", kOps, std::size(kOps)};

} // namespace harness

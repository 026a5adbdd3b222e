// SPDX-License-Identifier: MIT
//
// ops/modules.cpp - the module family: load, load_so, unload, create (issue a fence),
// irq (a hardware module's interrupt), inc (an sw_sync-style timeline).
//
// Module ops on a slot run inside a concurrent thread only in the thread
// that owns the slot (module_arg; harness/concurrent.h): the kernel's module
// refcount forbids calling into a module another thread may be unloading.
// Their atomic steps: a module's pending-list scan (create's reap, irq, inc,
// unload's force-complete) takes the list, then signals or drops its fences
// one at a time, then puts back what it kept.
#include <unistd.h>

#include <cstdlib>

#include "../catalog.h"

extern "C" int LLVMFuzzerRunDriver(int *argc, char ***argv,
				   int (*cb)(const uint8_t *data, size_t size)) __attribute__((weak));

namespace harness {
namespace {

const enum fence_driver_model kCoreModels[] = {
	FENCE_MODEL_NAMES,    FENCE_MODEL_HW,	    FENCE_MODEL_RECYCLE,
	FENCE_MODEL_WAIT,     FENCE_MODEL_DEADLINE, FENCE_MODEL_TIMELINE,
};

// ---- load m model -----------------------------------------------------------------
bool legal_load(const model &m, const op &o) { return !loaded(m, o, 0); }
bool thread_load(const world &w, const op &o) { return !w.mod[o.a[0]]; }
outcome core_load(world &w, const op &o)
{
	const int n = w.loads.fetch_add(1, std::memory_order_acq_rel);
	std::string name = "mod" + std::to_string(n);
	int ret = fence_module_load(name.c_str(), kCoreModels[o.a[1]], &w.mod[o.a[0]]);
	if (ret == 0)
		w.register_module(n, w.mod[o.a[0]]);
	return {ret, ""};
}
outcome model_load(model &m, const op &o)
{
	mmodule mod;
	mod.kind = static_cast<int>(o.a[1]);
	mod.name = "mod" + std::to_string(m.loads++);
	m.modules.push_back(mod);
	m.mslot[o.a[0]] = static_cast<int>(m.modules.size()) - 1;
	return {0, ""};
}
// Contexts come from a process-wide counter the model cannot know: it learns
// each module's, and checks that it is fresh and never 0.
uint64_t observe_load(const world &w, const op &o, const outcome &r)
{
	return r.value == 0 && w.mod[o.a[0]] ? fence_module_context(w.mod[o.a[0]]) : 0;
}
std::string learn_load(model &m, const op &o, uint64_t ctx)
{
	const int mi = m.mslot[o.a[0]];
	if (mi < 0)
		return "";
	uint64_t last = 0;
	for (size_t i = 0; i < m.modules.size(); i++)
		if (static_cast<int>(i) != mi)
			last = std::max(last, m.modules[i].context);
	if (ctx == 0) { // model alone (planning): a placeholder, fresh and non-zero
		m.modules[mi].context = last + 1;
		return "";
	}
	m.modules[mi].context = ctx;
	if (ctx <= last)
		return "dma_fence_context_alloc gives a new, non-zero context|> " +
		       std::to_string(last) + "|" + std::to_string(ctx);
	return "";
}

// ---- load_so m names|hw -----------------------------------------------------------
// The same driver models as real loadable modules (core/modules/*.so,
// fence_module_load_so()): dlopen()ed, and dlclose()d by a successful unload,
// so code and names of an unloaded module are really unmapped. The .so files
// are looked for in $FENCEFUZZ_SO_DIR, else in the build tree's core/modules
// (FENCE_HARNESS_SO_DIR; not defined in the coverage preset); where neither
// has them, and in any process a fuzzing engine drives (libFuzzer or AFL++'s
// driver: both define LLVMFuzzerRunDriver), the op is not legal, a
// process-wide fact, the same on both sides. Under an engine the .so files
// carry the tree's coverage instrumentation, and libFuzzer keeps reading the
// counters of a .so after its dlclose (a SEGV in TracePC::CollectFeatures,
// reported as a trap on the clean core).
std::string so_path(uint64_t model)
{
	const char *dir = getenv("FENCEFUZZ_SO_DIR");
#ifdef FENCE_HARNESS_SO_DIR
	if (!dir || !*dir)
		dir = FENCE_HARNESS_SO_DIR;
#endif
	if (!dir || !*dir)
		return "";
	return std::string(dir) + (model == 0 ? "/fence_mod_names.so" : "/fence_mod_hw.so");
}
bool so_available(uint64_t model)
{
#ifndef FENCE_CORE_HAS_SO_MODULES
	return (void)model, false;
#endif
	if (&LLVMFuzzerRunDriver != nullptr)
		return false;
	static const bool have[2] = {access(so_path(0).c_str(), R_OK) == 0,
				     access(so_path(1).c_str(), R_OK) == 0};
	return model < 2 && have[model];
}
const char *load_so_unavailable()
{
#ifndef FENCE_CORE_HAS_SO_MODULES
	return "this core has no .so modules";
#endif
	if (&LLVMFuzzerRunDriver != nullptr)
		return "never under a fuzzing engine (it reads a dlclose()d .so's counters)";
	if (!so_available(0) && !so_available(1))
		return "the module .so files are not there (build fence_mod_names and fence_mod_hw, "
		       "or set FENCEFUZZ_SO_DIR)";
	return nullptr;
}
bool legal_load_so(const model &m, const op &o) { return !loaded(m, o, 0) && so_available(o.a[1]); }
bool thread_load_so(const world &w, const op &o) { return !w.mod[o.a[0]] && so_available(o.a[1]); }
outcome core_load_so(world &w, const op &o)
{
	const int n = w.loads.fetch_add(1, std::memory_order_acq_rel);
	std::string name = "mod" + std::to_string(n);
#ifdef FENCE_CORE_HAS_SO_MODULES
	int ret = fence_module_load_so(name.c_str(), so_path(o.a[1]).c_str(), &w.mod[o.a[0]]);
#else
	int ret = -ENOENT; // never legal here: so_available() is false
#endif
	if (ret == 0)
		w.register_module(n, w.mod[o.a[0]], true);
	return {ret, ""};
}
outcome model_load_so(model &m, const op &o)
{
	outcome r = model_load(m, o);
	m.modules[m.mslot[o.a[0]]].so = true;
	return r;
}

// ---- unload m ---------------------------------------------------------------------
bool legal_unload(const model &m, const op &o) { return loaded(m, o, 0); }
bool thread_unload(const world &w, const op &o) { return w.mod[o.a[0]] != nullptr; }
// The unload's progress is published for the grace-period oracle
// (ops/names.cpp): a reader that used the module in a read-side section
// must never see the unload completed while still inside it.
outcome core_unload(world &w, const op &o)
{
	struct fence_module *mod = w.mod[o.a[0]];
	const wmodule *e = w.find_module(fence_module_context(mod));
	if (e) {
		e->gp_begin.store(fence_rcu_gp_count(), std::memory_order_relaxed);
		e->state.store(WMOD_UNLOADING, std::memory_order_release);
	}
	int ret = fence_module_unload(mod);
	if (ret == 0)
		w.mod[o.a[0]] = nullptr;
	if (e) {
		if (ret == 0)
			e->gp_end.store(fence_rcu_gp_count(), std::memory_order_relaxed);
		// Pairs with the acquire in the oracle.
		e->state.store(ret == 0 ? WMOD_UNLOADED : WMOD_LOADED, std::memory_order_release);
	}
	return {ret, ""};
}
// It unloads, or refuses while a fence pins it (-EBUSY).
std::string post_unload(const world &, const op &, const outcome &r)
{
	return r.value == 0 || r.value == -EBUSY ? "" : "unload: returned " + std::to_string(r.value);
}
outcome model_unload(model &m, const op &o)
{
	int ret = m.unload(m.mslot[o.a[0]]);
	if (ret == 0)
		m.mslot[o.a[0]] = -1;
	return {ret, ""};
}

// ---- create f m seqno flags -------------------------------------------------------
bool legal_create(const model &m, const op &o) { return loaded(m, o, 1); }
bool thread_create(const world &w, const op &o) { return w.mod[o.a[1]] != nullptr; }
outcome core_create(world &w, const op &o)
{
	unsigned flags = 0;
	if (o.a[3] & 1)
		flags |= FENCE_CREATE_EXTERN_LOCK;
	if (o.a[3] & 2)
		flags |= FENCE_CREATE_SEQNO64;
	struct dma_fence *f = fence_module_create_fence(w.mod[o.a[1]], o.a[2], flags);
	w.set_fence(static_cast<int>(o.a[0]), f);
	return {f != nullptr, ""};
}
// Create without its reap (model::reap() is the scan's action 0).
outcome model_create_noreap(model &m, const op &o)
{
	int mi = m.mslot[o.a[1]];
	mmodule &mod = m.modules[mi];
	bool ext = o.a[3] & 1;
	bool reuse = mod.kind == MK_RECYCLE && mod.cache > 0;
	if (!reuse && !m.alloc()) {
		model_set_fence(m, static_cast<int>(o.a[0]), -1);
		return {0, ""};
	}
	if (reuse)
		mod.cache--;
	// Which fences pin the module: the driver contract (harness/semantics.h).
	bool pinned = ext || mod.kind == MK_RECYCLE || mod.kind == MK_WAIT ||
		      semantics().pin_until_release;
	int f = m.new_fence(mi, pinned, ext, o.a[3] & 2, mod.context, o.a[2]);
	if (pinned)
		mod.live_pinned++;
	m.fences[f].refs = 2; // the caller's and the module's
	m.modules[mi].pending.push_back(f);
	model_set_fence(m, static_cast<int>(o.a[0]), f);
	return {1, ""};
}
outcome model_create(model &m, const op &o)
{
	m.reap(m.mslot[o.a[1]]);
	return model_create_noreap(m, o);
}

// ---- irq m hw / inc m n -----------------------------------------------------------
bool legal_irq(const model &m, const op &o)
{
	return loaded(m, o, 0) && m.modules[m.mslot[o.a[0]]].kind == MK_HW;
}
bool thread_irq(const world &w, const op &o)
{
	struct fence_module *m = w.mod[o.a[0]];
	return m && fence_module_model(m) == FENCE_MODEL_HW;
}
outcome core_irq(world &w, const op &o) { return {fence_module_irq(w.mod[o.a[0]], o.a[1]), ""}; }
outcome model_irq(model &m, const op &o)
{
	int mi = m.mslot[o.a[0]];
	if (o.a[1] > m.modules[mi].hw)
		m.modules[mi].hw = o.a[1];
	return {m.scan(mi, 1, m.modules[mi].hw), ""};
}
// A timeline value that wraps would make ->signaled go back to false, which
// the ops contract forbids: such an inc is skipped.
bool legal_inc(const model &m, const op &o)
{
	if (!loaded(m, o, 0))
		return false;
	const mmodule &mod = m.modules[m.mslot[o.a[0]]];
	return mod.kind == MK_TIMELINE && mod.hw + o.a[1] >= mod.hw;
}
bool thread_inc(const world &w, const op &o)
{
	struct fence_module *m = w.mod[o.a[0]];
	return m && fence_module_model(m) == FENCE_MODEL_TIMELINE &&
	       fence_module_hw_seqno(m) + o.a[1] >= fence_module_hw_seqno(m);
}
outcome core_inc(world &w, const op &o)
{
	return {fence_module_timeline_inc(w.mod[o.a[0]], o.a[1]), ""};
}
outcome model_inc(model &m, const op &o)
{
	int mi = m.mslot[o.a[0]];
	m.modules[mi].hw += o.a[1];
	return {m.scan(mi, 2, m.modules[mi].hw), ""};
}

// ---- the scans, in steps ----------------------------------------------------------
// First step: (irq/inc) raise the hardware seqno and take the pending list;
// then one step per fence; the last puts back what was kept and completes.
bool lin_scan(lin_ctx &c, int action)
{
	model &m = c.m;
	const op &o = c.r.o;
	const int mi = m.mslot[action == 0 ? o.a[1] : o.a[0]];
	if (c.first) {
		mmodule &mod = m.modules[mi];
		if (action == 1 && o.a[1] > mod.hw)
			mod.hw = o.a[1];
		if (action == 2)
			mod.hw += o.a[1];
		lin_scan_begin(m, c.pg, mi, action, mod.hw);
	} else {
		lin_scan_one(m, c.pg);
	}
	if (c.pg.pos < c.pg.local.size())
		return false;
	lin_scan_end(m, c.pg);
	return true;
}
bool lin_irq(lin_ctx &c)
{
	if (!lin_scan(c, 1))
		return false;
	c.expected->value = c.pg.n;
	return true;
}
bool lin_inc(lin_ctx &c)
{
	if (!lin_scan(c, 2))
		return false;
	c.expected->value = c.pg.n;
	return true;
}
// The force-complete scan, then, as a step of its own, the pinned check and
// the unload: a last put (->release, which unpins) by another thread may
// come between them, so the unload returns 0 although a pinned fence lived
// when it began (found as a false report on the clean core by ci/zoo;
// corpora/concurrent_fuzz/seeds/unload-races-last-put.prog).
bool lin_unload(lin_ctx &c)
{
	if (!c.pg.scanned) {
		if (lin_scan(c, 3))
			c.pg.scanned = true;
		return false;
	}
	*c.expected = model_unload(c.m, c.r.o); // its own scan finds nothing left
	return true;
}
bool lin_create(lin_ctx &c)
{
	if (!lin_scan(c, 0))
		return false;
	c.m.fail_alloc = c.r.fail;
	*c.expected = model_create_noreap(c.m, c.r.o);
	return true;
}

const op_desc kOps[] = {
	{.kind = op_kind::load,
	 .help = "load a module into a slot",
	 .args = {arg_type::module, arg_type::model},
	 .legal = legal_load,
	 .thread_legal = thread_load,
	 .core = core_load,
	 .model_fn = model_load,
	 .touches = scope::module,
	 .module_arg = 0,
	 .observe = observe_load,
	 .learn = learn_load},
	{.kind = op_kind::load_so,
	 .help = "load a real .so module (names or hw) into a slot",
	 .args = {arg_type::module, arg_type::model},
	 .legal = legal_load_so,
	 .thread_legal = thread_load_so,
	 .core = core_load_so,
	 .model_fn = model_load_so,
	 .touches = scope::module,
	 .module_arg = 0,
	 .observe = observe_load,
	 .learn = learn_load,
	 .unavailable = load_so_unavailable},
	{.kind = op_kind::unload,
	 .help = "unload a module (0 or -EBUSY)",
	 .args = {arg_type::module},
	 .legal = legal_unload,
	 .thread_legal = thread_unload,
	 .core = core_unload,
	 .post = post_unload,
	 .model_fn = model_unload,
	 .touches = scope::module,
	 .module_arg = 0,
	 .lin_step = lin_unload,
	 .teardown_zero = true},
	{.kind = op_kind::create,
	 .help = "issue a fence from a module",
	 .args = {arg_type::fence, arg_type::module, arg_type::u64, arg_type::cflags},
	 .legal = legal_create,
	 .thread_legal = thread_create,
	 .core = core_create,
	 .model_fn = model_create,
	 .touches = scope::module,
	 .module_arg = 1,
	 .lin_step = lin_create,
	 .writes_fence_slot = true},
	{.kind = op_kind::irq,
	 .help = "HW module interrupt at a hardware seqno",
	 .args = {arg_type::module, arg_type::u64},
	 .legal = legal_irq,
	 .thread_legal = thread_irq,
	 .core = core_irq,
	 .model_fn = model_irq,
	 .touches = scope::module,
	 .module_arg = 0,
	 .lin_step = lin_irq},
	{.kind = op_kind::inc,
	 .help = "TIMELINE module inc(n)",
	 .args = {arg_type::module, arg_type::u64},
	 .legal = legal_inc,
	 .thread_legal = thread_inc,
	 .core = core_inc,
	 .model_fn = model_inc,
	 .touches = scope::module,
	 .module_arg = 0,
	 .lin_step = lin_inc},
};

} // namespace

const op_family family_modules = {"modules", kOps, std::size(kOps)};

} // namespace harness

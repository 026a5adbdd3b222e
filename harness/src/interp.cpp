// SPDX-License-Identifier: MIT
//
// interp.cpp - the interpreter and the execution half of the op catalog.
//
// Oracle (what output means broken): "fencefuzz: DIVERGENCE" followed by the
// program, the op index and expected-vs-actual means the core disagreed with
// the reference model; a sanitizer report, a WARN (panic_on_warn) or an
// "access to unloaded module" trap means the core did something illegal while
// the harness drove only legal API usage.
//
// Every op has one entry in kImpl (indexed like HARNESS_OPS): legal() decides
// from the model whether the API's contract allows the op now (if not it is
// skipped, on both sides), core() runs it on the fence core, model() predicts
// the same thing. Both return an outcome that must compare equal.
#include "harness/interp.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <sstream>
#include <vector>

#include "fence/fence.h"
#include "fence/module.h"
#include "fence/slab.h"
#include "harness/model.h"
#include "interp_detail.h"

namespace harness {

namespace {

run_stats g_stats;
std::string g_source_name;

struct world;

// A callback slot: the dma_fence_cb plus the reference the harness keeps on
// the fence it was added to (a callback's fence must stay alive).
struct hcb {
	struct dma_fence_cb cb;
	world *w;
	int slot;
	struct dma_fence *held;
	bool queued; // added and neither run nor removed (concurrent legality)
};

struct core_event {
	int slot;
	struct dma_fence *fence;
	int error;
	bool ts_bit;
	ktime_t ts;
};

struct world {
	struct dma_fence *fence[kFenceSlotSpace] = {};
	struct fence_module *mod[kModuleSlots] = {};
	hcb cbs[kCbSlotSpace] = {};
	fence::rcu_ptr<struct dma_fence> rslot[kRcuSlots];
	std::vector<core_event> events;
	int loads = 0; // modules loaded so far: names mod0, mod1, ...
	world()
	{
		for (int i = 0; i < kCbSlotSpace; i++) {
			cbs[i].w = this;
			cbs[i].slot = i;
			INIT_LIST_HEAD(&cbs[i].cb.node);
		}
		for (auto &s : rslot)
			RCU_INIT_POINTER(s, nullptr);
	}
};

// Concurrent runs: callbacks go to the running thread's op record instead.
thread_local std::vector<detail::cb_record> *t_cb_sink;

void harness_cb_func(struct dma_fence *f, struct dma_fence_cb *cb)
{
	hcb *h = container_of(cb, hcb, cb);
	if (t_cb_sink)
		t_cb_sink->push_back({h->slot, std::atomic_ref<int>(f->error).load(),
				      test_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &f->flags),
				      f == h->held});
	else
		h->w->events.push_back({h->slot, f, std::atomic_ref<int>(f->error).load(),
					test_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &f->flags),
					f->timestamp});
	h->queued = false; // last: the cb is the owner's again
}

// What an op returned, on either side.
struct outcome {
	long value = 0;
	std::string text;
	bool operator==(const outcome &o) const { return value == o.value && text == o.text; }
};

std::string show(const outcome &o)
{
	std::string s = std::to_string(o.value);
	if (!o.text.empty())
		s += " \"" + o.text + "\"";
	return s;
}

long jiffies_arg(uint64_t t) { return t == 255 ? MAX_SCHEDULE_TIMEOUT : static_cast<long>(t); }

// ---- helpers shared by several ops ----------------------------------------------

// Put a new reference into a fence slot (the old one is dropped after).
void core_set_fence(world &w, int slot, struct dma_fence *f)
{
	struct dma_fence *old = w.fence[slot];
	w.fence[slot] = f;
	dma_fence_put(old);
}
void model_set_fence(model &m, int slot, int f)
{
	int old = m.fslot[slot];
	m.fslot[slot] = f;
	if (old >= 0)
		m.put(old);
}

int fence_arg(const model &m, const op &o, int i) { return m.fslot[o.a[i]]; }
bool has_fence(const model &m, const op &o, int i) { return fence_arg(m, o, i) >= 0; }
bool loaded(const model &m, const op &o, int i) { return m.mslot[o.a[i]] >= 0; }

// ---- the catalog's execution half -------------------------------------------------
//
// For op X: legal_X(model, op), core_X(world, op), model_X(model, op).

const enum fence_driver_model kCoreModels[] = {
	FENCE_MODEL_NAMES,    FENCE_MODEL_HW,	    FENCE_MODEL_RECYCLE,
	FENCE_MODEL_WAIT,     FENCE_MODEL_DEADLINE, FENCE_MODEL_TIMELINE,
};

bool fence0(const model &m, const op &o) { return has_fence(m, o, 0); }

// load m model
bool legal_load(const model &m, const op &o) { return !loaded(m, o, 0); }
outcome core_load(world &w, const op &o)
{
	std::string name = "mod" + std::to_string(w.loads++);
	int ret = fence_module_load(name.c_str(), kCoreModels[o.a[1]], &w.mod[o.a[0]]);
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

// unload m
bool legal_unload(const model &m, const op &o) { return loaded(m, o, 0); }
outcome core_unload(world &w, const op &o)
{
	int ret = fence_module_unload(w.mod[o.a[0]]);
	if (ret == 0)
		w.mod[o.a[0]] = nullptr;
	return {ret, ""};
}
outcome model_unload(model &m, const op &o)
{
	int ret = m.unload(m.mslot[o.a[0]]);
	if (ret == 0)
		m.mslot[o.a[0]] = -1;
	return {ret, ""};
}

// create f m seqno flags
bool legal_create(const model &m, const op &o) { return loaded(m, o, 1); }
outcome core_create(world &w, const op &o)
{
	unsigned flags = 0;
	if (o.a[3] & 1)
		flags |= FENCE_CREATE_EXTERN_LOCK;
	if (o.a[3] & 2)
		flags |= FENCE_CREATE_SEQNO64;
	struct dma_fence *f = fence_module_create_fence(w.mod[o.a[1]], o.a[2], flags);
	core_set_fence(w, static_cast<int>(o.a[0]), f);
	return {f != nullptr, ""};
}
outcome model_create(model &m, const op &o)
{
	int mi = m.mslot[o.a[1]];
	m.reap(mi);
	mmodule &mod = m.modules[mi];
	bool ext = o.a[3] & 1;
	bool reuse = mod.kind == MK_RECYCLE && mod.cache > 0;
	if (!reuse && !m.alloc()) {
		model_set_fence(m, static_cast<int>(o.a[0]), -1);
		return {0, ""};
	}
	if (reuse)
		mod.cache--;
	bool pinned = ext || mod.kind == MK_RECYCLE || mod.kind == MK_WAIT;
	int f = m.new_fence(mi, pinned, ext, o.a[3] & 2, mod.context, o.a[2]);
	if (pinned)
		mod.live_pinned++;
	m.fences[f].refs = 2; // the caller's and the module's
	m.modules[mi].pending.push_back(f);
	model_set_fence(m, static_cast<int>(o.a[0]), f);
	return {1, ""};
}

// stub f
bool legal_stub(const model &, const op &) { return true; }
outcome core_stub(world &w, const op &o)
{
	core_set_fence(w, static_cast<int>(o.a[0]), dma_fence_get_stub());
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
		x.attached = false;
		x.ts_known = false;
	}
	model_set_fence(m, static_cast<int>(o.a[0]), f);
	return {0, ""};
}

// private_stub f ts
outcome core_private_stub(world &w, const op &o)
{
	struct dma_fence *f = dma_fence_allocate_private_stub(static_cast<ktime_t>(o.a[1]));
	core_set_fence(w, static_cast<int>(o.a[0]), f);
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
bool legal_private_stub(const model &, const op &) { return true; }

// get dst src
bool legal_get(const model &m, const op &o) { return has_fence(m, o, 1); }
outcome core_get(world &w, const op &o)
{
	core_set_fence(w, static_cast<int>(o.a[0]), dma_fence_get(w.fence[o.a[1]]));
	return {0, ""};
}
outcome model_get(model &m, const op &o)
{
	int f = fence_arg(m, o, 1);
	m.get(f);
	model_set_fence(m, static_cast<int>(o.a[0]), f);
	return {0, ""};
}

// put f
bool legal_put(const model &m, const op &o) { return fence0(m, o); }
outcome core_put(world &w, const op &o)
{
	core_set_fence(w, static_cast<int>(o.a[0]), nullptr);
	return {0, ""};
}
outcome model_put(model &m, const op &o)
{
	model_set_fence(m, static_cast<int>(o.a[0]), -1);
	return {0, ""};
}

// signal f / signal_ts f ts / signal_locked f / check_and_signal f
bool legal_signal(const model &m, const op &o) { return fence0(m, o); }
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
bool legal_signal_ts(const model &m, const op &o) { return fence0(m, o); }
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
bool legal_signal_locked(const model &m, const op &o) { return fence0(m, o); }
outcome core_signal_locked(world &w, const op &o)
{
	struct dma_fence *f = w.fence[o.a[0]];
	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	dma_fence_signal_locked(f);
	dma_fence_unlock_irqrestore(f, flags);
	return {0, ""};
}
outcome model_signal_locked(model &m, const op &o) { return model_signal(m, o); }
bool legal_check_and_signal(const model &m, const op &o) { return fence0(m, o); }
outcome core_check_and_signal(world &w, const op &o)
{
	return {dma_fence_check_and_signal(w.fence[o.a[0]]), ""};
}
outcome model_check_and_signal(model &m, const op &o)
{
	int f = fence_arg(m, o, 0);
	bool was = m.fences[f].signaled;
	m.signal(f, false, 0);
	return {was, ""};
}

// set_error f err: only before signaling (contract), err in range by encoding.
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

// add_cb f c: a cb may be queued on one fence at a time; the harness holds a
// reference on the cb's fence until the cb is reused or torn down.
bool legal_add_cb(const model &m, const op &o) { return fence0(m, o) && !m.cb_pending[o.a[1]]; }
outcome core_add_cb(world &w, const op &o)
{
	hcb &h = w.cbs[o.a[1]];
	struct dma_fence *old = h.held;
	h.held = dma_fence_get(w.fence[o.a[0]]);
	dma_fence_put(old);
	h.queued = true; // before: another thread may run it once it is queued
	int ret = dma_fence_add_callback(h.held, &h.cb, harness_cb_func);
	if (ret)
		h.queued = false;
	return {ret, ""};
}
outcome model_add_cb(model &m, const op &o)
{
	int slot = static_cast<int>(o.a[1]);
	int f = fence_arg(m, o, 0);
	int old = m.cb_fence[slot];
	m.get(f);
	m.cb_fence[slot] = f;
	if (old >= 0)
		m.put(old);
	int ret;
	m.add_cb(f, slot, &ret);
	return {ret, ""};
}

// remove_cb c: only for a cb that was passed to add_callback (else undefined).
bool legal_remove_cb(const model &m, const op &o) { return m.cb_fence[o.a[0]] >= 0; }
outcome core_remove_cb(world &w, const op &o)
{
	hcb &h = w.cbs[o.a[0]];
	bool removed = dma_fence_remove_callback(h.held, &h.cb);
	if (removed)
		h.queued = false;
	return {removed, ""};
}
outcome model_remove_cb(model &m, const op &o)
{
	return {m.remove_cb(static_cast<int>(o.a[0])), ""};
}

// drop_cb c: remove the cb if still queued, then drop the harness's reference.
bool legal_drop_cb(const model &m, const op &o) { return m.cb_fence[o.a[0]] >= 0; }
outcome core_drop_cb(world &w, const op &o)
{
	hcb &h = w.cbs[o.a[0]];
	bool removed = dma_fence_remove_callback(h.held, &h.cb);
	if (removed)
		h.queued = false;
	dma_fence_put(h.held);
	h.held = nullptr;
	return {removed, ""};
}
outcome model_drop_cb(model &m, const op &o)
{
	int slot = static_cast<int>(o.a[0]);
	bool removed = m.remove_cb(slot);
	int f = m.cb_fence[slot];
	m.cb_fence[slot] = -1;
	m.put(f);
	return {removed, ""};
}

// enable_sw f
bool legal_enable_sw(const model &m, const op &o) { return fence0(m, o); }
outcome core_enable_sw(world &w, const op &o)
{
	dma_fence_enable_sw_signaling(w.fence[o.a[0]]);
	return {0, ""};
}
outcome model_enable_sw(model &m, const op &o)
{
	m.enable(fence_arg(m, o, 0));
	return {0, ""};
}

// is_signaled f / test_flag f / status f / status_locked f
bool legal_is_signaled(const model &m, const op &o) { return fence0(m, o); }
outcome core_is_signaled(world &w, const op &o) { return {dma_fence_is_signaled(w.fence[o.a[0]]), ""}; }
outcome model_is_signaled(model &m, const op &o) { return {m.poll(fence_arg(m, o, 0)), ""}; }
bool legal_test_flag(const model &m, const op &o) { return fence0(m, o); }
outcome core_test_flag(world &w, const op &o)
{
	return {dma_fence_test_signaled_flag(w.fence[o.a[0]]), ""};
}
outcome model_test_flag(model &m, const op &o) { return {m.fences[fence_arg(m, o, 0)].signaled, ""}; }
bool legal_status(const model &m, const op &o) { return fence0(m, o); }
outcome core_status(world &w, const op &o) { return {dma_fence_get_status(w.fence[o.a[0]]), ""}; }
outcome model_status(model &m, const op &o)
{
	int f = fence_arg(m, o, 0);
	if (!m.poll(f))
		return {0, ""};
	return {m.fences[f].error ? m.fences[f].error : 1, ""};
}
bool legal_status_locked(const model &m, const op &o) { return fence0(m, o); }
outcome core_status_locked(world &w, const op &o)
{
	struct dma_fence *f = w.fence[o.a[0]];
	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	int ret = dma_fence_get_status_locked(f);
	dma_fence_unlock_irqrestore(f, flags);
	return {ret, ""};
}
outcome model_status_locked(model &m, const op &o) { return model_status(m, o); }

// wait f intr timeout: single-threaded, so an unbounded wait must be one that
// returns at once; anything else would sleep forever (skipped).
bool legal_wait(const model &m, const op &o)
{
	if (!fence0(m, o))
		return false;
	return o.a[2] != 255 || m.would_complete_now(fence_arg(m, o, 0), o.a[1]);
}
outcome core_wait(world &w, const op &o)
{
	return {dma_fence_wait_timeout(w.fence[o.a[0]], o.a[1], jiffies_arg(o.a[2])), ""};
}
outcome model_wait(model &m, const op &o)
{
	int f = fence_arg(m, o, 0);
	long t = jiffies_arg(o.a[2]);
	m.enable(f);
	if (m.fences[f].signaled)
		return {t ? t : 1, ""};
	if (o.a[1] && m.sigpending)
		return {-512, ""}; // -ERESTARTSYS
	return {0, ""};	  // timed out (virtual time passed)
}

// wait_any set intr timeout (empty slots in the set are left out).
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
outcome core_wait_any(world &w, const op &o)
{
	struct dma_fence *fences[kFenceSlotSpace];
	u32 n = 0, idx = 0xdead;
	for (int i = 0; i < kFenceSlotSpace; i++)
		if ((o.a[0] & (1ull << i)) && w.fence[i])
			fences[n++] = w.fence[i];
	long ret = dma_fence_wait_any_timeout(fences, n, o.a[1], jiffies_arg(o.a[2]), &idx);
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
		return {-12, ""}; // -ENOMEM
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
		return {-512, ""};
	return {0, ""};
}

// set_deadline f ns
bool legal_set_deadline(const model &m, const op &o) { return fence0(m, o); }
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

// names f
bool legal_names(const model &m, const op &o) { return fence0(m, o); }
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

// describe f
bool legal_describe(const model &m, const op &o) { return fence0(m, o); }
outcome core_describe(world &w, const op &o) { return {0, dma_fence_describe(w.fence[o.a[0]])}; }
outcome model_describe(model &m, const op &o)
{
	int f = fence_arg(m, o, 0);
	const mfence &x = m.fences[f];
	char buf[64];
	snprintf(buf, sizeof(buf), "%" PRIu64 ":%" PRIu64 " ", x.context, x.seqno);
	if (!m.poll(f))
		return {0, buf + m.timeline_name(f) + " " + m.driver_name(f) + " unsignalled\n"};
	return {0, std::string(buf) + "  signalled\n"};
}

// timestamp f (signaled only: an unsignaled fence WARNs)
bool legal_timestamp(const model &m, const op &o)
{
	return fence0(m, o) && m.fences[fence_arg(m, o, 0)].signaled;
}
outcome core_timestamp(world &w, const op &o) { return {dma_fence_timestamp(w.fence[o.a[0]]), ""}; }
outcome model_timestamp(model &m, const op &o) { return {m.fences[fence_arg(m, o, 0)].ts, ""}; }

// is_later f1 f2 / later f1 f2 (same context only: a mismatch WARNs)
bool same_context(const model &m, const op &o)
{
	return has_fence(m, o, 0) && has_fence(m, o, 1) &&
	       m.fences[fence_arg(m, o, 0)].context == m.fences[fence_arg(m, o, 1)].context;
}
bool model_is_later_raw(const model &m, int f1, int f2)
{
	const mfence &a = m.fences[f1], &b = m.fences[f2];
	if (a.seq64)
		return a.seqno > b.seqno;
	return static_cast<int32_t>(static_cast<uint32_t>(a.seqno) - static_cast<uint32_t>(b.seqno)) > 0;
}
bool legal_is_later(const model &m, const op &o) { return same_context(m, o); }
outcome core_is_later(world &w, const op &o)
{
	return {dma_fence_is_later(w.fence[o.a[0]], w.fence[o.a[1]]), ""};
}
outcome model_is_later(model &m, const op &o)
{
	return {model_is_later_raw(m, fence_arg(m, o, 0), fence_arg(m, o, 1)), ""};
}
bool legal_later(const model &m, const op &o) { return same_context(m, o); }
outcome core_later(world &w, const op &o)
{
	struct dma_fence *r = dma_fence_later(w.fence[o.a[0]], w.fence[o.a[1]]);
	return {r == nullptr ? 0 : r == w.fence[o.a[0]] ? 1 : 2, ""};
}
outcome model_later(model &m, const op &o)
{
	int f1 = fence_arg(m, o, 0), f2 = fence_arg(m, o, 1);
	if (model_is_later_raw(m, f1, f2))
		return {m.poll(f1) ? 0 : 1, ""};
	// Slot 1 and slot 2 may hold the same fence: report "the first slot" then.
	return {m.poll(f2) ? 0 : (f1 == f2 ? 1 : 2), ""};
}

// publish s f / clear s / get_rcu_safe f s
bool legal_publish(const model &m, const op &o) { return has_fence(m, o, 1); }
outcome core_publish(world &w, const op &o)
{
	struct dma_fence *old =
		rcu_replace_pointer(w.rslot[o.a[0]], dma_fence_get(w.fence[o.a[1]]), true);
	dma_fence_put(old);
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
bool legal_clear(const model &, const op &) { return true; }
outcome core_clear(world &w, const op &o)
{
	dma_fence_put(rcu_replace_pointer(w.rslot[o.a[0]], nullptr, true));
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
bool legal_get_rcu_safe(const model &, const op &) { return true; }
outcome core_get_rcu_safe(world &w, const op &o)
{
	rcu_read_lock();
	struct dma_fence *f = dma_fence_get_rcu_safe(&w.rslot[o.a[1]]);
	rcu_read_unlock();
	core_set_fence(w, static_cast<int>(o.a[0]), f);
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

// sync_rcu / rcu_barrier / sig_raise / sig_clear / failnext
bool legal_sync_rcu(const model &, const op &) { return true; }
outcome core_sync_rcu(world &, const op &)
{
	synchronize_rcu();
	return {0, ""};
}
outcome model_sync_rcu(model &, const op &) { return {0, ""}; }
bool legal_rcu_barrier(const model &, const op &) { return true; }
outcome core_rcu_barrier(world &, const op &)
{
	rcu_barrier();
	return {0, ""};
}
outcome model_rcu_barrier(model &, const op &) { return {0, ""}; }
bool legal_sig_raise(const model &, const op &) { return true; }
outcome core_sig_raise(world &, const op &)
{
	fence_signal_raise(current);
	return {0, ""};
}
outcome model_sig_raise(model &m, const op &)
{
	m.sigpending = true;
	return {0, ""};
}
bool legal_sig_clear(const model &, const op &) { return true; }
outcome core_sig_clear(world &, const op &)
{
	fence_signal_clear(current);
	return {0, ""};
}
outcome model_sig_clear(model &m, const op &)
{
	m.sigpending = false;
	return {0, ""};
}
bool legal_failnext(const model &, const op &) { return true; }
outcome core_failnext(world &, const op &) { return {0, ""}; } // armed by the interpreter
outcome model_failnext(model &, const op &) { return {0, ""}; }

// irq m hw / inc m n
bool legal_irq(const model &m, const op &o)
{
	return loaded(m, o, 0) && m.modules[m.mslot[o.a[0]]].kind == MK_HW;
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

struct impl_fn {
	bool (*legal)(const model &, const op &);
	outcome (*core)(world &, const op &);
	outcome (*model)(model &, const op &);
};

const impl_fn kImpl[] = {
#define HARNESS_OP_IMPL(name, ...) {legal_##name, core_##name, model_##name},
	HARNESS_OPS(HARNESS_OP_IMPL)
#undef HARNESS_OP_IMPL
};
static_assert(sizeof(kImpl) / sizeof(kImpl[0]) == kOpKinds);

// ---- trace events for the log ----------------------------------------------------

void trace_to_log(const struct dma_fence_trace_record *rec, void *data)
{
	auto *out = static_cast<std::ostream *>(data);
	char buf[256];
	snprintf(buf, sizeof(buf), "      trace %-24s ctx=%" PRIu64 " seqno=%" PRIu64 " driver=%s timeline=%s\n",
		 dma_fence_trace_event_name(rec->event), rec->context, rec->seqno, rec->driver,
		 rec->timeline);
	*out << buf;
}

// ---- the interpreter ---------------------------------------------------------------

} // namespace

struct session::impl {
	explicit impl(const run_options &opt) : opt_(opt) {}
	void step(size_t idx, const op &o, bool teardown);
	void check_state(size_t idx, const op &o);
	void check_events(size_t idx, const op &o);
	void check_ts(size_t idx, const op &o);
	void teardown();
	[[noreturn]] void diverge(size_t idx, const op &o, const std::string &what,
				  const std::string &expected, const std::string &actual);

	run_options opt_;
	world w_;
	model m_;
	bool fail_next_ = false;
	bool finished_ = false;
	int64_t last_clock_ts_ = 0;
	uint64_t last_ctx_ = 0;
	long slab0_ = fence_slab_live();
	long mods0_ = fence_module_count_loaded();
	std::vector<op> history_;	// the ops stepped so far, for reports
	size_t n_prog_ = 0;		// history_[0, n_prog_) are the program's
};

void session::impl::diverge(size_t idx, const op &o, const std::string &what,
			    const std::string &expected, const std::string &actual)
{
	std::string text;
	for (size_t i = 0; i < history_.size(); i++)
		text += (i == idx ? ">> " : "   ") +
			(i < n_prog_ ? std::to_string(i) : std::string("teardown")) + ": " +
			format_op(history_[i]) + "\n";
	if (idx >= history_.size())
		text += ">> (end of program)\n";
	const char *src = !opt_.source.empty()	    ? opt_.source.c_str()
			  : !g_source_name.empty() ? g_source_name.c_str()
						   : "(fuzzer input)";
	char head[512];
	snprintf(head, sizeof(head),
		 "fencefuzz: DIVERGENCE between the fence core and the model\n"
		 "  source:   %s\n"
		 "  op #%zu:   %s\n",
		 src, idx, format_op(o).c_str());
	std::string report = std::string(head) + "  check:    " + what + "\n  expected: " + expected +
			     "\n  actual:   " + actual + "\n  program:\n" + text;
	if (opt_.throw_on_divergence) {
		finished_ = true; // the core's state is unknown: no teardown
		throw divergence(report, idx, what, expected, actual);
	}
	fputs(report.c_str(), stderr);
	fflush(stderr);
	abort();
}

void session::impl::step(size_t idx, const op &o, bool teardown)
{
	const impl_fn &im = kImpl[static_cast<int>(o.kind)];
	g_stats.ops++;
	if (!im.legal(m_, o)) {
		g_stats.skipped++;
		if (opt_.log)
			*opt_.log << "  " << idx << ": " << format_op(o) << "  -> skipped (precondition)\n";
		fail_next_ = false;
		return;
	}
	if (opt_.log)
		*opt_.log << "  " << idx << ": " << format_op(o) << "\n";
	const bool fail = fail_next_;
	fail_next_ = o.kind == op_kind::failnext;
	m_.fail_alloc = fail;
	if (fail)
		fence_failslab_nth(1);
	outcome actual = im.core(w_, o);
	if (fail)
		fence_failslab_nth(0);
	outcome expected = im.model(m_, o);
	m_.fail_alloc = false;
	if (opt_.log)
		*opt_.log << "      = " << show(actual) << "\n";
	if (!(actual == expected))
		diverge(idx, o, "return value", show(expected), show(actual));
	if (o.kind == op_kind::load) {
		// Contexts come from a process-wide counter the model cannot know;
		// it learns each module's, and checks they are fresh and never 0.
		uint64_t ctx = fence_module_context(w_.mod[o.a[0]]);
		if (ctx == 0 || ctx <= last_ctx_)
			diverge(idx, o, "dma_fence_context_alloc gives a new, non-zero context",
				"> " + std::to_string(last_ctx_), std::to_string(ctx));
		last_ctx_ = ctx;
		m_.modules[m_.mslot[o.a[0]]].context = ctx;
	}
	if (o.kind == op_kind::stub) {
		// The global stub was signaled at its first use in this process: the
		// model learns that timestamp once.
		mfence &x = m_.fences[m_.fslot[o.a[0]]];
		if (!x.ts_known) {
			x.ts = w_.fence[o.a[0]]->timestamp;
			x.ts_known = true;
		}
	}
	if (teardown && o.kind == op_kind::unload && actual.value != 0)
		diverge(idx, o, "module unload at teardown (every reference was dropped)", "0",
			show(actual));
	check_events(idx, o);
	check_ts(idx, o);
	check_state(idx, o);
}
void session::impl::check_events(size_t idx, const op &o)
{
	auto &ce = w_.events;
	auto &me = m_.events;
	for (size_t i = 0; i < std::max(ce.size(), me.size()); i++) {
		char exp[128] = "(none)", act[128] = "(none)";
		if (i < me.size())
			snprintf(exp, sizeof(exp), "callback c%d for fence #%d with error %d", me[i].slot,
				 me[i].fence, me[i].error);
		if (i < ce.size())
			snprintf(act, sizeof(act), "callback c%d with error %d%s", ce[i].slot, ce[i].error,
				 ce[i].ts_bit ? "" : " BEFORE the timestamp was set");
		if (i >= me.size() || i >= ce.size() || ce[i].slot != me[i].slot ||
		    ce[i].error != me[i].error || !ce[i].ts_bit ||
		    ce[i].fence != w_.cbs[ce[i].slot].held)
			diverge(idx, o, "callbacks run (exactly once, FIFO, right fence, timestamp first)",
				exp, act);
		if (opt_.log)
			*opt_.log << "      callback c" << ce[i].slot << " ran, error " << ce[i].error << "\n";
	}
	ce.clear();
	me.clear();
}

// Fences signaled with ktime_get(): their timestamps increase in signal order.
void session::impl::check_ts(size_t idx, const op &o)
{
	for (int f : m_.clock_signals) {
		// Find the core fence: any slot, cb or rcu slot that holds it.
		struct dma_fence *p = nullptr;
		for (int s = 0; s < kFenceSlotSpace && !p; s++)
			if (m_.fslot[s] == f)
				p = w_.fence[s];
		for (int c = 0; c < kCbSlotSpace && !p; c++)
			if (m_.cb_fence[c] == f)
				p = w_.cbs[c].held;
		for (int r = 0; r < kRcuSlots && !p; r++)
			if (m_.rslot[r] == f)
				p = rcu_dereference_protected(w_.rslot[r], true);
		mfence &x = m_.fences[f];
		if (!p || x.dead) {
			// Held only by its module (or gone): nothing can observe it again.
			x.ts_known = true;
			continue;
		}
		int64_t ts = p->timestamp;
		if (ts <= last_clock_ts_)
			diverge(idx, o, "signal timestamps from ktime_get() increase",
				"> " + std::to_string(last_clock_ts_), std::to_string(ts));
		last_clock_ts_ = ts;
		x.ts = ts;
		x.ts_known = true;
	}
	m_.clock_signals.clear();
}

void session::impl::check_state(size_t idx, const op &o)
{
	// Hot path: runs after every op. Strings are only built on divergence.
	auto check_fence = [&](struct dma_fence *p, int f, const char *holder, int index) {
		auto where = [&](const char *what) {
			return std::string(holder) + std::to_string(index) + ": " + what;
		};
		if ((p == nullptr) != (f < 0))
			diverge(idx, o, where("holds a fence"), f < 0 ? "empty" : "a fence",
				p ? "a fence" : "empty");
		if (!p)
			return;
		const mfence &x = m_.fences[f];
		const unsigned long flags = std::atomic_ref<unsigned long>(p->flags).load();
		auto flag = [&](int bit) { return static_cast<long>((flags >> bit) & 1); };
		auto cmp = [&](const char *what, long e, long a) {
			if (unlikely(e != a))
				diverge(idx, o, where(what), std::to_string(e), std::to_string(a));
		};
		cmp("signaled flag", x.signaled, flag(DMA_FENCE_FLAG_SIGNALED_BIT));
		cmp("timestamp flag", x.signaled, flag(DMA_FENCE_FLAG_TIMESTAMP_BIT));
		cmp("enable-signal flag", x.enabled, flag(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT));
		cmp("seqno64 flag", x.seq64, flag(DMA_FENCE_FLAG_SEQNO64_BIT));
		cmp("inline-lock flag", !x.ext, flag(DMA_FENCE_FLAG_INLINE_LOCK_BIT));
		cmp("initialized flag", 1, flag(DMA_FENCE_FLAG_INITIALIZED_BIT));
		cmp("error", x.error, std::atomic_ref<int>(p->error).load());
		cmp("ops attached", x.attached, static_cast<bool>(rcu_access_pointer(p->ops)));
		if (x.context != p->context || x.seqno != p->seqno)
			diverge(idx, o, where("context:seqno"),
				std::to_string(x.context) + ":" + std::to_string(x.seqno),
				std::to_string(p->context) + ":" + std::to_string(p->seqno));
		if (!x.global_stub)
			cmp("refcount", x.refs, kref_read(&p->refcount));
		if (x.signaled && x.ts_known && x.ts != p->timestamp)
			diverge(idx, o, where("timestamp"), std::to_string(x.ts),
				std::to_string(p->timestamp));
		if (x.mod >= 0 && m_.modules[x.mod].kind == MK_DEADLINE)
			cmp("deadline seen by ->set_deadline", x.deadline, fence_module_fence_deadline(p));
	};
	for (int s = 0; s < kFenceSlotSpace; s++)
		check_fence(w_.fence[s], m_.fslot[s], "fence slot f", s);
	for (int c = 0; c < kCbSlotSpace; c++)
		check_fence(w_.cbs[c].held, m_.cb_fence[c], "fence of callback c", c);
	for (int r = 0; r < kRcuSlots; r++)
		check_fence(rcu_dereference_protected(w_.rslot[r], true), m_.rslot[r], "RCU slot s", r);
	for (int s = 0; s < kModuleSlots; s++) {
		if ((w_.mod[s] == nullptr) != (m_.mslot[s] < 0))
			diverge(idx, o, "module slot m" + std::to_string(s) + " loaded",
				std::to_string(m_.mslot[s] >= 0), std::to_string(w_.mod[s] != nullptr));
		if (!w_.mod[s])
			continue;
		const mmodule &mm = m_.modules[m_.mslot[s]];
		auto cmp = [&](const char *what, long e, long a) {
			if (unlikely(e != a))
				diverge(idx, o, "module m" + std::to_string(s) + " (" + mm.name + "): " + what,
					std::to_string(e), std::to_string(a));
		};
		cmp("fences pending", static_cast<long>(mm.pending.size()), fence_module_pending(w_.mod[s]));
		cmp("live pinned fences", mm.live_pinned, fence_module_live_pinned(w_.mod[s]));
		if (mm.hw != fence_module_hw_seqno(w_.mod[s]))
			diverge(idx, o, "module m" + std::to_string(s) + ": hardware seqno",
				std::to_string(mm.hw), std::to_string(fence_module_hw_seqno(w_.mod[s])));
	}
}

void session::impl::teardown()
{
	std::vector<op> ops;
	auto mk = [](op_kind k, uint64_t a0 = 0) {
		op o;
		o.kind = k;
		o.a[0] = a0;
		return o;
	};
	// Only what is in use, so a log's teardown shows what was left over.
	for (int r = 0; r < kRcuSlots; r++)
		if (m_.rslot[r] >= 0)
			ops.push_back(mk(op_kind::clear, r));
	for (int c = 0; c < kCbSlotSpace; c++)
		if (m_.cb_fence[c] >= 0)
			ops.push_back(mk(op_kind::drop_cb, c));
	for (int f = 0; f < kFenceSlotSpace; f++)
		if (m_.fslot[f] >= 0)
			ops.push_back(mk(op_kind::put, f));
	if (m_.sigpending)
		ops.push_back(mk(op_kind::sig_clear));
	for (int m = 0; m < kModuleSlots; m++)
		if (m_.mslot[m] >= 0)
			ops.push_back(mk(op_kind::unload, m));
	for (const op &o : ops) {
		history_.push_back(o);
		step(history_.size() - 1, o, true);
	}

}


session::session(const run_options &opt) : p_(std::make_unique<impl>(opt))
{
	if (opt.log)
		dma_fence_set_trace_sink(trace_to_log, opt.log);
}

session::~session()
{
	if (p_->opt_.log)
		dma_fence_set_trace_sink(nullptr, nullptr);
}

bool session::legal(const op &o) const { return op_legal(p_->m_, o); }

bool session::step(const op &o)
{
	impl &s = *p_;
	s.history_.push_back(o);
	s.n_prog_ = s.history_.size();
	const unsigned long skipped = g_stats.skipped;
	s.step(s.history_.size() - 1, o, false);
	return g_stats.skipped == skipped;
}

void session::finish()
{
	impl &s = *p_;
	if (s.finished_)
		return;
	s.finished_ = true;
	if (s.opt_.log)
		*s.opt_.log << "teardown:\n";
	s.teardown();
	rcu_barrier();
	const size_t end = s.history_.size();
	const op last = s.history_.empty() ? op{} : s.history_.back();
	for (size_t f = 0; f < s.m_.fences.size(); f++)
		if (!s.m_.fences[f].dead && !s.m_.fences[f].global_stub)
			s.diverge(end, last, "model: fence #" + std::to_string(f) + " freed at teardown",
				  "freed", "still referenced (model bug)");
	if (fence_slab_live() != s.slab0_)
		s.diverge(end, last, "kmalloc'd objects after teardown (leak or double free)",
			  std::to_string(s.slab0_), std::to_string(fence_slab_live()));
	if (fence_module_count_loaded() != s.mods0_)
		s.diverge(end, last, "modules loaded after teardown", std::to_string(s.mods0_),
			  std::to_string(fence_module_count_loaded()));
	g_stats.programs++;
}

const model &session::state() const { return p_->m_; }

bool op_legal(const model &m, const op &o) { return kImpl[static_cast<int>(o.kind)].legal(m, o); }

void model_apply(model &m, const op &o, std::string *result)
{
	const impl_fn &im = kImpl[static_cast<int>(o.kind)];
	const bool fail = m.fail_alloc; // armed by a failnext just before
	m.fail_alloc = false;
	m.events.clear();
	m.clock_signals.clear();
	if (!im.legal(m, o)) {
		if (result)
			*result = "skipped";
		return;
	}
	m.fail_alloc = fail;
	const outcome r = im.model(m, o);
	m.fail_alloc = o.kind == op_kind::failnext;
	if (o.kind == op_kind::load) {
		// session::step learns the core's context; a placeholder keeps
		// same_context() right: fresh, non-zero (stubs use 0).
		uint64_t ctx = 0;
		for (const mmodule &x : m.modules)
			ctx = std::max(ctx, x.context);
		m.modules[m.mslot[o.a[0]]].context = ctx + 1;
	}
	if (result)
		*result = show(r);
}


void init_process()
{
	fence_time_set_virtual(true);
	fence_rcu_set_auto_reclaim(false);
	fence::panic_on_warn.store(true);
}

void set_source_name(const std::string &name) { g_source_name = name; }

void run(const program &prog, const run_options &opt)
{
	session s(opt);
	if (opt.log)
		*opt.log << "program" << (opt.source.empty() ? "" : " " + opt.source) << " ("
			 << prog.ops.size() << " ops):\n";
	for (const op &o : prog.ops)
		s.step(o);
	s.finish();
}

const run_stats &stats() noexcept { return g_stats; }

// ---- pieces for the concurrent runner (interp_detail.h) --------------------------

struct session_access {
	static session::impl &get(session &s) { return *s.p_; }
};

namespace detail {

void set_cb_sink(std::vector<cb_record> *sink) noexcept { t_cb_sink = sink; }

result core_op(session &s, const op &o)
{
	outcome r = kImpl[static_cast<int>(o.kind)].core(session_access::get(s).w_, o);
	return {r.value, std::move(r.text)};
}

result model_op(model &m, const op &o)
{
	outcome r = kImpl[static_cast<int>(o.kind)].model(m, o);
	return {r.value, std::move(r.text)};
}

model &session_model(session &s) { return session_access::get(s).m_; }

std::string check_state(session &s, const model &m)
{
	auto &im = session_access::get(s);
	model saved = m;
	std::swap(saved, im.m_);
	const bool thr = im.opt_.throw_on_divergence, fin = im.finished_;
	im.opt_.throw_on_divergence = true;
	std::string err;
	try {
		im.check_state(im.history_.size(), im.history_.empty() ? op{} : im.history_.back());
	} catch (const divergence &d) {
		err = d.what();
	}
	im.opt_.throw_on_divergence = thr;
	im.finished_ = fin;
	std::swap(saved, im.m_);
	return err;
}

struct dma_fence *fence_at(session &s, int slot) { return session_access::get(s).w_.fence[slot]; }
struct fence_module *module_at(session &s, int slot) { return session_access::get(s).w_.mod[slot]; }
bool cb_added(session &s, int slot) { return session_access::get(s).w_.cbs[slot].held != nullptr; }
bool cb_queued(session &s, int slot) { return session_access::get(s).w_.cbs[slot].queued; }

} // namespace detail

} // namespace harness

// SPDX-License-Identifier: MIT
//
// model.cpp - the reference model. See model.h. Each function names the
// kernel rule it restates; nothing here is clever on purpose.
#include "harness/model.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "fence/types.h" // the kernel's errno names
#include "harness/semantics.h"

namespace harness {

namespace {
const char *const kModelNames[] = {"names", "hw", "recycle", "wait", "deadline", "timeline"};

[[noreturn]] void model_bug(const char *what)
{
	fprintf(stderr, "fencefuzz: harness model: illegal state: %s\n", what);
	abort();
}
} // namespace

model::model()
{
	std::fill(std::begin(fslot), std::end(fslot), -1);
	std::fill(std::begin(mslot), std::end(mslot), -1);
	std::fill(std::begin(rslot), std::end(rslot), -1);
	std::fill(std::begin(cb_fence), std::end(cb_fence), -1);
	std::fill(std::begin(cb_pending), std::end(cb_pending), false);
}

// failslab: the first allocation of an op after "failnext" fails.
bool model::alloc()
{
	if (fail_alloc) {
		fail_alloc = false;
		return false;
	}
	return true;
}

int model::new_fence(int mod, bool pinned, bool ext, bool seq64, uint64_t ctx, uint64_t seqno)
{
	mfence f;
	f.mod = mod;
	f.pinned = pinned;
	f.ext = ext;
	f.seq64 = seq64;
	f.context = ctx;
	f.seqno = seqno;
	fences.push_back(f);
	return static_cast<int>(fences.size()) - 1;
}

void model::get(int f)
{
	if (fences[f].dead)
		model_bug("get on a dead fence");
	if (!fences[f].global_stub)
		fences[f].refs++;
}

// dma_fence_put -> dma_fence_release on the last reference.
void model::put(int f)
{
	mfence &x = fences[f];
	if (x.global_stub)
		return;
	if (x.dead || x.refs <= 0)
		model_bug("put on a dead fence");
	if (--x.refs > 0)
		return;
	if (!x.cbs.empty() && !x.signaled)
		model_bug("release with pending callbacks (the harness must hold a reference)");
	x.dead = true;
	if (x.mod >= 0 && x.pinned) { // ->release: the module's
		mmodule &m = modules[x.mod];
		m.live_pinned--;
		if (m.kind == MK_RECYCLE)
			m.cache++;
	}
}

// dma_fence_signal_timestamp_locked: no-op if signaled; else SIGNALED, detach
// unless pinned, timestamp, then callbacks in FIFO order.
void model::signal(int f, bool with_ts, int64_t ts)
{
	mfence &x = fences[f];
	if (x.signaled)
		return;
	x.signaled = true;
	if (!x.pinned && semantics().detach_on_signal)
		x.attached = false;
	x.ts_known = with_ts;
	x.ts = ts;
	if (!with_ts)
		clock_signals.push_back(f);
	std::vector<int> cbs;
	cbs.swap(x.cbs);
	for (int slot : cbs) {
		cb_pending[slot] = false;
		events.push_back({slot, f, x.error});
	}
}

// __dma_fence_enable_signaling: set ENABLE; if unsignaled and first time and
// attached with ->enable_signaling, call it; false from it signals.
void model::enable(int f)
{
	mfence &x = fences[f];
	bool was_set = x.enabled;
	x.enabled = true;
	if (x.signaled)
		return;
	if (!was_set && x.attached && x.mod >= 0 && modules[x.mod].has_enable_signaling()) {
		if (modules[x.mod].hw >= x.seqno)
			signal(f, false, 0);
		else
			x.armed = true;
	}
}

// dma_fence_is_signaled: the flag, or an attached ->signaled that says so.
bool model::poll(int f)
{
	mfence &x = fences[f];
	if (x.signaled)
		return true;
	if (x.attached && x.mod >= 0 && modules[x.mod].has_signaled() &&
	    modules[x.mod].hw >= x.seqno) {
		signal(f, false, 0);
		return true;
	}
	return false;
}

// Would a wait on f return without sleeping forever (single thread)?
bool model::would_complete_now(int f, bool intr) const
{
	const mfence &x = fences[f];
	if (x.signaled || (intr && sigpending))
		return true;
	return !x.enabled && x.attached && x.mod >= 0 && modules[x.mod].has_enable_signaling() &&
	       modules[x.mod].hw >= x.seqno;
}

// dma_fence_add_callback: -ENOENT if signaled (before or by enabling), else queued.
void model::add_cb(int f, int slot, int *ret)
{
	mfence &x = fences[f];
	if (x.signaled) {
		*ret = -ENOENT;
		return;
	}
	enable(f);
	if (x.signaled) {
		*ret = -ENOENT;
		return;
	}
	x.cbs.push_back(slot);
	cb_pending[slot] = true;
	*ret = 0;
}

// dma_fence_remove_callback: true iff still queued.
bool model::remove_cb(int slot)
{
	if (!cb_pending[slot])
		return false;
	auto &cbs = fences[cb_fence[slot]].cbs;
	cbs.erase(std::find(cbs.begin(), cbs.end(), slot));
	cb_pending[slot] = false;
	return true;
}

// With the 7.1 getters a signaled fence reads the detached pair; before
// them the names are the ops' own for the fence's life (the stubs' "stub").
std::string model::driver_name(int f) const
{
	const mfence &x = fences[f];
	if (!semantics().name_getters)
		return x.mod >= 0 ? modules[x.mod].name : "stub";
	if (!x.signaled && x.attached && x.mod >= 0)
		return modules[x.mod].name;
	return "detached-driver";
}

std::string model::timeline_name(int f) const
{
	const mfence &x = fences[f];
	if (x.mod >= 0 && (!semantics().name_getters || (!x.signaled && x.attached)))
		return modules[x.mod].name + "." + kModelNames[modules[x.mod].kind] +
		       (modules[x.mod].so ? ".so" : ".tl");
	if (!semantics().name_getters)
		return "stub";
	return "signaled-timeline";
}

// The module's pending-list scan (module.cpp scan_pending): action 0 = reap
// only, 1 = HW irq, 2 = timeline inc, 3 = force-complete with -ENODEV.
int model::scan(int m, int action, uint64_t now)
{
	std::vector<int> list;
	list.swap(modules[m].pending);
	std::vector<int> kept;
	int n = 0;
	for (int f : list)
		if (scan_one(f, action, now, &n))
			kept.push_back(f);
	kept.insert(kept.end(), modules[m].pending.begin(), modules[m].pending.end());
	modules[m].pending.swap(kept);
	return n;
}

// One fence of a scan: signal it if the action says so (counted in *n), and
// drop the module's reference to it once it is signaled. Return: whether the
// module keeps it pending.
bool model::scan_one(int f, int action, uint64_t now, int *n)
{
	mfence &x = fences[f];
	bool drop = x.signaled;
	if (!drop) {
		bool sig = (action == 1 && x.armed && x.seqno <= now) ||
			   (action == 2 && x.seqno <= now) || action == 3;
		if (sig) {
			if (action == 3 && x.error == 0)
				x.error = -ENODEV;
			signal(f, false, 0);
			(*n)++;
			drop = true;
		}
	}
	if (drop)
		put(f);
	return !drop;
}

void model::reap(int m) { scan(m, 0, 0); }

// fence_module_unload: force-complete, refuse while pinned fences live.
int model::unload(int m)
{
	scan(m, 3, 0);
	if (modules[m].live_pinned > 0)
		return -EBUSY;
	modules[m].loaded = false;
	return 0;
}

} // namespace harness

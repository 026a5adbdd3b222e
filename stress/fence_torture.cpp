// SPDX-License-Identifier: MIT
//
// fence_torture - free-running torture of the fence core, after rcutorture.
//
// Real threads (never the deterministic scheduler, never virtual time) churn
// a shared table of fence slots for a set time:
//
//   churner   loads modules (every simulated driver model, and the real .so
//             modules of core/modules/), issues fences into the slots, fires
//             the simulated hardware (irq / timeline inc), signals some of its
//             own fences and unloads its modules while other threads still
//             hold their fences; -EBUSY (pinned) modules are retried
//   reader    dma_fence_get_rcu_safe() on a slot, then inside the same RCU
//             read-side section reads the names (with random delays, as
//             rcutorture's readers do), status; outside: describe, status,
//             set_deadline, timestamp
//   signaler  signal, signal_timestamp, set_error + signal_locked,
//             check_and_signal, enable_sw_signaling, is_signaled
//   updater   replaces slots (the old fence is put), moves fences between the
//             slots and a private stash, drops stashed references
//   waiter    dma_fence_wait_timeout() and dma_fence_wait_any_timeout() with
//             0-2 jiffies (HZ = 1000: 0-2 ms)
//   callback  adds callbacks to slot fences (holding a reference until the
//             callback ran or was removed) and removes them
//
// Slots are fence::rcu_ptr<dma_fence>, each holding one reference. Writers
// exchange and put; readers take references with dma_fence_get_rcu_safe().
// RCU auto reclaim is on, so frees really race with readers.
//
// The torture keeps every documented contract (it never calls into a module
// after its unload returned 0, never drops the last reference of a fence with
// a callback of its own pending, sets errors only before signaling, under the
// lock), so every report is a core bug.
//
// Oracle, what output means broken:
//  - "VIOLATION <kind>" lines, a non-zero n_violations and "!!! End of test:
//    FAILURE" with exit status 1. Kinds:
//      cb_twice, cb_never, cb_state   a callback ran twice, did not run although
//                                     remove_callback() said it had (or its fence
//                                     signaled after add_callback() = 0), ran on an
//                                     unsignaled fence or before its timestamp, or
//                                     saw a foreign error
//      status                         get_status() outside {0, 1, -ENODEV, -EIO},
//                                     or went back from signaled, or disagreed
//                                     with the SIGNALED bit
//      names                          names of a signaled fence that are not
//                                     "detached-driver"/"signaled-timeline", of an
//                                     unsignaled one that are not its module's
//      describe, deadline, timestamp, wait   those APIs broke their contract (a wait
//                                     on a signaled fence must not time out)
//      fence                          a held fence with refcount 0, uninitialized,
//                                     one get_rcu_safe() returned that was not in its
//                                     slot meanwhile (slot write history),
//                                     or of no known module
//      unload_gp                      the rcutorture-style unload oracle: a reader
//                                     saw a fence of module M unsignaled (or M's
//                                     name strings) inside one read-side section
//                                     and, still inside it, saw M's unload
//                                     completed: the unload's grace period did not
//                                     wait for the reader. Reported with the module,
//                                     the op and the grace-period age
//      unload                         unload refused without a pin, failed, or left
//                                     a fence unsignaled
//      warn                           the core WARNed (counted, not fatal here)
//      leak                           fence memory or modules left after the run
//  - a crash: an access to an unloaded module traps (its image is PROT_NONE,
//    a .so is unmapped) and prints "fencefuzz: access to unloaded module ..."
//    before the sanitizer's (or the default) report; ASan/TSan reports.
// The "Reader Pipe" line counts, for reads that used a module, how many grace
// periods had completed since that module's unload began; the "unloaded" entry
// must be 0 (any other spread is legal: other threads' grace periods).
//
// Usage: fence_torture [--threads N] [--seconds S] [--seed X]
//                      [--mode stress|unload|perf] [--slots N] [--so-dir DIR | --no-so]
//                      [--delays N] [--stop-on-violation]
#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fence/oracle.h"
#include "fence/fence.h"
#include "fence/module.h"
#include "fence/slab.h"

namespace {

// ---- options -----------------------------------------------------------------

enum torture_mode { MODE_STRESS, MODE_UNLOAD, MODE_PERF };
const char *const kModeNames[] = {"stress", "unload", "perf"};

struct options {
	unsigned threads = 8;
	double seconds = 10;
	u64 seed = 0;
	bool seed_given = false;
	torture_mode mode = MODE_STRESS;
	unsigned slots = 0; // 0: the mode's default
	std::string so_names, so_hw;
	bool so = true;
	long delays = -1; // one delay point in N (0: off); -1: the mode's default
	bool stop_on_violation = false;
};
options g_opt;
std::atomic<bool> g_so_enabled{false}; // cleared by a churner if a .so load fails

void usage(FILE *out)
{
	fprintf(out,
		"Usage: fence_torture [options]\n"
		"Free-running torture of the fence core (rcutorture style).\n"
		"  --threads N   worker threads (default 8; roles are dealt round-robin)\n"
		"  --seconds S   run time (default 10; fractions allowed)\n"
		"  --seed X      seed of the per-thread random choices (default: time)\n"
		"  --mode M      stress (all ops), unload (module churn against readers with\n"
		"                long read-side sections), perf (read-side throughput)\n"
		"  --slots N     shared fence slots (default 64; 16 in unload mode)\n"
		"  --so-dir DIR  where fence_mod_names.so and fence_mod_hw.so are\n"
		"                (default: the build tree's core/modules)\n"
		"  --no-so       simulated modules only\n"
		"  --delays N    random delays at about one in N of the core's scheduling\n"
		"                points, to widen race windows (debug builds; default 64\n"
		"                in stress and unload mode, 0 = off in perf mode)\n"
		"  --stop-on-violation  end the run at the first violation (time to detect)\n"
		"  --help        this text\n"
		"Prints the seed first, statistics every 2 s, and a summary; exit status 0\n"
		"if no invariant broke, 1 if any did, 2 on bad usage.\n");
}

// ---- random ------------------------------------------------------------------

struct rng {
	u64 s;
	u64 next() noexcept
	{
		u64 z = (s += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		return z ^ (z >> 31);
	}
	u32 below(u32 n) noexcept { return n ? static_cast<u32>(next() % n) : 0; }
	bool one_in(u32 n) noexcept { return below(n) == 0; }
};

// ---- counters ----------------------------------------------------------------

enum op_id {
	OP_READ, OP_READ_EMPTY, OP_UPDATE, OP_PUT, OP_SIGNAL, OP_SIGNAL_TS, OP_SIGNAL_ERR,
	OP_CHECK_SIGNAL, OP_ENABLE, OP_IS_SIGNALED, OP_STATUS, OP_NAMES, OP_DESCRIBE,
	OP_DEADLINE, OP_TIMESTAMP, OP_WAIT, OP_WAIT_ANY, OP_ADD_CB, OP_ADD_CB_ENOENT,
	OP_REMOVE_CB, OP_CB_RAN, OP_LOAD, OP_LOAD_SO, OP_CREATE, OP_IRQ, OP_INC, OP_UNLOAD,
	OP_UNLOAD_SO, OP_UNLOAD_EBUSY, OP_EVICT, OP_READ_DELAY, OP_COUNT,
};
const char *const kOpNames[OP_COUNT] = {
	"read", "read_empty", "update", "put", "signal", "signal_ts", "signal_err",
	"check_and_signal", "enable_signaling", "is_signaled", "status", "names", "describe",
	"set_deadline", "timestamp", "wait", "wait_any", "add_cb", "add_cb_enoent",
	"remove_cb", "cb_ran", "load", "load_so", "create", "irq", "timeline_inc", "unload",
	"unload_so", "unload_ebusy", "evict", "read_delay",
};

enum fail_id {
	F_CB_TWICE, F_CB_NEVER, F_CB_STATE, F_STATUS, F_NAMES, F_DESCRIBE, F_DEADLINE,
	F_TIMESTAMP, F_WAIT, F_FENCE, F_UNLOAD_GP, F_UNLOAD, F_WARN, F_LEAK, F_COUNT,
};
const char *const kFailNames[F_COUNT] = {
	"cb_twice", "cb_never", "cb_state", "status", "names", "describe", "deadline",
	"timestamp", "wait", "fence", "unload_gp", "unload", "warn", "leak",
};

std::atomic<u64> g_fail[F_COUNT];
std::atomic<u64> g_cb_ran;
constexpr int kPipe = 10; // reader pipe: 0..kPipe-2 grace periods, kPipe-1: more
std::atomic<u64> g_pipe_unloaded; // reads that saw their module's unload completed

void violation(fail_id k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
std::atomic<bool> g_stop_early{false};
std::chrono::steady_clock::time_point g_t0;

void note_failure() noexcept
{
	if (!g_stop_early.exchange(true)) {
		const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - g_t0).count();
		fprintf(stderr, "fence-torture: first violation after %.2f s\n", t);
	}
}

void violation(fail_id k, const char *fmt, ...)
{
	note_failure();
	u64 n = g_fail[k].fetch_add(1, std::memory_order_relaxed);
	if (n >= 5)
		return; // counted; the first few are enough to debug
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "fence-torture: VIOLATION %s: %s\n", kFailNames[k], msg);
	fence_oracle("torture", kFailNames[k]);
}

void on_warn(const char *msg) noexcept
{
	note_failure();
	g_fail[F_WARN].fetch_add(1, std::memory_order_relaxed);
	(void)msg; // the core prints it
}

// ---- module records: what the torture knows about each module it loaded -------

enum { REC_LOADED, REC_UNLOADING, REC_UNLOADED };

struct modrec {
	u64 context;
	enum fence_driver_model model;
	bool so;
	char name[32];
	char driver[64];
	char timeline[96];
	std::atomic<int> state{REC_LOADED};
	std::atomic<unsigned long> gp_unload_begin{0}; // fence_rcu_gp_count() when unload began
	std::atomic<unsigned long> gp_unload_end{0};   // ... when it returned 0
	modrec *next = nullptr;			       // hash chain
	// While loaded: the module, and the torture's module refcount (the kernel's
	// try_module_get()): any thread may issue fences on a module it holds;
	// the owner unloads only once no one does.
	struct fence_module *m = nullptr;
	std::atomic<u64> seqno{0};	// last seqno issued on the module's context
	std::atomic<int> users{0};	// module_get() holders
	std::atomic<bool> going{false}; // unload in progress or done: module_get() fails
	int tab = -1;			// index in g_modtab, owner only
};

constexpr unsigned kRecHash = 1u << 14;
std::atomic<modrec *> g_recs[kRecHash];

void rec_publish(modrec *r)
{
	std::atomic<modrec *> &h = g_recs[r->context & (kRecHash - 1)];
	r->next = h.load(std::memory_order_relaxed);
	// Pairs with the acquire in rec_lookup(): the record is complete when seen.
	while (!h.compare_exchange_weak(r->next, r, std::memory_order_release, std::memory_order_relaxed)) {
	}
}

modrec *rec_lookup(u64 context)
{
	for (modrec *r = g_recs[context & (kRecHash - 1)].load(std::memory_order_acquire); r; r = r->next)
		if (r->context == context)
			return r;
	return nullptr;
}

void rec_free_all()
{
	for (auto &h : g_recs)
		for (modrec *r = h.exchange(nullptr); r;) {
			modrec *n = r->next;
			delete r;
			r = n;
		}
}

// The loaded modules other threads may issue fences on.
constexpr unsigned kModTab = 32;
std::atomic<modrec *> g_modtab[kModTab];

// try_module_get(): seq_cst on both sides (Dekker with the owner's unload):
// either the user sees going, or the owner sees the user.
bool module_get(modrec *r)
{
	r->users.fetch_add(1, std::memory_order_seq_cst);
	if (r->going.load(std::memory_order_seq_cst)) {
		r->users.fetch_sub(1, std::memory_order_release);
		return false;
	}
	return true;
}

void module_put(modrec *r) { r->users.fetch_sub(1, std::memory_order_release); }

// ---- the shared slots ------------------------------------------------------------

std::unique_ptr<fence::rcu_ptr<struct dma_fence>[]> g_slots;
unsigned g_nslots;
std::atomic<bool> g_stop{false};

// A new reference to the fence in slot @i, or NULL.
struct dma_fence *slot_get(unsigned i)
{
	fence::rcu_read_guard g;
	return dma_fence_get_rcu_safe(&g_slots[i]);
}

// Each slot's last writes, so that a reader can tell whether the fence
// dma_fence_get_rcu_safe() handed it was in the slot while it looked (a
// recycled fence reused for another one must not be: the "rcu_safe" check).
constexpr unsigned kHist = 8;
struct slot_hist {
	std::mutex mu;		 // writers of the slot, and readers of last[]
	std::atomic<u64> gen{0}; // bumped by every write, before the store
	struct {
		u64 gen, context, seqno;
		const void *fence;
	} last[kHist] = {};
};
std::unique_ptr<slot_hist[]> g_hist;

// Store @f in slot @i (its reference moves into the slot); return what was there.
struct dma_fence *slot_replace(unsigned i, struct dma_fence *f)
{
	slot_hist &h = g_hist[i];
	std::lock_guard<std::mutex> g(h.mu);
	const u64 gen = h.gen.load(std::memory_order_relaxed) + 1;
	h.last[gen % kHist] = {gen, f ? f->context : 0, f ? f->seqno : 0, f};
	h.gen.store(gen, std::memory_order_release);
	return rcu_replace_pointer(g_slots[i], f, true);
}

// Store @f (its reference moves into the slot); put what was there.
void slot_set(unsigned i, struct dma_fence *f)
{
	dma_fence_put(slot_replace(i, f));
}

// ---- workers ---------------------------------------------------------------------

enum role { R_CHURNER, R_READER, R_SIGNALER, R_UPDATER, R_WAITER, R_CALLBACK, R_COUNT };
const char *const kRoleNames[R_COUNT] = {"churner", "reader", "signaler", "updater", "waiter", "callback"};

struct tcb {
	struct dma_fence_cb cb;
	ktime_t added;
	struct dma_fence *fence; // a reference, held until the callback ran or was removed
	std::atomic<int> runs{0};
};

struct owned_mod {
	struct fence_module *m;
	modrec *rec;
	bool dying; // unload said -EBUSY: no new fences, retry
	std::vector<struct dma_fence *> own; // fences the churner keeps to signal itself
};

struct alignas(64) worker {
	unsigned id = 0;
	role r = R_READER;
	rng rnd{0};
	std::atomic<u64> ops[OP_COUNT] = {};
	std::atomic<u64> pipe[kPipe] = {};
	std::vector<struct dma_fence *> stash; // updater: references held privately
	std::vector<tcb *> cbs;		      // callback: pending callbacks
	std::vector<owned_mod> mods;	      // churner: loaded modules
	unsigned n_loads = 0;
	std::thread th;

	// Single writer: a relaxed load + store is enough, and cheaper than an RMW.
	void bump(op_id k, u64 n = 1) noexcept
	{
		ops[k].store(ops[k].load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
	}
};

std::vector<std::unique_ptr<worker>> g_workers;

void spin_ns(u64 ns)
{
	const ktime_t end = ktime_get() + static_cast<ktime_t>(ns);
	while (ktime_get() < end)
		cpu_relax();
}

// A delay inside a read-side section, as rcutorture_read_delay() does: it
// widens the windows in which an unload or a free can overlap the reader.
void read_delay(worker &w)
{
	switch (g_opt.mode) {
	case MODE_PERF:
		return;
	case MODE_STRESS:
		if (w.rnd.one_in(64)) {
			spin_ns(w.rnd.below(10000));
			w.bump(OP_READ_DELAY);
		} else if (w.rnd.one_in(8192)) {
			usleep(100 + w.rnd.below(200));
			w.bump(OP_READ_DELAY);
		}
		return;
	case MODE_UNLOAD:
		if (w.rnd.one_in(16)) {
			spin_ns(w.rnd.below(20000));
			w.bump(OP_READ_DELAY);
		} else if (w.rnd.one_in(1024)) {
			usleep(100 + w.rnd.below(300));
			w.bump(OP_READ_DELAY);
		}
		return;
	}
}

const char kDetachedDriver[] = "detached-driver";
const char kSignaledTimeline[] = "signaled-timeline";

// Checks every held fence must pass. Return: its module record (or NULL).
modrec *check_fence(struct dma_fence *f, const char *op)
{
	if (kref_read(&f->refcount) == 0)
		violation(F_FENCE, "%s: held fence %p has refcount 0 (underflow)", op, static_cast<void *>(f));
	if (!dma_fence_was_initialized(f))
		violation(F_FENCE, "%s: held fence %p is not initialized", op, static_cast<void *>(f));
	modrec *r = rec_lookup(f->context);
	if (!r)
		violation(F_FENCE, "%s: fence %" PRIu64 ":%" PRIu64 " of no module the torture loaded", op,
			  f->context, f->seqno);
	return r;
}

bool valid_status(int s) { return s == 0 || s == 1 || s == -ENODEV || s == -EIO; }

void check_status(worker &w, struct dma_fence *f, modrec *r)
{
	const bool sig0 = dma_fence_test_signaled_flag(f);
	const int s1 = dma_fence_get_status(f);
	const int s2 = dma_fence_get_status(f);
	w.bump(OP_STATUS, 2);
	const char *name = r ? r->name : "?";
	if (!valid_status(s1) || !valid_status(s2))
		violation(F_STATUS, "fence %" PRIu64 ":%" PRIu64 " of '%s': status %d then %d", f->context,
			  f->seqno, name, s1, s2);
	if (sig0 && s1 == 0)
		violation(F_STATUS, "fence %" PRIu64 ":%" PRIu64 " of '%s': SIGNALED set but status 0",
			  f->context, f->seqno, name);
	if (s1 != 0 && s2 != s1)
		violation(F_STATUS, "fence %" PRIu64 ":%" PRIu64 " of '%s': status went from %d to %d",
			  f->context, f->seqno, name, s1, s2);
	if (s1 != 0 && !dma_fence_test_signaled_flag(f))
		violation(F_STATUS, "fence %" PRIu64 ":%" PRIu64 " of '%s': status %d but SIGNALED clear",
			  f->context, f->seqno, name, s1);
}

// The unload oracle. Called inside the read-side section in which the reader
// used module @r (saw one of its fences unsignaled, or read its strings).
void unload_oracle(worker &w, modrec *r, struct dma_fence *f, const char *op)
{
	const int st = r->state.load(std::memory_order_acquire);
	const unsigned long gp = fence_rcu_gp_count();
	if (st == REC_UNLOADED) {
		g_pipe_unloaded.fetch_add(1, std::memory_order_relaxed);
		violation(F_UNLOAD_GP,
			  "%s on fence %" PRIu64 ":%" PRIu64 " used module '%s' (%s%s) in a read-side "
			  "section that outlived the module's unload: %lu grace periods since the "
			  "unload began, %lu since it returned",
			  op, f->context, f->seqno, r->name, r->so ? "so:" : "",
			  fence_driver_model_name(r->model),
			  gp - r->gp_unload_begin.load(std::memory_order_relaxed),
			  gp - r->gp_unload_end.load(std::memory_order_relaxed));
		return;
	}
	unsigned long age = 0;
	if (st == REC_UNLOADING)
		age = gp - r->gp_unload_begin.load(std::memory_order_relaxed);
	w.pipe[age < kPipe - 1 ? age : kPipe - 1].fetch_add(1, std::memory_order_relaxed);
}

// The fence get_rcu_safe() returned for slot @i, whose write generation was
// @g1 before the call, must be one the slot held meanwhile: the value before
// write g1 or one written since (when no more than kHist writes went by).
void check_slot_history(unsigned i, u64 g1, struct dma_fence *f)
{
	slot_hist &h = g_hist[i];
	// Under the lock: no write can overwrite last[] while we look, and g2
	// counts every write so far (a superset of those during the call).
	std::lock_guard<std::mutex> g(h.mu);
	const u64 g2 = h.gen.load(std::memory_order_relaxed);
	if (g2 - g1 + 2 > kHist)
		return; // the history has moved on
	for (const auto &e : h.last)
		if (e.gen + 1 >= g1 && e.gen <= g2 && e.fence == f && e.context == f->context &&
		    e.seqno == f->seqno)
			return;
	violation(F_FENCE, "get_rcu_safe(slot %u) returned fence %" PRIu64 ":%" PRIu64 " (%p), which "
		  "was not in the slot while the reader looked (writes %" PRIu64 "..%" PRIu64 ")",
		  i, f->context, f->seqno, static_cast<void *>(f), g1, g2);
}

void reader_op(worker &w)
{
	const unsigned i = w.rnd.below(g_nslots);
	const u64 g1 = g_hist[i].gen.load(std::memory_order_acquire);
	rcu_read_lock();
	struct dma_fence *f = dma_fence_get_rcu_safe(&g_slots[i]);
	if (!f) {
		rcu_read_unlock();
		w.bump(OP_READ_EMPTY);
		return;
	}
	w.bump(OP_READ);
	modrec *r = check_fence(f, "get_rcu_safe");
	if (g_opt.mode != MODE_PERF)
		check_slot_history(i, g1, f);

	// Names, inside the section in which they are valid.
	const bool sig0 = dma_fence_test_signaled_flag(f);
	const char *d = dma_fence_driver_name(f);
	const char *t = dma_fence_timeline_name(f);
	w.bump(OP_NAMES);
	read_delay(w);
	const bool d_det = !strcmp(d, kDetachedDriver), t_det = !strcmp(t, kSignaledTimeline);
	const bool d_mod = r && !strcmp(d, r->driver), t_mod = r && !strcmp(t, r->timeline);
	if (g_opt.mode != MODE_PERF) {
		if (sig0 && !(d_det && t_det))
			violation(F_NAMES, "signaled fence %" PRIu64 ":%" PRIu64 " of '%s' reads '%.64s' / '%.64s'",
				  f->context, f->seqno, r ? r->name : "?", d, t);
		if (!(d_det || d_mod) || !(t_det || t_mod))
			violation(F_NAMES, "fence %" PRIu64 ":%" PRIu64 " of '%s' reads '%.64s' / '%.64s', "
				  "expected '%s' / '%s' or the detached names",
				  f->context, f->seqno, r ? r->name : "?", d, t, r ? r->driver : "?",
				  r ? r->timeline : "?");
		if (d_det && !t_det)
			violation(F_NAMES, "fence %" PRIu64 ":%" PRIu64 ": driver name detached but timeline "
				  "name '%.64s' not (signaled went back?)", f->context, f->seqno, t);
		if ((d_det || t_det) && !dma_fence_test_signaled_flag(f))
			violation(F_NAMES, "unsignaled fence %" PRIu64 ":%" PRIu64 " of '%s' reads detached names",
				  f->context, f->seqno, r ? r->name : "?");
	}
	// Status inside the section too: for HW fences this calls ->signaled.
	if (g_opt.mode != MODE_PERF && w.rnd.one_in(4))
		check_status(w, f, r);
	if (r && (!sig0 || d_mod || t_mod))
		unload_oracle(w, r, f, d_mod ? "get_driver_name" : (!sig0 ? "get_rcu_safe" : "get_timeline_name"));
	rcu_read_unlock();

	if (g_opt.mode != MODE_PERF) {
		switch (w.rnd.below(5)) {
		case 0:
			check_status(w, f, r);
			break;
		case 1: {
			std::string s = dma_fence_describe(f);
			w.bump(OP_DESCRIBE);
			unsigned long long c = 0, q = 0;
			int n = 0;
			if (sscanf(s.c_str(), "%llu:%llu %n", &c, &q, &n) != 2 || c != f->context || q != f->seqno) {
				violation(F_DESCRIBE, "fence %" PRIu64 ":%" PRIu64 " described as '%.100s'",
					  f->context, f->seqno, s.c_str());
				break;
			}
			std::string rest = s.substr(static_cast<size_t>(n));
			if (rest == "signalled\n")
				break;
			char tl[128], dr[128];
			if (sscanf(rest.c_str(), "%127s %127s unsignalled", tl, dr) != 2 ||
			    (strcmp(tl, kSignaledTimeline) && (!r || strcmp(tl, r->timeline))) ||
			    (strcmp(dr, kDetachedDriver) && (!r || strcmp(dr, r->driver))))
				violation(F_DESCRIBE, "fence %" PRIu64 ":%" PRIu64 " of '%s' described as '%.100s'",
					  f->context, f->seqno, r ? r->name : "?", s.c_str());
			break;
		}
		case 2: {
			const ktime_t t_dl = ktime_get() + w.rnd.below(1000000);
			dma_fence_set_deadline(f, t_dl);
			w.bump(OP_DEADLINE);
			if (r && !r->so && r->model == FENCE_MODEL_DEADLINE && !dma_fence_test_signaled_flag(f)) {
				const ktime_t dl = fence_module_fence_deadline(f);
				if (dl == 0 || dl > t_dl)
					violation(F_DEADLINE, "unsignaled fence %" PRIu64 ":%" PRIu64 " of '%s': "
						  "deadline %" PRId64 " after set_deadline(%" PRId64 ")",
						  f->context, f->seqno, r->name, dl, t_dl);
			}
			break;
		}
		case 3:
			if (dma_fence_test_signaled_flag(f)) {
				const ktime_t ts = dma_fence_timestamp(f);
				w.bump(OP_TIMESTAMP);
				if (ts <= 0 || ts > ktime_get())
					violation(F_TIMESTAMP, "fence %" PRIu64 ":%" PRIu64 ": timestamp %" PRId64,
						  f->context, f->seqno, ts);
			}
			break;
		default:
			if (dma_fence_is_signaled(f) && !dma_fence_test_signaled_flag(f))
				violation(F_STATUS, "is_signaled() true but SIGNALED clear");
			w.bump(OP_IS_SIGNALED);
			break;
		}
	}
	dma_fence_put(f);
}

void issue_fences(worker &w, modrec *r, u32 n, std::vector<struct dma_fence *> *keep = nullptr);
void fire_hw(worker &w, modrec *r);

void signaler_op(worker &w)
{
	if (w.rnd.one_in(16)) { // an interrupt, on some loaded module held with module_get()
		modrec *r = g_modtab[w.rnd.below(kModTab)].load(std::memory_order_acquire);
		if (r && module_get(r)) {
			fire_hw(w, r);
			module_put(r);
		}
		return;
	}
	struct dma_fence *f = slot_get(w.rnd.below(g_nslots));
	if (!f) {
		w.bump(OP_READ_EMPTY);
		return;
	}
	modrec *r = check_fence(f, "signaler");
	bool signaled = false;
	switch (w.rnd.below(16)) {
	case 0:
		dma_fence_signal(f);
		w.bump(OP_SIGNAL);
		signaled = true;
		break;
	case 1:
		dma_fence_signal_timestamp(f, ktime_get());
		w.bump(OP_SIGNAL_TS);
		signaled = true;
		break;
	case 2: {
		// An error is set before signaling, under the fence lock.
		unsigned long flags;
		dma_fence_lock_irqsave(f, flags);
		if (!dma_fence_test_signaled_flag(f)) {
			dma_fence_set_error(f, -EIO);
			dma_fence_signal_locked(f);
		}
		dma_fence_unlock_irqrestore(f, flags);
		w.bump(OP_SIGNAL_ERR);
		signaled = true;
		break;
	}
	case 3:
		(void)dma_fence_check_and_signal(f);
		w.bump(OP_CHECK_SIGNAL);
		signaled = true;
		break;
	case 4:
	case 5:
	case 6:
	case 7:
		dma_fence_enable_sw_signaling(f);
		w.bump(OP_ENABLE);
		break;
	default:
		if (dma_fence_is_signaled(f) && !dma_fence_test_signaled_flag(f))
			violation(F_STATUS, "is_signaled() true but SIGNALED clear");
		w.bump(OP_IS_SIGNALED);
		break;
	}
	if (signaled) {
		if (!dma_fence_test_signaled_flag(f))
			violation(F_STATUS, "fence %" PRIu64 ":%" PRIu64 " of '%s' unsignaled after a signal",
				  f->context, f->seqno, r ? r->name : "?");
		const int s = dma_fence_get_status(f);
		w.bump(OP_STATUS);
		if (s == 0 || !valid_status(s))
			violation(F_STATUS, "fence %" PRIu64 ":%" PRIu64 " of '%s': status %d after a signal",
				  f->context, f->seqno, r ? r->name : "?", s);
	}
	dma_fence_put(f);
}

void updater_op(worker &w)
{
	const unsigned i = w.rnd.below(g_nslots);
	switch (w.rnd.below(10)) {
	case 8:
	case 9:
	case 0: { // issue fences on some loaded module (holding a module reference)
		modrec *r = g_modtab[w.rnd.below(kModTab)].load(std::memory_order_acquire);
		if (r && module_get(r)) {
			issue_fences(w, r, 1 + w.rnd.below(3));
			module_put(r);
		}
		break;
	}
	case 6: // empty a slot (1 in 32)
		if (w.rnd.one_in(4)) {
			slot_set(i, nullptr);
			w.bump(OP_UPDATE);
		}
		break;
	case 1: // take a slot's fence (and its reference) into the stash
		if (w.stash.size() < 4) {
			if (struct dma_fence *f = slot_replace(i, nullptr)) {
				check_fence(f, "updater");
				w.stash.push_back(f);
			}
			w.bump(OP_UPDATE);
		}
		break;
	case 2: // put a stashed fence into a slot
		if (!w.stash.empty()) {
			const unsigned k = w.rnd.below(static_cast<u32>(w.stash.size()));
			struct dma_fence *f = w.stash[k];
			w.stash.erase(w.stash.begin() + k);
			slot_set(i, f);
			w.bump(OP_UPDATE);
		}
		break;
	case 3: // copy a slot into another (two references)
		if (struct dma_fence *f = slot_get(i)) {
			slot_set(w.rnd.below(g_nslots), f);
			w.bump(OP_UPDATE);
		}
		break;
	case 4: // keep a private reference
		if (w.stash.size() < 8) {
			if (struct dma_fence *f = slot_get(i)) {
				check_fence(f, "updater");
				w.stash.push_back(f);
			}
		}
		break;
	case 7: // drop a private reference
		if (!w.stash.empty()) {
			const unsigned k = w.rnd.below(static_cast<u32>(w.stash.size()));
			dma_fence_put(w.stash[k]);
			w.stash.erase(w.stash.begin() + k);
			w.bump(OP_PUT);
		}
		break;
	}
}

void waiter_op(worker &w)
{
	const bool intr = w.rnd.one_in(2);
	const long timeout = w.rnd.below(3); // jiffies: 0, 1 or 2 ms
	if (w.rnd.one_in(4)) {
		struct dma_fence *fs[3];
		u32 n = 0;
		for (u32 k = 2 + w.rnd.below(2); k; k--)
			if (struct dma_fence *f = slot_get(w.rnd.below(g_nslots)))
				fs[n++] = f;
		if (n) {
			u32 idx = UINT32_MAX;
			const long ret = dma_fence_wait_any_timeout(fs, n, intr, timeout, &idx);
			w.bump(OP_WAIT_ANY);
			if (ret < 0 || (ret > 0 && (idx >= n || !dma_fence_test_signaled_flag(fs[idx]))))
				violation(F_WAIT, "wait_any_timeout(%u fences, %ld) = %ld, idx %u", n, timeout, ret, idx);
			for (u32 k = 0; k < n; k++)
				dma_fence_put(fs[k]);
		}
		return;
	}
	struct dma_fence *f = slot_get(w.rnd.below(g_nslots));
	if (!f) {
		w.bump(OP_READ_EMPTY);
		return;
	}
	modrec *r = check_fence(f, "waiter");
	const bool was_signaled = dma_fence_test_signaled_flag(f);
	const long ret = dma_fence_wait_timeout(f, intr, timeout);
	w.bump(OP_WAIT);
	if (ret < 0 || (ret > 0 && !dma_fence_test_signaled_flag(f)) || (ret > timeout && ret != 1) ||
	    (was_signaled && ret == 0))
		violation(F_WAIT, "wait_timeout(fence %" PRIu64 ":%" PRIu64 " of '%s', %s, %ld) = %ld, signaled %d",
			  f->context, f->seqno, r ? r->name : "?", intr ? "intr" : "nointr", timeout, ret,
			  dma_fence_test_signaled_flag(f));
	dma_fence_put(f);
}

// Runs from the signaling thread, under the fence lock.
void torture_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	tcb *t = container_of(cb, tcb, cb);
	if (f != t->fence)
		violation(F_CB_STATE, "callback for fence %p called with fence %p",
			  static_cast<void *>(t->fence), static_cast<void *>(f));
	if (!dma_fence_test_signaled_flag(f))
		violation(F_CB_STATE, "callback ran on unsignaled fence %" PRIu64 ":%" PRIu64, f->context, f->seqno);
	else if (!test_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &f->flags))
		violation(F_CB_STATE, "callback on fence %" PRIu64 ":%" PRIu64 " ran before its timestamp was set",
			  f->context, f->seqno);
	const int err = std::atomic_ref<int>(f->error).load(std::memory_order_relaxed);
	if (err != 0 && err != -ENODEV && err != -EIO)
		violation(F_CB_STATE, "callback on fence %" PRIu64 ":%" PRIu64 " sees error %d", f->context,
			  f->seqno, err);
	g_cb_ran.fetch_add(1, std::memory_order_relaxed);
	// Last access to *t: the owner frees it after remove_callback() under the lock.
	if (t->runs.fetch_add(1, std::memory_order_acq_rel) != 0)
		violation(F_CB_TWICE, "callback on fence %" PRIu64 ":%" PRIu64 " ran twice", f->context, f->seqno);
}

// Remove (or confirm) callback @k, check it, drop its reference.
void cb_resolve(worker &w, size_t k)
{
	tcb *t = w.cbs[k];
	w.cbs.erase(w.cbs.begin() + static_cast<long>(k));
	const bool removed = dma_fence_remove_callback(t->fence, &t->cb);
	w.bump(OP_REMOVE_CB);
	const int runs = t->runs.load(std::memory_order_acquire);
	if (removed && runs != 0)
		violation(F_CB_TWICE, "callback removed from fence %" PRIu64 ":%" PRIu64 " after it ran",
			  t->fence->context, t->fence->seqno);
	if (!removed && runs != 1)
		violation(F_CB_NEVER, "remove_callback() on fence %" PRIu64 ":%" PRIu64 " says it ran; "
			  "it ran %d times (signaled %d)", t->fence->context, t->fence->seqno, runs,
			  dma_fence_test_signaled_flag(t->fence));
	dma_fence_put(t->fence); // no callback of ours is pending on it any more
	delete t;
}

void callback_op(worker &w)
{
	// Callbacks stay about 10 ms, so that most get signaled and run:
	// the oldest is resolved once it is old enough (or the list is full), and
	// now and then a random one, likely still pending.
	const ktime_t now = ktime_get();
	if (!w.cbs.empty() && now - w.cbs.front()->added > 10 * NSEC_PER_MSEC) {
		cb_resolve(w, 0);
		return;
	}
	if (w.cbs.size() >= 256) {
		usleep(100);
		return;
	}
	if (!w.cbs.empty() && w.rnd.one_in(16)) {
		cb_resolve(w, w.rnd.below(static_cast<u32>(w.cbs.size())));
		return;
	}
	struct dma_fence *f = slot_get(w.rnd.below(g_nslots));
	if (!f) {
		w.bump(OP_READ_EMPTY);
		return;
	}
	// Mostly on fences that can still signal; some late adds for -ENOENT.
	if (dma_fence_test_signaled_flag(f) && !w.rnd.one_in(8)) {
		dma_fence_put(f);
		return;
	}
	check_fence(f, "add_callback");
	tcb *t = new tcb;
	t->added = now;
	t->fence = f; // our reference: held while the callback may still run
	const int ret = dma_fence_add_callback(f, &t->cb, torture_cb);
	w.bump(OP_ADD_CB);
	if (ret == 0) {
		// Under the fence lock a signal has run every queued callback: a
		// signaled fence with ours still not run lost it.
		unsigned long flags;
		dma_fence_lock_irqsave(f, flags);
		const bool lost = dma_fence_test_signaled_flag(f) &&
				  t->runs.load(std::memory_order_acquire) == 0;
		dma_fence_unlock_irqrestore(f, flags);
		if (lost)
			violation(F_CB_NEVER, "add_callback(fence %" PRIu64 ":%" PRIu64 ") = 0, the fence is "
				  "signaled and the callback never ran", f->context, f->seqno);
		w.cbs.push_back(t);
		return;
	}
	w.bump(OP_ADD_CB_ENOENT);
	if (ret != -ENOENT || !dma_fence_test_signaled_flag(f))
		violation(F_CB_STATE, "add_callback(fence %" PRIu64 ":%" PRIu64 ") = %d, signaled %d",
			  f->context, f->seqno, ret, dma_fence_test_signaled_flag(f));
	if (t->runs.load(std::memory_order_acquire) != 0)
		violation(F_CB_STATE, "add_callback() = %d but the callback ran", ret);
	dma_fence_put(f);
	delete t;
}

// ---- the churner ---------------------------------------------------------------------

std::mutex g_leftover_lock;
std::vector<owned_mod> g_leftover; // churners' modules at the end; main unloads them

bool model_pinned(enum fence_driver_model m) { return m == FENCE_MODEL_RECYCLE || m == FENCE_MODEL_WAIT; }

void churner_load(worker &w)
{
	auto *r = new modrec;
	const bool so = g_so_enabled.load(std::memory_order_relaxed) && w.rnd.below(g_opt.mode == MODE_UNLOAD ? 2 : 4) == 0 && g_opt.mode != MODE_PERF;
	snprintf(r->name, sizeof(r->name), "t%um%u", w.id, w.n_loads++);
	struct fence_module *m = nullptr;
	int ret;
	if (so) {
		const bool hw = w.rnd.one_in(2);
		ret = fence_module_load_so(r->name, hw ? g_opt.so_hw.c_str() : g_opt.so_names.c_str(), &m);
		w.bump(OP_LOAD_SO);
	} else {
		enum fence_driver_model model;
		if (g_opt.mode == MODE_PERF) {
			model = FENCE_MODEL_NAMES;
		} else {
			do
				model = static_cast<enum fence_driver_model>(w.rnd.below(FENCE_MODEL_COUNT));
			while (g_opt.mode == MODE_UNLOAD && model_pinned(model) && !w.rnd.one_in(8));
		}
		ret = fence_module_load(r->name, model, &m);
		w.bump(OP_LOAD);
	}
	if (ret) {
		violation(F_UNLOAD, "loading module '%s'%s failed: %d", r->name, so ? " (.so)" : "", ret);
		delete r;
		if (so)
			g_so_enabled.store(false); // do not retry forever
		return;
	}
	r->context = fence_module_context(m);
	r->model = fence_module_model(m);
	r->so = so;
	snprintf(r->driver, sizeof(r->driver), "%s", r->name);
	snprintf(r->timeline, sizeof(r->timeline), "%s.%s.%s", r->name, fence_driver_model_name(r->model),
		 so ? "so" : "tl");
	r->m = m;
	rec_publish(r); // before any fence of the module exists
	for (unsigned k = 0; k < kModTab; k++) {
		modrec *expected = nullptr;
		if (g_modtab[k].compare_exchange_strong(expected, r, std::memory_order_release)) {
			r->tab = static_cast<int>(k);
			break;
		}
	}
	w.mods.push_back(owned_mod{m, r, false, {}});
}

// Issue @n fences on module @r (owned, or held with module_get()) into the
// slots; with @keep, some references are kept there too.
void issue_fences(worker &w, modrec *r, u32 n, std::vector<struct dma_fence *> *keep)
{
	for (; n; n--) {
		unsigned flags = 0;
		if (w.rnd.one_in(8))
			flags |= FENCE_CREATE_SEQNO64;
		if (g_opt.mode == MODE_STRESS && w.rnd.one_in(32))
			flags |= FENCE_CREATE_EXTERN_LOCK;
		struct dma_fence *f = fence_module_create_fence(r->m, r->seqno.fetch_add(1) + 1, flags);
		w.bump(OP_CREATE);
		if (!f) {
			violation(F_UNLOAD, "create_fence on '%s' failed", r->name);
			return;
		}
		if (keep && keep->size() < 4 && w.rnd.one_in(4))
			keep->push_back(dma_fence_get(f));
		// Preferably into an empty slot (a few probes), else replace one.
		unsigned i = w.rnd.below(g_nslots);
		for (int probe = 0; probe < 4 && rcu_access_pointer(g_slots[i]); probe++)
			i = w.rnd.below(g_nslots);
		slot_set(i, f);
		w.bump(OP_UPDATE);
	}
}

// The simulated hardware of module @r (owned, or held with module_get()).
void fire_hw(worker &w, modrec *r)
{
	if (r->model == FENCE_MODEL_HW) {
		const u64 seq = r->seqno.load(), back = w.rnd.below(3);
		(void)fence_module_irq(r->m, seq > back ? seq - back : 0);
		w.bump(OP_IRQ);
	} else if (r->model == FENCE_MODEL_TIMELINE) {
		(void)fence_module_timeline_inc(r->m, 1 + w.rnd.below(2));
		w.bump(OP_INC);
	}
}

// Evict the module's fences from the slots, so that its pins go away.
void churner_evict(worker &w, const owned_mod &om)
{
	for (unsigned i = 0; i < g_nslots; i++) {
		struct dma_fence *f = slot_get(i);
		if (!f)
			continue;
		const bool ours = f->context == om.rec->context;
		dma_fence_put(f);
		if (ours) {
			slot_set(i, nullptr);
			w.bump(OP_EVICT);
		}
	}
}

// Return: true if the module is gone.
bool churner_unload(worker &w, owned_mod &om)
{
	modrec *r = om.rec;
	// The churner signals some of its own fences first (issue, signal, detach).
	for (struct dma_fence *f : om.own)
		if (w.rnd.one_in(2)) {
			dma_fence_signal(f);
			w.bump(OP_SIGNAL);
		}
	// No one may call into the module while (or after) it unloads.
	r->going.store(true, std::memory_order_seq_cst);
	while (r->users.load(std::memory_order_seq_cst) != 0)
		std::this_thread::yield();
	r->gp_unload_begin.store(fence_rcu_gp_count(), std::memory_order_relaxed);
	r->state.store(REC_UNLOADING, std::memory_order_release);
	const int ret = fence_module_unload(om.m);
	if (ret == -EBUSY) {
		// Pinned: the module stays loaded but issues nothing new (going stays
		// set), and its fences are evicted so that the pins go away.
		r->state.store(REC_LOADED, std::memory_order_release);
		w.bump(OP_UNLOAD_EBUSY);
		if (!om.dying || w.rnd.one_in(8))
			churner_evict(w, om);
		om.dying = true;
		// Our own references pin it too: they go now (the fences are signaled).
		for (struct dma_fence *f : om.own)
			dma_fence_put(f);
		om.own.clear();
		return false;
	}
	if (ret != 0) {
		r->state.store(REC_LOADED, std::memory_order_release);
		r->going.store(false, std::memory_order_seq_cst);
		violation(F_UNLOAD, "unload of '%s' returned %d", r->name, ret);
		return false;
	}
	if (r->tab >= 0)
		g_modtab[r->tab].store(nullptr, std::memory_order_release);
	// Pairs with the acquire in unload_oracle(): a reader that sees UNLOADED
	// while still in a section that used the module has outlived the unload.
	r->gp_unload_end.store(fence_rcu_gp_count(), std::memory_order_relaxed);
	r->state.store(REC_UNLOADED, std::memory_order_release);
	w.bump(r->so ? OP_UNLOAD_SO : OP_UNLOAD);
	// Our fences outlive the module: all signaled, detached names, status.
	for (struct dma_fence *f : om.own) {
		if (!dma_fence_test_signaled_flag(f))
			violation(F_UNLOAD, "unload of '%s' returned 0 with fence %" PRIu64 ":%" PRIu64 " unsignaled",
				  r->name, f->context, f->seqno);
		{
			fence::rcu_read_guard g;
			if (strcmp(dma_fence_driver_name(f), kDetachedDriver) ||
			    strcmp(dma_fence_timeline_name(f), kSignaledTimeline))
				violation(F_NAMES, "fence %" PRIu64 ":%" PRIu64 " of unloaded '%s' is not detached",
					  f->context, f->seqno, r->name);
		}
		const int s = dma_fence_get_status(f);
		if (s != 1 && s != -EIO && s != -ENODEV)
			violation(F_STATUS, "fence %" PRIu64 ":%" PRIu64 " of unloaded '%s': status %d",
				  f->context, f->seqno, r->name, s);
		dma_fence_put(f);
	}
	om.own.clear();
	return true;
}

void churner_op(worker &w)
{
	const size_t max_mods = g_opt.mode == MODE_PERF ? 1 : 3;
	if (w.mods.empty() || (w.mods.size() < max_mods && w.rnd.one_in(4))) {
		churner_load(w);
		return;
	}
	const size_t k = w.rnd.below(static_cast<u32>(w.mods.size()));
	owned_mod &om = w.mods[k];
	if (om.dying) {
		// Let the other threads drop their references first.
		usleep(50 + w.rnd.below(200));
		if (churner_unload(w, om))
			w.mods.erase(w.mods.begin() + static_cast<long>(k));
		return;
	}
	const u32 unload_odds = g_opt.mode == MODE_PERF ? 2000 : g_opt.mode == MODE_UNLOAD ? 6 : 16;
	if (w.rnd.one_in(unload_odds)) {
		if (churner_unload(w, om))
			w.mods.erase(w.mods.begin() + static_cast<long>(k));
		return;
	}
	switch (w.rnd.below(8)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4: // issue fences into the slots, keep some to signal
		issue_fences(w, om.rec, 1 + w.rnd.below(6), &om.own);
		break;
	case 5: // the simulated hardware
		fire_hw(w, om.rec);
		break;
	default: // signal one of its own fences
		if (!om.own.empty()) {
			const unsigned j = w.rnd.below(static_cast<u32>(om.own.size()));
			dma_fence_signal(om.own[j]);
			w.bump(OP_SIGNAL);
			if (w.rnd.one_in(2)) {
				dma_fence_put(om.own[j]);
				om.own.erase(om.own.begin() + j);
			}
		}
		break;
	}
}

// ---- thread bodies ---------------------------------------------------------------------

void worker_main(worker *wp)
{
	worker &w = *wp;
	while (!g_stop.load(std::memory_order_relaxed)) {
		switch (w.r) {
		case R_CHURNER: churner_op(w); break;
		case R_READER: reader_op(w); break;
		case R_SIGNALER: signaler_op(w); break;
		case R_UPDATER: updater_op(w); break;
		case R_WAITER: waiter_op(w); break;
		case R_CALLBACK: callback_op(w); break;
		case R_COUNT: break;
		}
	}
	// Clean up what this thread holds; modules go to main, which unloads them
	// once every slot is empty.
	for (struct dma_fence *f : w.stash)
		dma_fence_put(f);
	w.stash.clear();
	while (!w.cbs.empty())
		cb_resolve(w, w.cbs.size() - 1);
	std::lock_guard<std::mutex> g(g_leftover_lock);
	for (owned_mod &om : w.mods)
		g_leftover.push_back(std::move(om));
	w.mods.clear();
}

// The roles dealt round-robin to the threads, per mode.
std::vector<role> role_plan(unsigned n)
{
	static const role stress[] = {R_CHURNER, R_READER,  R_SIGNALER, R_UPDATER,
				      R_WAITER,	 R_CALLBACK, R_READER,	 R_READER};
	static const role unload[] = {R_CHURNER, R_READER, R_READER, R_CHURNER,
				      R_SIGNALER, R_READER, R_WAITER, R_UPDATER};
	static const role perf[] = {R_CHURNER, R_READER, R_READER, R_READER,
				    R_READER,  R_READER, R_READER, R_UPDATER};
	const role *plan = g_opt.mode == MODE_STRESS ? stress : g_opt.mode == MODE_UNLOAD ? unload : perf;
	std::vector<role> roles;
	for (unsigned i = 0; i < n; i++)
		roles.push_back(plan[i % 8]);
	return roles;
}

u64 sum_op(op_id k)
{
	u64 n = 0;
	for (auto &w : g_workers)
		n += w->ops[k].load(std::memory_order_relaxed);
	return n;
}

u64 sum_fail()
{
	u64 n = 0;
	for (auto &f : g_fail)
		n += f.load(std::memory_order_relaxed);
	return n;
}

u64 sum_all_ops()
{
	u64 n = 0;
	for (int k = 0; k < OP_COUNT; k++)
		if (k != OP_READ_DELAY && k != OP_READ_EMPTY) // no work: not counted
			n += sum_op(static_cast<op_id>(k));
	return n + g_cb_ran.load(std::memory_order_relaxed);
}

void print_stats(double t)
{
	printf("fence-torture: t=%.1fs reads=%" PRIu64 " updates=%" PRIu64 " signals=%" PRIu64
	       " waits=%" PRIu64 " cbs=%" PRIu64 "/%" PRIu64 " loads=%" PRIu64 " unloads=%" PRIu64
	       " ebusy=%" PRIu64 " loaded=%ld gps=%lu rcu_pending=%ld violations=%" PRIu64 "\n",
	       t, sum_op(OP_READ), sum_op(OP_UPDATE),
	       sum_op(OP_SIGNAL) + sum_op(OP_SIGNAL_TS) + sum_op(OP_SIGNAL_ERR) + sum_op(OP_CHECK_SIGNAL),
	       sum_op(OP_WAIT) + sum_op(OP_WAIT_ANY), g_cb_ran.load(std::memory_order_relaxed),
	       sum_op(OP_ADD_CB), sum_op(OP_LOAD) + sum_op(OP_LOAD_SO),
	       sum_op(OP_UNLOAD) + sum_op(OP_UNLOAD_SO), sum_op(OP_UNLOAD_EBUSY),
	       fence_module_count_loaded(), fence_rcu_gp_count(), fence_rcu_pending(), sum_fail());
	fflush(stdout);
}

bool parse_args(int argc, char **argv)
{
	enum { O_THREADS = 1, O_SECONDS, O_SEED, O_MODE, O_SLOTS, O_SO_DIR, O_NO_SO, O_DELAYS, O_STOP, O_HELP };
	static const struct option longopts[] = {
		{"threads", required_argument, nullptr, O_THREADS},
		{"seconds", required_argument, nullptr, O_SECONDS},
		{"seed", required_argument, nullptr, O_SEED},
		{"mode", required_argument, nullptr, O_MODE},
		{"slots", required_argument, nullptr, O_SLOTS},
		{"so-dir", required_argument, nullptr, O_SO_DIR},
		{"no-so", no_argument, nullptr, O_NO_SO},
		{"delays", required_argument, nullptr, O_DELAYS},
		{"stop-on-violation", no_argument, nullptr, O_STOP},
		{"help", no_argument, nullptr, O_HELP},
		{nullptr, 0, nullptr, 0},
	};
	std::string so_dir = FENCE_TORTURE_SO_DIR;
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "h", longopts, nullptr)) != -1) {
		switch (c) {
		case O_THREADS:
			g_opt.threads = static_cast<unsigned>(strtoul(optarg, &end, 0));
			if (*end || g_opt.threads < 1 || g_opt.threads > 1024) {
				fprintf(stderr, "fence_torture: --threads needs 1..1024\n");
				return false;
			}
			break;
		case O_SECONDS:
			g_opt.seconds = strtod(optarg, &end);
			if (*end || !(g_opt.seconds > 0)) {
				fprintf(stderr, "fence_torture: --seconds needs a positive number\n");
				return false;
			}
			break;
		case O_SEED:
			g_opt.seed = strtoull(optarg, &end, 0);
			if (*end) {
				fprintf(stderr, "fence_torture: bad --seed '%s'\n", optarg);
				return false;
			}
			g_opt.seed_given = true;
			break;
		case O_MODE:
			if (!strcmp(optarg, "stress"))
				g_opt.mode = MODE_STRESS;
			else if (!strcmp(optarg, "unload"))
				g_opt.mode = MODE_UNLOAD;
			else if (!strcmp(optarg, "perf"))
				g_opt.mode = MODE_PERF;
			else {
				fprintf(stderr, "fence_torture: --mode must be stress, unload or perf\n");
				return false;
			}
			break;
		case O_SLOTS:
			g_opt.slots = static_cast<unsigned>(strtoul(optarg, &end, 0));
			if (*end || g_opt.slots < 1 || g_opt.slots > 65536) {
				fprintf(stderr, "fence_torture: --slots needs 1..65536\n");
				return false;
			}
			break;
		case O_SO_DIR:
			so_dir = optarg;
			break;
		case O_NO_SO:
			g_opt.so = false;
			break;
		case O_DELAYS:
			g_opt.delays = strtol(optarg, &end, 0);
			if (*end || g_opt.delays < 0 || g_opt.delays > 1000000000) {
				fprintf(stderr, "fence_torture: --delays needs 0..1000000000\n");
				return false;
			}
			break;
		case O_STOP:
			g_opt.stop_on_violation = true;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return false;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fence_torture: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return false;
	}
	g_opt.so_names = so_dir + "/fence_mod_names.so";
	g_opt.so_hw = so_dir + "/fence_mod_hw.so";
	if (g_opt.so && (access(g_opt.so_names.c_str(), R_OK) || access(g_opt.so_hw.c_str(), R_OK))) {
		fprintf(stderr, "fence_torture: no module .so in %s: simulated modules only "
			"(use --so-dir)\n", so_dir.c_str());
		g_opt.so = false;
	}
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	if (!parse_args(argc, argv))
		return 2;
	if (!g_opt.seed_given)
		g_opt.seed = static_cast<u64>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
			     (static_cast<u64>(getpid()) << 32);
	// The seed first, so that any report below carries it.
	printf("fence-torture: seed=0x%016" PRIx64 "\n", g_opt.seed);
	g_nslots = g_opt.slots ? g_opt.slots : g_opt.mode == MODE_UNLOAD ? 16 : 64;
	std::vector<role> roles = role_plan(g_opt.threads);
	unsigned per_role[R_COUNT] = {};
	for (role r : roles)
		per_role[r]++;
	printf("fence-torture: mode=%s threads=%u (", kModeNames[g_opt.mode], g_opt.threads);
	for (int r = 0, first = 1; r < R_COUNT; r++)
		if (per_role[r]) {
			printf("%s%u %s", first ? "" : ", ", per_role[r], kRoleNames[r]);
			first = 0;
		}
	printf(") slots=%u seconds=%g modules=simulated%s\n", g_nslots, g_opt.seconds,
	       g_opt.so ? "+so" : "");
	if (g_opt.delays < 0)
		g_opt.delays = g_opt.mode == MODE_PERF ? 0 : 64;
	if (g_opt.delays && !fence_delay_injection(0, 0)) {
		printf("fence-torture: no delay points in this build (release): --delays ignored\n");
		g_opt.delays = 0;
	}
	printf("fence-torture: rerun: fence_torture --mode %s --threads %u --seconds %g --delays %ld --seed 0x%" PRIx64 "\n",
	       kModeNames[g_opt.mode], g_opt.threads, g_opt.seconds, g_opt.delays, g_opt.seed);
	fflush(stdout);

	// Every WARN is a failure; counted here rather than fatal, as rcutorture
	// counts its errors, so the summary still comes out.
	fence::panic_on_warn.store(false);
	fence::set_warn_hook(on_warn);
	fence_rcu_set_auto_reclaim(true); // frees race with the readers
	g_so_enabled.store(g_opt.so);
	const long slab0 = fence_slab_live();
	const long loaded0 = fence_module_count_loaded();

	g_slots.reset(new fence::rcu_ptr<struct dma_fence>[g_nslots]());
	g_hist.reset(new slot_hist[g_nslots]);
	for (unsigned i = 0; i < g_opt.threads; i++) {
		auto w = std::make_unique<worker>();
		w->id = i;
		w->r = roles[i];
		w->rnd.s = g_opt.seed + 0x1000193ULL * (i + 1);
		g_workers.push_back(std::move(w));
	}
	const auto t0 = std::chrono::steady_clock::now();
	g_t0 = t0;
	fence_delay_injection(static_cast<unsigned>(g_opt.delays), g_opt.seed);
	for (auto &w : g_workers)
		w->th = std::thread(worker_main, w.get());

	// Statistics every 2 s until the time is up (rcutorture's stats thread).
	const auto deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
					   std::chrono::duration<double>(g_opt.seconds));
	auto next = t0 + std::chrono::seconds(2);
	for (;;) {
		const auto now = std::chrono::steady_clock::now();
		if (now >= deadline || (g_opt.stop_on_violation && g_stop_early.load()))
			break;
		std::this_thread::sleep_for(std::min({deadline, next, now + std::chrono::milliseconds(50)}) - now);
		if (std::chrono::steady_clock::now() >= next) {
			print_stats(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
			next += std::chrono::seconds(2);
		}
	}
	g_stop.store(true);
	for (auto &w : g_workers)
		w->th.join();
	fence_delay_injection(0, 0);
	const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

	// Tear down: empty the slots, unload every module (nothing pins them now),
	// let RCU free everything, and count what is left.
	for (unsigned i = 0; i < g_nslots; i++)
		slot_set(i, nullptr);
	for (owned_mod &om : g_leftover) {
		for (struct dma_fence *f : om.own)
			dma_fence_put(f);
		om.own.clear();
		const int ret = fence_module_unload(om.m);
		if (ret)
			violation(F_UNLOAD, "final unload of '%s' returned %d with no reference left (%ld pinned)",
				  om.rec->name, ret, fence_module_live_pinned(om.m));
		else
			om.rec->state.store(REC_UNLOADED, std::memory_order_release);
		if (om.rec->tab >= 0)
			g_modtab[om.rec->tab].store(nullptr);
	}
	g_leftover.clear();
	rcu_barrier();
	if (const long left = fence_slab_live() - slab0)
		violation(F_LEAK, "%ld objects of fence memory left after every reference was dropped", left);
	if (const long left = fence_module_count_loaded() - loaded0)
		violation(F_LEAK, "%ld modules still loaded", left);

	// Summary (rcutorture: counters, then the verdict).
	print_stats(elapsed);
	const u64 n_reads = sum_op(OP_READ), n_updates = sum_op(OP_UPDATE), n_viol = sum_fail();
	printf("fence-torture: summary: mode=%s threads=%u seconds=%.1f seed=0x%" PRIx64 "\n",
	       kModeNames[g_opt.mode], g_opt.threads, elapsed, g_opt.seed);
	printf("n_reads %" PRIu64 " n_updates %" PRIu64 " n_violations %" PRIu64 "\n", n_reads, n_updates,
	       n_viol);
	printf("ops:");
	for (int k = 0; k < OP_COUNT; k++)
		printf(" %s=%" PRIu64, kOpNames[k],
		       k == OP_CB_RAN ? g_cb_ran.load() : sum_op(static_cast<op_id>(k)));
	printf("\nfailures:");
	for (int k = 0; k < F_COUNT; k++)
		printf(" %s=%" PRIu64, kFailNames[k], g_fail[k].load());
	printf("\nReader Pipe (grace periods since the module's unload began, at use):");
	for (int a = 0; a < kPipe; a++) {
		u64 n = 0;
		for (auto &w : g_workers)
			n += w->pipe[a].load();
		printf(" %d%s:%" PRIu64, a, a == kPipe - 1 ? "+" : "", n);
	}
	printf(" unloaded:%" PRIu64 "\n", g_pipe_unloaded.load());
	const u64 all = sum_all_ops();
	printf("rate: %.0f ops/s (%.0f reads/s, %.0f updates/s) over %u threads\n", all / elapsed,
	       n_reads / elapsed, n_updates / elapsed, g_opt.threads);
	if (n_viol)
		printf("!!! End of test: FAILURE (%" PRIu64 " violations) seed=0x%" PRIx64 "\n", n_viol, g_opt.seed);
	else
		printf("--- End of test: SUCCESS\n");
	fflush(stdout);

	g_workers.clear();
	g_slots.reset();
	g_hist.reset();
	rec_free_all();
	return n_viol ? 1 : 0;
}

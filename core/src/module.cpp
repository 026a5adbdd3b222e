// SPDX-License-Identifier: MIT
/*
 * DOC: module.cpp - simulated loadable modules that really go away
 *
 * Each module lives in one page of its own, its "image": the ops tables,
 * the name strings and the module state. Unload ends with
 * mprotect(PROT_NONE) on that page, so any later access traps. The trap
 * handler looks the address up in a table of recently unloaded images and
 * prints which module, which field and which op (a thread-local set by
 * every ops entry point) before handing the fault on to the previous
 * handler (ASan's, TSan's, libFuzzer's, or the default action). The page is
 * munmap'ed only when its slot in that table is reused (kDeadSlots unloads
 * later), so the address is not handed out again while it is remembered.
 *
 * Per-fence data (struct mod_fence) is not module memory: a fence outlives
 * its module, and the ops entry points find the image through it.
 *
 * Real modules (module-so.cpp, fence_module_load_so()) are images like
 * these whose ops tables, name strings and op code live in a dlopen()ed .so
 * instead (image->so_ops); unload also dlclose()s the .so after the grace
 * period, and its dead slot remembers the unmapped range for the handler.
 *
 * Locks: img->lock protects the pending list and the recycling cache; it
 * is never held while a fence lock is taken by the scan helpers (fences
 * are moved to a local list first), so callbacks never run under it. Lock
 * order where both are held: none.
 */
#include "fence/module.h"

#include <signal.h>
#include <stdlib.h>
#include <ucontext.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <mutex>

#ifdef FENCE_BACKEND_TREE
/*
 * The tree build (fence_module_tree): the same modules over a kernel tree's
 * dma-fence.c, through the tree's own header (fencefuzz/tree-api.h, from
 * fence/module.h). No .so modules there: they are built against the port's
 * ABI. What the tree's semantics change is marked FENCE_BACKEND_TREE below.
 */
#include "fencefuzz/ktree-points.h"
#define FENCE_SCHED_POINT(kind, addr) KTREE_POINT(KTREE_SP_ATOMIC, addr)
#ifdef FENCE_DEBUG_CHECKS
#define FENCE_ASSERT_DEBUG(cond) BUG_ON(!(cond))
#else
#define FENCE_ASSERT_DEBUG(cond) ((void)sizeof(!(cond)))
#endif
#else
#include "fence/oracle.h"
#include "fence/slab.h"
#include "module-internal.h"
#define FENCE_MODULE_SO 1
#endif

namespace {

constexpr u32 kImageMagic = 0x464d4f44; /* "FMOD" */
constexpr size_t kPage = 4096;
#if defined(FENCE_BACKEND_TREE) && !defined(FENCE_TREE_HAS_INIT64)
constexpr int kOpsVariants = 4;
#else
constexpr int kOpsVariants = 2;
#endif

struct module_image;

struct mod_fence {
	struct dma_fence base; /* first: dma_fence_free() frees from here */
	struct module_image *img;
	struct list_head pending; /* on img->pending while the module holds a ref */
	struct list_head cache;	  /* on img->cache while recycled (RECYCLE) */
	bool armed;		  /* HW: enable_signaling ran; under the fence lock */
	ktime_t deadline;	  /* DEADLINE: earliest hint, 0 = none; atomic */
	/* The driver contract (contract_*() below); atomic, reset on reuse. */
	u32 n_enable_signaling; /* calls of ->enable_signaling since init */
	bool released;		/* ->release ran */
#ifdef FENCE_BACKEND_TREE
	spinlock_t lock; /* the fence's own lock (no inline lock before the series) */
#endif
};

struct module_image {
	u32 magic;
	u32 id;
	enum fence_driver_model model;
	u64 context;
	/* [0] the model's, [1] with a ->release; on a tree without
	 * dma_fence_init64() also [2], [3]: the same with ->use_64bit_seqno. */
	struct dma_fence_ops ops[kOpsVariants];
	char name[32];
	char driver_name[48];
	char timeline_name[48];
	spinlock_t lock;	/* pending, cache */
	spinlock_t fence_lock;	/* shared external lock (FENCE_CREATE_EXTERN_LOCK) */
	struct list_head pending;
	struct list_head cache;
	long n_pending;
	long live_pinned; /* atomic */
	long n_unpins;	  /* atomic; bumped after the unpin (mod_unpin) */
	u64 hw_seqno;	  /* atomic */
	struct list_head registry; /* on g_loaded */
#ifdef FENCE_MODULE_SO
	/* Real modules (module-so.cpp): ops tables in the .so, else NULL. */
	const struct dma_fence_ops *so_ops[2];
	struct fence_so *so;
#endif
};
static_assert(sizeof(module_image) <= kPage, "module image must fit one page");

/* ---- registry of loaded modules and of recently unloaded images ----------- */

std::mutex g_registry_lock;
struct list_head g_loaded = LIST_HEAD_INIT(g_loaded);
long g_n_loaded;
std::atomic<u32> g_next_id{1};

constexpr unsigned kDeadSlots = 256;
struct dead_image {
	std::atomic<uintptr_t> start; /* 0 = empty */
	char name[32];
	u32 id;
#ifdef FENCE_MODULE_SO
	struct fence_so_dead so; /* a real module's unmapped .so; so.start == 0: none */
#endif
};
dead_image g_dead[kDeadSlots];
unsigned g_dead_next; /* under g_registry_lock */

thread_local const char *t_mod_op; /* the module op running on this thread */

/* The fields of struct dma_fence_ops the fault handler can name (the tree's
 * layout differs from the port's: offsets, not positions). */
#define FENCE_OPS_FIELD(f) {offsetof(struct dma_fence_ops, f), sizeof(((struct dma_fence_ops *)0)->f), #f}
const struct {
	size_t off, size;
	const char *name;
} kOpsFields[] = {
	FENCE_OPS_FIELD(get_driver_name), FENCE_OPS_FIELD(get_timeline_name),
	FENCE_OPS_FIELD(enable_signaling), FENCE_OPS_FIELD(signaled),
	FENCE_OPS_FIELD(wait),		  FENCE_OPS_FIELD(release),
	FENCE_OPS_FIELD(set_deadline),
#if defined(FENCE_BACKEND_TREE) && !defined(FENCE_TREE_HAS_INIT64)
	FENCE_OPS_FIELD(use_64bit_seqno),
#endif
};
#undef FENCE_OPS_FIELD
#ifndef FENCE_BACKEND_TREE
static_assert(sizeof(dma_fence_ops) == sizeof(kOpsFields) / sizeof(kOpsFields[0]) * sizeof(void *),
	      "keep kOpsFields in step with struct dma_fence_ops");
#endif

const char *ops_field_name(size_t rel) noexcept
{
	for (const auto &f : kOpsFields)
		if (rel >= f.off && rel < f.off + f.size)
			return f.name;
	return "padding";
}

void describe_field(size_t off, char *buf, size_t len) noexcept
{
	const size_t ops_off = offsetof(module_image, ops);
	if (off >= ops_off && off < ops_off + sizeof(module_image::ops)) {
		size_t rel = off - ops_off;
		snprintf(buf, len, "ops[%zu].%s", rel / sizeof(dma_fence_ops),
			 ops_field_name(rel % sizeof(dma_fence_ops)));
	} else if (off >= offsetof(module_image, driver_name) &&
		   off < offsetof(module_image, driver_name) + sizeof(module_image::driver_name)) {
		snprintf(buf, len, "driver name string");
	} else if (off >= offsetof(module_image, timeline_name) &&
		   off < offsetof(module_image, timeline_name) + sizeof(module_image::timeline_name)) {
		snprintf(buf, len, "timeline name string");
	} else {
		snprintf(buf, len, "module state +%zu", off);
	}
}

struct sigaction g_old_segv, g_old_bus;
std::atomic<bool> g_handler_installed{false};

#if defined(__SANITIZE_THREAD__)
#define FENCE_TRAP_ABORTS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FENCE_TRAP_ABORTS 1
#endif
#endif

void fault_handler(int sig, siginfo_t *si, void *uctx)
{
	auto addr = reinterpret_cast<uintptr_t>(si->si_addr);
	uintptr_t pc = 0;
#if defined(__x86_64__)
	pc = static_cast<uintptr_t>(static_cast<ucontext_t *>(uctx)->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
	pc = static_cast<uintptr_t>(static_cast<ucontext_t *>(uctx)->uc_mcontext.pc);
#endif
	for (auto &d : g_dead) {
		uintptr_t start = d.start.load(std::memory_order_acquire);
		const char *op = t_mod_op;
		char field[128], msg[320];
		if (!start)
			continue;
		if (addr >= start && addr < start + kPage)
			describe_field(addr - start, field, sizeof(field));
#ifdef FENCE_MODULE_SO
		/* A real module's .so: data at si_addr, or code at the faulting PC. */
		else if (!fence_so_describe(&d.so, addr, field, sizeof(field), &op) &&
			 !fence_so_describe(&d.so, pc, field, sizeof(field), &op))
			continue;
#else
		else
			continue;
		(void)pc;
#endif
		int n = snprintf(msg, sizeof(msg),
				 "fencefuzz: access to unloaded module '%s' (id %u): %s, "
				 "in op %s\n",
				 d.name, d.id, field, op ? op : "(none)");
		if (n > 0)
			(void)!write(2, msg, static_cast<size_t>(n) < sizeof(msg) ? n : sizeof(msg) - 1);
		snprintf(msg, sizeof(msg), "unloaded-module-%s", op ? op : "none");
		fence_oracle("trap", msg);
#ifdef FENCE_TRAP_ABORTS
		/* TSan cannot report this fault: unwinding from it ends in "nested
		 * bug in the same thread" or hangs. The lines above are the report. */
		abort();
#endif
		break;
	}
	/* Hand the fault on to whoever was there before us. */
	struct sigaction *old = sig == SIGBUS ? &g_old_bus : &g_old_segv;
	if (old->sa_flags & SA_SIGINFO) {
		old->sa_sigaction(sig, si, uctx);
	} else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
		old->sa_handler(sig);
	} else {
		signal(sig, SIG_DFL); /* return, re-fault, die with the default action */
	}
}

/* ---- entry points: every op first proves the module is still there ------------ */

inline struct mod_fence *to_mod_fence(struct dma_fence *f) noexcept
{
	return container_of(f, struct mod_fence, base);
}

/*
 * mod_enter - called first by every op. Records the op for the fault
 * handler, then reads the image: an unloaded image faults right here.
 */
inline module_image *mod_enter(struct dma_fence *f, const char *op) noexcept
{
	t_mod_op = op;
	module_image *img = to_mod_fence(f)->img;
	if (unlikely(std::atomic_ref<u32>(img->magic).load(std::memory_order_relaxed) != kImageMagic))
		fence_die("call into a module that is not loaded (op %s, image %p)", op,
			  static_cast<void *>(img));
	return img;
}
inline void mod_exit() noexcept { t_mod_op = nullptr; }

/* ---- the driver contract: what the core promises each op ----------------------
 *
 * The kernel-doc of struct dma_fence_ops says how the core may call a
 * driver; every op checks it on entry and records the first breach, which
 * the harness picks up after each op (fence_module_contract_take(), a
 * catalog post-condition every runner checks). What is checked:
 *  - every op: not after ->release of the fence (a recycled or RCU-deferred
 *    fence is still memory: ASan sees nothing there), not on a fence whose
 *    last reference is gone (except the names, which dma_fence_release()
 *    reads for its "released with pending signals" WARN), and after the
 *    ops were detached (7.1: signaled, the ops pointer cleared) only from
 *    inside an RCU read-side section, whose reader loaded them before;
 *  - ->enable_signaling: at most once per fence, never on a signaled fence
 *    (the core tests both under the fence lock; the lock itself is asserted
 *    as lockdep does, dma_fence_assert_held());
 *  - ->set_deadline: "called without &dma_fence.lock held";
 *  - ->release: once, at refcount 0.
 * A breach is reported, not fatal: the core goes on as the driver would.
 * Real modules (.so) get the same checks through host->enter().
 */
std::atomic<bool> g_contract_broken{false};
std::mutex g_contract_lock;
char g_contract_text[256]; /* under g_contract_lock */

void contract_break(struct dma_fence *f, const char *op, const char *what) noexcept
{
	std::lock_guard<std::mutex> g(g_contract_lock);
	if (g_contract_broken.load(std::memory_order_relaxed))
		return; /* the first one tells */
	snprintf(g_contract_text, sizeof(g_contract_text),
		 "driver_%s: ->%s %s (fence %" PRIu64 ":%" PRIu64 " of module '%s')", op, op, what,
		 f->context, f->seqno, to_mod_fence(f)->img->name);
	g_contract_broken.store(true, std::memory_order_release);
}

#ifdef FENCE_BACKEND_TREE
#define mod_fence_lock_held(f) lockdep_is_held((f)->lock)
#else
#define mod_fence_lock_held(f) lockdep_is_held(dma_fence_spinlock(f))
#endif

/* Have the fence's ops been detached (7.1: at signal, when nothing pins them)? */
inline bool mod_detached(struct dma_fence *f) noexcept
{
#if defined(FENCE_BACKEND_TREE) && !defined(FENCE_TREE_OPS_RCU)
	(void)f;
	return false; /* a tree before the series never detaches */
#else
	return !rcu_access_pointer(f->ops);
#endif
}

/* What every op checks (@zero_ok: it may run at refcount 0). */
inline bool contract_common(struct dma_fence *f, const char *op, bool zero_ok) noexcept
{
	if (std::atomic_ref<bool>(to_mod_fence(f)->released).load(std::memory_order_relaxed))
		contract_break(f, op, "called after ->release");
	else if (!zero_ok && kref_read(&f->refcount) == 0)
		contract_break(f, op, "called on a fence whose last reference is gone");
	else if (mod_detached(f) && !rcu_read_lock_held())
		contract_break(f, op, "called after the ops were detached, outside an RCU read-side section");
	else
		return true;
	return false;
}

inline void contract_enable_signaling(struct dma_fence *f) noexcept
{
	if (!contract_common(f, "enable_signaling", false))
		return;
	if (std::atomic_ref<u32>(to_mod_fence(f)->n_enable_signaling).fetch_add(1, std::memory_order_relaxed))
		contract_break(f, "enable_signaling", "called a second time on one fence");
	else if (dma_fence_test_signaled_flag(f))
		contract_break(f, "enable_signaling", "called on a signaled fence");
}

inline void contract_set_deadline(struct dma_fence *f) noexcept
{
	if (contract_common(f, "set_deadline", false) && mod_fence_lock_held(f))
		contract_break(f, "set_deadline", "called with the fence's lock held");
}

#ifdef FENCE_MODULE_SO
/* A real module's op announced itself by name (host->enter()): the same checks. */
void contract_by_name(struct dma_fence *f, const char *op) noexcept
{
	if (!strcmp(op, "enable_signaling"))
		contract_enable_signaling(f);
	else if (!strcmp(op, "set_deadline"))
		contract_set_deadline(f);
	else if (strcmp(op, "release")) /* host->release() checks ->release (mod_release_free()) */
		contract_common(f, op, !strncmp(op, "get_", 4));
}
#endif

const char *mod_get_driver_name(struct dma_fence *f)
{
	module_image *img = mod_enter(f, "get_driver_name");
	contract_common(f, "get_driver_name", true);
	mod_exit();
	return img->driver_name;
}

const char *mod_get_timeline_name(struct dma_fence *f)
{
	module_image *img = mod_enter(f, "get_timeline_name");
	contract_common(f, "get_timeline_name", true);
	mod_exit();
	return img->timeline_name;
}

inline u64 hw_read(module_image *img) noexcept
{
	return std::atomic_ref<u64>(img->hw_seqno).load(std::memory_order_acquire);
}

/* HW and TIMELINE: has the hardware / timeline passed this fence? */
bool mod_signaled(struct dma_fence *f)
{
	module_image *img = mod_enter(f, "signaled");
	contract_common(f, "signaled", false);
	bool ret = hw_read(img) >= f->seqno;
	mod_exit();
	return ret;
}

/* HW: arm the interrupt, unless the hardware already passed the fence. */
bool mod_enable_signaling(struct dma_fence *f)
{
	module_image *img = mod_enter(f, "enable_signaling");
	dma_fence_assert_held(f);
	contract_enable_signaling(f);
	bool ret = true;
	if (hw_read(img) >= f->seqno)
		ret = false; /* already passed: the core signals it */
	else
		to_mod_fence(f)->armed = true;
	mod_exit();
	return ret;
}

void mod_set_deadline(struct dma_fence *f, ktime_t deadline)
{
	mod_enter(f, "set_deadline");
	contract_set_deadline(f);
	std::atomic_ref<ktime_t> d(to_mod_fence(f)->deadline);
	ktime_t cur = d.load(std::memory_order_relaxed);
	while ((cur == 0 || deadline < cur) &&
	       !d.compare_exchange_weak(cur, deadline, std::memory_order_relaxed)) {
	}
	mod_exit();
}

signed long mod_wait(struct dma_fence *f, bool intr, signed long timeout)
{
	mod_enter(f, "wait");
	contract_common(f, "wait", false);
	mod_exit(); /* the wait itself sleeps in the core */
	return dma_fence_default_wait(f, intr, timeout);
}

/*
 * mod_unpin - a pinned fence is gone: drop the module's pin count, then
 * account for it in module memory, as a driver's atomic_dec_and_test() +
 * wake_up_var() on its fence count does. Touching the module after the pin
 * is dropped is legal only because the core calls ->release inside its RCU
 * read-side section (7.1) and unload waits a grace period after it sees no
 * pins; a core that calls ->release outside RCU lets unload unmap the image
 * under the second access (core/zoo/release-outside-rcu.patch). Debug builds
 * check the read-side section up front, so the bug shows without the race.
 */
inline void mod_unpin(module_image *img) noexcept
{
#if defined(FENCE_BACKEND_TREE) && !defined(FENCE_TREE_OPS_RCU)
	/* A tree before the series calls ->release outside RCU: dropping the
	 * pin must be the module's last access (its unload waits only for the
	 * pin count, as a driver's fence counter before module_put()). */
	std::atomic_ref<long>(img->n_unpins).fetch_add(1, std::memory_order_relaxed);
	std::atomic_ref<long>(img->live_pinned).fetch_sub(1, std::memory_order_acq_rel);
	FENCE_SCHED_POINT(FENCE_SP_ATOMIC, &img->live_pinned);
#else
	/* What makes the access below safe, checked as RCU lockdep would. */
	FENCE_ASSERT_DEBUG(rcu_read_lock_held());
	std::atomic_ref<long>(img->live_pinned).fetch_sub(1, std::memory_order_acq_rel);
	FENCE_SCHED_POINT(FENCE_SP_ATOMIC, &img->live_pinned);
	std::atomic_ref<long>(img->n_unpins).fetch_add(1, std::memory_order_relaxed);
#endif
}

/* ->release's own contract: once, at refcount 0. */
inline void contract_release(struct dma_fence *f) noexcept
{
	if (std::atomic_ref<bool>(to_mod_fence(f)->released).exchange(true, std::memory_order_relaxed))
		contract_break(f, "release", "called a second time on one fence");
	else if (kref_read(&f->refcount) != 0)
		contract_break(f, "release", "called on a fence that still has references");
}

/* RECYCLE: back into the typesafe-by-RCU cache, reused at once. */
void mod_release_recycle(struct dma_fence *f)
{
	module_image *img = mod_enter(f, "release");
	contract_release(f);
	struct mod_fence *mf = to_mod_fence(f);
	spin_lock(&img->lock);
	list_add(&mf->cache, &img->cache);
	spin_unlock(&img->lock);
	mod_unpin(img);
	mod_exit();
}

/* Every other pinned variant: count, then the core's default free. */
void mod_release_free(struct dma_fence *f)
{
	module_image *img = mod_enter(f, "release");
	contract_release(f);
	mod_unpin(img);
	mod_exit();
	dma_fence_free(f);
}

void build_ops(module_image *img) noexcept
{
	struct dma_fence_ops o = {};
	o.get_driver_name = mod_get_driver_name;
	o.get_timeline_name = mod_get_timeline_name;
	switch (img->model) {
	case FENCE_MODEL_NAMES:
		break;
	case FENCE_MODEL_HW:
		o.enable_signaling = mod_enable_signaling;
		o.signaled = mod_signaled;
		break;
	case FENCE_MODEL_RECYCLE:
		o.release = mod_release_recycle;
		break;
	case FENCE_MODEL_WAIT:
		o.wait = mod_wait;
		o.release = mod_release_free;
		break;
	case FENCE_MODEL_DEADLINE:
		o.set_deadline = mod_set_deadline;
		break;
	case FENCE_MODEL_TIMELINE:
		o.signaled = mod_signaled;
		break;
	case FENCE_MODEL_COUNT:
		break;
	}
	img->ops[0] = o;
	if (!o.release)
		o.release = mod_release_free;
	img->ops[1] = o;
#if defined(FENCE_BACKEND_TREE) && !defined(FENCE_TREE_HAS_INIT64)
	/* Before dma_fence_init64(), a 64-bit seqno is a property of the ops. */
	for (int v = 0; v < 2; v++) {
		img->ops[2 + v] = img->ops[v];
		img->ops[2 + v].use_64bit_seqno = true;
	}
#endif
}

/* ---- the pending list ------------------------------------------------------ */

enum scan_action { SCAN_KEEP, SCAN_DROP, SCAN_SIGNAL, SCAN_FORCE };

/*
 * scan_pending - decide, for each pending fence under its own lock, whether
 * to keep it, drop the module's reference (it signaled), or signal it (with
 * -ENODEV for SCAN_FORCE) and drop. Return: the number of fences signaled.
 */
template <class Decide>
int scan_pending(module_image *img, Decide decide) noexcept
{
	LIST_HEAD(local);
	LIST_HEAD(kept);
	struct mod_fence *mf, *tmp;
	int signaled = 0;

	spin_lock(&img->lock);
	if (!list_empty(&img->pending)) {
		list_replace(&img->pending, &local);
		INIT_LIST_HEAD(&img->pending);
	}
	spin_unlock(&img->lock);

	list_for_each_entry_safe(mf, tmp, &local, pending) {
		struct dma_fence *f = &mf->base;
		unsigned long flags;
		enum scan_action act;

		dma_fence_lock_irqsave(f, flags);
		act = dma_fence_test_signaled_flag(f) ? SCAN_DROP : decide(mf);
		if (act == SCAN_FORCE) {
			/* Keep an error the fence already carries. */
			if (!std::atomic_ref<int>(f->error).load(std::memory_order_relaxed))
				dma_fence_set_error(f, -ENODEV);
			dma_fence_signal_locked(f);
			signaled++;
		} else if (act == SCAN_SIGNAL) {
			dma_fence_signal_locked(f);
			signaled++;
		}
		dma_fence_unlock_irqrestore(f, flags);

		list_del_init(&mf->pending);
		if (act == SCAN_KEEP) {
			list_add_tail(&mf->pending, &kept);
		} else {
			spin_lock(&img->lock);
			img->n_pending--;
			spin_unlock(&img->lock);
			dma_fence_put(f);
		}
	}

	if (!list_empty(&kept)) {
		/* Put the survivors back in front of anything created meanwhile. */
		spin_lock(&img->lock);
		struct list_head *first = kept.next, *last = kept.prev;
		first->prev = &img->pending;
		last->next = img->pending.next;
		img->pending.next->prev = last;
		img->pending.next = first;
		spin_unlock(&img->lock);
	}
	return signaled;
}

void reap(module_image *img) noexcept
{
	scan_pending(img, [](struct mod_fence *) { return SCAN_KEEP; });
}

} // namespace

/* ---- public API ------------------------------------------------------------- */

FENCE_MODULE_API_BEGIN

int fence_module_contract_take(char *buf, size_t len) noexcept
{
	if (!g_contract_broken.load(std::memory_order_acquire))
		return 0;
	std::lock_guard<std::mutex> g(g_contract_lock);
	if (!g_contract_broken.load(std::memory_order_relaxed))
		return 0; /* another thread took it */
	if (buf && len)
		snprintf(buf, len, "%s", g_contract_text);
	g_contract_broken.store(false, std::memory_order_relaxed);
	return 1;
}

bool fence_module_pins_until_release() noexcept
{
#if defined(FENCE_BACKEND_TREE) && !defined(FENCE_TREE_OPS_RCU)
	static const bool pins = [] {
		const char *c = getenv("FENCEFUZZ_DRIVER_CONTRACT");
		if (c && *c && strcmp(c, "7.1") && strcmp(c, "6.12"))
			fence_die("FENCEFUZZ_DRIVER_CONTRACT=%s: expected 7.1 or 6.12", c);
		return !(c && !strcmp(c, "7.1"));
	}();
	return pins;
#else
	return false;
#endif
}

void fence_module_install_fault_handler() noexcept
{
	struct sigaction sa = {};
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	struct sigaction old_segv, old_bus;
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	if (old_segv.sa_sigaction != fault_handler)
		g_old_segv = old_segv;
	if (old_bus.sa_sigaction != fault_handler)
		g_old_bus = old_bus;
	g_handler_installed.store(true);
}

const char *fence_driver_model_name(enum fence_driver_model model) noexcept
{
	switch (model) {
	case FENCE_MODEL_NAMES: return "names";
	case FENCE_MODEL_HW: return "hw";
	case FENCE_MODEL_RECYCLE: return "recycle";
	case FENCE_MODEL_WAIT: return "wait";
	case FENCE_MODEL_DEADLINE: return "deadline";
	case FENCE_MODEL_TIMELINE: return "timeline";
	case FENCE_MODEL_COUNT: break;
	}
	return nullptr;
}

int fence_module_load(const char *name, enum fence_driver_model model,
		      struct fence_module **out) noexcept
{
	if (model < 0 || model >= FENCE_MODEL_COUNT || !name || !out)
		return -EINVAL;
	if (!g_handler_installed.load())
		fence_module_install_fault_handler();

	void *page = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return -ENOMEM;
	auto *img = static_cast<module_image *>(page); /* zero-filled */
	img->id = g_next_id.fetch_add(1, std::memory_order_relaxed);
	img->model = model;
	img->context = dma_fence_context_alloc(1);
	snprintf(img->name, sizeof(img->name), "%s", name);
	snprintf(img->driver_name, sizeof(img->driver_name), "%s", img->name);
	snprintf(img->timeline_name, sizeof(img->timeline_name), "%s.%s.tl",
		 img->name, fence_driver_model_name(model));
	spin_lock_init(&img->lock);
	spin_lock_init(&img->fence_lock);
	INIT_LIST_HEAD(&img->pending);
	INIT_LIST_HEAD(&img->cache);
	build_ops(img);
	std::atomic_ref<u32>(img->magic).store(kImageMagic, std::memory_order_release);

	{
		std::lock_guard<std::mutex> g(g_registry_lock);
		list_add_tail(&img->registry, &g_loaded);
		g_n_loaded++;
	}
	*out = reinterpret_cast<struct fence_module *>(img);
	return 0;
}

struct dma_fence *fence_module_create_fence(struct fence_module *mod, u64 seqno,
					    unsigned flags) noexcept
{
	auto *img = reinterpret_cast<module_image *>(mod);
	const bool ext = flags & FENCE_CREATE_EXTERN_LOCK;
	/* The ->release variant for fences that must keep the module (the
	 * driver contract, fence_module_pins_until_release()). */
	int variant = ext || fence_module_pins_until_release() ? 1 : 0;
#if defined(FENCE_BACKEND_TREE) && !defined(FENCE_TREE_HAS_INIT64)
	if (flags & FENCE_CREATE_SEQNO64)
		variant += 2;
#endif
#ifdef FENCE_MODULE_SO
	const struct dma_fence_ops *ops = img->so_ops[variant] ? img->so_ops[variant] : &img->ops[variant];
#else
	const struct dma_fence_ops *ops = &img->ops[variant];
#endif
	const bool pinned = ops->release || ops->wait;
	struct mod_fence *mf = nullptr;

	reap(img);

	if (img->model == FENCE_MODEL_RECYCLE) {
		spin_lock(&img->lock);
		if (!list_empty(&img->cache)) {
			mf = list_first_entry(&img->cache, struct mod_fence, cache);
			list_del_init(&mf->cache);
		}
		spin_unlock(&img->lock);
	}
	if (!mf) {
		mf = static_cast<struct mod_fence *>(kzalloc(sizeof(*mf), GFP_KERNEL));
		if (!mf)
			return nullptr;
	}
	/* A recycled fence may still be looked at by get_rcu_safe() readers:
	 * only the fields they never read are written plainly. */
	mf->img = img;
	mf->armed = false;
	std::atomic_ref<ktime_t>(mf->deadline).store(0, std::memory_order_relaxed);
	std::atomic_ref<u32>(mf->n_enable_signaling).store(0, std::memory_order_relaxed);
	std::atomic_ref<bool>(mf->released).store(false, std::memory_order_relaxed);
	INIT_LIST_HEAD(&mf->cache);
	if (pinned)
		std::atomic_ref<long>(img->live_pinned).fetch_add(1, std::memory_order_relaxed);

#if defined(FENCE_BACKEND_TREE)
	/* Before the series' inline lock, every fence names a lock. */
	spinlock_t *lock = ext ? &img->fence_lock : &mf->lock;
	if (!ext)
		spin_lock_init(&mf->lock);
#else
	spinlock_t *lock = ext ? &img->fence_lock : nullptr;
#endif
#if !defined(FENCE_BACKEND_TREE) || defined(FENCE_TREE_HAS_INIT64)
	if (flags & FENCE_CREATE_SEQNO64)
		dma_fence_init64(&mf->base, ops, lock, img->context, seqno);
	else
#endif
		dma_fence_init(&mf->base, ops, lock, img->context, seqno);

	/* The module's own reference, dropped when the fence signals. */
	dma_fence_get(&mf->base);
	spin_lock(&img->lock);
	list_add_tail(&mf->pending, &img->pending);
	img->n_pending++;
	spin_unlock(&img->lock);
	return &mf->base;
}

int fence_module_irq(struct fence_module *mod, u64 hw_seqno) noexcept
{
	auto *img = reinterpret_cast<module_image *>(mod);
	if (img->model != FENCE_MODEL_HW)
		return -EINVAL;
	std::atomic_ref<u64> hw(img->hw_seqno);
	u64 cur = hw.load(std::memory_order_relaxed);
	while (hw_seqno > cur && !hw.compare_exchange_weak(cur, hw_seqno, std::memory_order_release)) {
	}
	const u64 now = hw_read(img);
	return scan_pending(img, [now](struct mod_fence *mf) {
		return mf->armed && mf->base.seqno <= now ? SCAN_SIGNAL : SCAN_KEEP;
	});
}

int fence_module_timeline_inc(struct fence_module *mod, u64 n) noexcept
{
	auto *img = reinterpret_cast<module_image *>(mod);
	if (img->model != FENCE_MODEL_TIMELINE)
		return -EINVAL;
	const u64 now = std::atomic_ref<u64>(img->hw_seqno).fetch_add(n, std::memory_order_acq_rel) + n;
	return scan_pending(img, [now](struct mod_fence *mf) {
		return mf->base.seqno <= now ? SCAN_SIGNAL : SCAN_KEEP;
	});
}

int fence_module_unload(struct fence_module *mod) noexcept
{
	auto *img = reinterpret_cast<module_image *>(mod);

	/* 1. Teardown completes what the "hardware" still has queued. */
	scan_pending(img, [](struct mod_fence *) { return SCAN_FORCE; });

	/* 2. Fences whose ops never detach keep the module loaded. */
	if (std::atomic_ref<long>(img->live_pinned).load(std::memory_order_acquire) > 0)
		return -EBUSY;

	{
		std::lock_guard<std::mutex> g(g_registry_lock);
		list_del_init(&img->registry);
		g_n_loaded--;
	}

	/* 3. Readers that loaded our ops before the detach finish first. */
	synchronize_rcu();

	struct mod_fence *mf, *tmp;
	list_for_each_entry_safe(mf, tmp, &img->cache, cache)
		kfree(mf);

#ifdef FENCE_MODULE_SO
	/* A real module's code and data go now (dlclose). */
	struct fence_so_dead so_dead = {};
	if (img->so)
		fence_so_unmap(img->so, &so_dead);
#endif

	/* 4. Gone: remember the range for the fault handler, then protect it. */
	std::lock_guard<std::mutex> g(g_registry_lock);
	dead_image &slot = g_dead[g_dead_next++ % kDeadSlots];
	if (uintptr_t old = slot.start.exchange(0, std::memory_order_acq_rel))
		munmap(reinterpret_cast<void *>(old), kPage);
#ifdef FENCE_MODULE_SO
	if (slot.so.start)
		munmap(reinterpret_cast<void *>(slot.so.start), slot.so.end - slot.so.start);
	slot.so = so_dead;
#endif
	snprintf(slot.name, sizeof(slot.name), "%s", img->name);
	slot.id = img->id;
	mprotect(img, kPage, PROT_NONE);
	slot.start.store(reinterpret_cast<uintptr_t>(img), std::memory_order_release);
	return 0;
}

const char *fence_module_name(const struct fence_module *mod) noexcept
{
	return reinterpret_cast<const module_image *>(mod)->name;
}

enum fence_driver_model fence_module_model(const struct fence_module *mod) noexcept
{
	return reinterpret_cast<const module_image *>(mod)->model;
}

u64 fence_module_context(const struct fence_module *mod) noexcept
{
	return reinterpret_cast<const module_image *>(mod)->context;
}

long fence_module_live_pinned(const struct fence_module *mod) noexcept
{
	auto *img = const_cast<module_image *>(reinterpret_cast<const module_image *>(mod));
	return std::atomic_ref<long>(img->live_pinned).load(std::memory_order_acquire);
}

long fence_module_pending(const struct fence_module *mod) noexcept
{
	auto *img = const_cast<module_image *>(reinterpret_cast<const module_image *>(mod));
	spin_lock(&img->lock);
	long n = img->n_pending;
	spin_unlock(&img->lock);
	return n;
}

u64 fence_module_hw_seqno(const struct fence_module *mod) noexcept
{
	return hw_read(const_cast<module_image *>(reinterpret_cast<const module_image *>(mod)));
}

long fence_module_count_loaded() noexcept
{
	std::lock_guard<std::mutex> g(g_registry_lock);
	return g_n_loaded;
}

ktime_t fence_module_fence_deadline(struct dma_fence *fence) noexcept
{
	return std::atomic_ref<ktime_t>(to_mod_fence(fence)->deadline).load(std::memory_order_relaxed);
}

FENCE_MODULE_API_END

#ifdef FENCE_MODULE_SO
/* ---- real modules (module-so.cpp): the core side of fence/module-abi.h ----------- */

int fence_module_load_ext(const char *name, enum fence_driver_model model,
			  const struct dma_fence_ops *ops, const struct dma_fence_ops *ops_pinned,
			  struct fence_so *so, struct fence_module **out) noexcept
{
	int ret = fence_module_load(name, model, out);
	if (ret)
		return ret;
	/* Not yet visible to other threads: the caller publishes *out. */
	auto *img = reinterpret_cast<module_image *>(*out);
	img->so_ops[0] = ops;
	img->so_ops[1] = ops_pinned;
	img->so = so;
	return 0;
}

void fence_module_host_enter(struct dma_fence *f, const char *op) noexcept
{
	mod_enter(f, op);
	contract_by_name(f, op);
}
void fence_module_host_exit() noexcept { mod_exit(); }
u64 fence_module_host_hw_seqno(struct dma_fence *f) noexcept { return hw_read(to_mod_fence(f)->img); }
void fence_module_host_arm(struct dma_fence *f) noexcept { to_mod_fence(f)->armed = true; }
void fence_module_host_release(struct dma_fence *f) noexcept { mod_release_free(f); }
#endif /* FENCE_MODULE_SO */

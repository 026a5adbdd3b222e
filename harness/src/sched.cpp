// SPDX-License-Identifier: MIT
//
// sched.cpp - the deterministic scheduler (see harness/sched.h).
//
// Oracle: "fencefuzz: DEADLOCK" followed by each thread's op and what it
// waits for means no thread can ever run again; the process aborts.
//
// One mutex (m) guards all scheduler state; the logical thread that holds
// the baton (running == its index) is the only one running core code, and
// it evaluates the other threads' wait predicates itself, so they read core
// memory with no other thread running. A switch sets running, notifies the
// chosen thread's condition variable and waits on its own. Nothing here
// calls into the core except fence_time_advance_to() and the predicates.
#include "fence/oracle.h"
#include "harness/sched.h"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include "fence/rcu.h"
#include "fence/sched.h"
#include "fence/spinlock.h"

#ifndef FENCE_DSCHED
#error "sched.cpp belongs to the FENCE_DSCHED harness (fence_harness_dsched)"
#endif

// Interleaving coverage (see sched.h): libFuzzer reads every counter in this
// section after each input, like its own edge counters.
extern "C" {
__attribute__((section("__libfuzzer_extra_counters"), used)) uint8_t
	fencefuzz_interleave_counters[8192];
}

namespace harness::dsched {

namespace {

constexpr int kPointHarness = -1; // kind of scheduler::point()

const char *kind_name(int kind)
{
	switch (kind) {
	case FENCE_SP_LOCK: return "spin_lock";
	case FENCE_SP_UNLOCK: return "spin_unlock";
	case FENCE_SP_ATOMIC: return "atomic bit op";
	case FENCE_SP_REF: return "refcount op";
	case FENCE_SP_RCU_LOCK: return "rcu_read_lock";
	case FENCE_SP_RCU_UNLOCK: return "rcu_read_unlock";
	case FENCE_SP_OPS_CALL: return "call into ops";
	case FENCE_SP_CB_CALL: return "callback call";
	case FENCE_SP_GRACE_PERIOD: return "grace period";
	case FENCE_SP_SLEEP: return "sleep";
	case kPointHarness: return "harness";
	}
	return "?";
}

// ---- strategies ----------------------------------------------------------------

struct strategy {
	virtual ~strategy() = default;
	// A non-forced point: may the current thread simply go on (no decision)?
	virtual bool keep_going() { return false; }
	// Pick from @c (runnable thread indices, ascending; contains @cur unless
	// @forced). @step counts scheduling points so far.
	virtual int choose(const std::vector<int> &c, int cur, bool forced, uint64_t step) = 0;
};

int round_robin(const std::vector<int> &c, int cur)
{
	for (int t : c)
		if (t > cur)
			return t;
	return c[0];
}

// Bytes L0 T1 L1 T2 L2 ...: the first thread runs L0 scheduling points,
// then the thread T1 % (runnable count) runs L1 points, and so on. A forced
// decision (the thread blocked or finished) also reads T and L. When the
// bytes run out nobody is preempted any more and forced decisions go
// round-robin. One (L, T) pair is one preemption: mutating a byte moves it.
struct bytes_strategy : strategy {
	explicit bytes_strategy(std::vector<uint8_t> b) : bytes(std::move(b))
	{
		int l = next();
		run_left = l < 0 ? 0 : static_cast<unsigned>(l);
	}
	std::vector<uint8_t> bytes;
	size_t pos = 0;
	unsigned run_left = 0;
	bool exhausted = false;
	int next()
	{
		if (pos < bytes.size())
			return bytes[pos++];
		exhausted = true;
		return -1;
	}
	bool keep_going() override
	{
		if (exhausted)
			return true;
		if (run_left > 0) {
			run_left--;
			return true;
		}
		return false;
	}
	int choose(const std::vector<int> &c, int cur, bool forced, uint64_t) override
	{
		if (cur < 0)
			return c[0]; // the start: thread 0 runs L0 points
		int b = exhausted ? -1 : next();
		if (b < 0)
			return forced ? round_robin(c, cur) : cur;
		int t = c[static_cast<size_t>(b) % c.size()];
		int len = next();
		run_left = len < 0 ? 0 : static_cast<unsigned>(len);
		return t;
	}
};

struct random_strategy : strategy {
	explicit random_strategy(uint64_t seed) : rng(seed) {}
	std::mt19937_64 rng;
	int choose(const std::vector<int> &c, int, bool, uint64_t) override
	{
		return c[rng() % c.size()];
	}
};

struct pct_strategy : strategy {
	pct_strategy(uint64_t seed, unsigned depth, unsigned steps, int nthreads) : rng(seed)
	{
		depth = std::clamp(depth, 1u, 16u);
		steps = std::max(steps, 1u);
		std::vector<int> perm(nthreads);
		for (int i = 0; i < nthreads; i++)
			perm[i] = i;
		std::shuffle(perm.begin(), perm.end(), rng);
		for (int i = 0; i < nthreads; i++)
			prio.push_back(static_cast<int>(depth) + perm[i]);
		for (unsigned i = 1; i < depth; i++)
			change.push_back(1 + rng() % steps);
		std::sort(change.begin(), change.end());
	}
	std::mt19937_64 rng;
	std::vector<int> prio;
	std::vector<uint64_t> change; // steps at which the running thread is demoted
	size_t next_change = 0;
	int choose(const std::vector<int> &c, int cur, bool, uint64_t step) override
	{
		while (next_change < change.size() && change[next_change] <= step) {
			// The i-th change point: below every initial priority and every
			// earlier change point.
			if (cur >= 0)
				prio[cur] = static_cast<int>(change.size() - next_change) - 1;
			next_change++;
		}
		int best = c[0];
		for (int t : c)
			if (prio[t] > prio[best])
				best = t;
		return best;
	}
};

std::unique_ptr<strategy> make_strategy(const schedule_spec &s, int nthreads)
{
	switch (s.k) {
	case schedule_spec::kind::bytes: return std::make_unique<bytes_strategy>(s.bytes);
	case schedule_spec::kind::random: return std::make_unique<random_strategy>(s.seed);
	case schedule_spec::kind::pct:
		return std::make_unique<pct_strategy>(s.seed, s.depth, s.steps, nthreads);
	}
	return std::make_unique<bytes_strategy>(std::vector<uint8_t>{});
}

// ---- the worker pool --------------------------------------------------------------

// Logical thread i of a run runs on pool worker i. Workers live for the
// process (never joined: a fuzzer runs until killed) and are reused. Jobs are
// a function pointer and an argument, not std::function: a worker must not
// free anything after its logical thread finished, or libFuzzer would see
// the input return with more mallocs than frees and run a leak check.
class pool {
public:
	using job_fn = void (*)(void *);
	void start(size_t i, job_fn fn, void *arg)
	{
		std::lock_guard<std::mutex> g(m_);
		while (workers_.size() <= i)
			workers_.push_back(std::make_unique<worker>());
		worker &w = *workers_[i];
		std::unique_lock<std::mutex> wl(w.m);
		w.idle_cv.wait(wl, [&] { return !w.fn; });
		w.fn = fn;
		w.arg = arg;
		w.cv.notify_one();
	}
	static pool &get()
	{
		static pool *p = new pool; // never destroyed: workers outlive main()
		return *p;
	}

private:
	struct worker {
		worker() : th([this] { loop(); }) { th.detach(); }
		std::mutex m;
		std::condition_variable cv, idle_cv;
		job_fn fn = nullptr;
		void *arg = nullptr;
		std::thread th;
		void loop()
		{
			for (;;) {
				job_fn f;
				void *a;
				{
					std::unique_lock<std::mutex> l(m);
					cv.wait(l, [&] { return fn != nullptr; });
					f = fn;
					a = arg;
				}
				f(a);
				std::lock_guard<std::mutex> l(m);
				fn = nullptr;
				idle_cv.notify_all();
			}
		}
	};
	std::mutex m_;
	std::vector<std::unique_ptr<worker>> workers_;
};

} // namespace

// ---- the scheduler -------------------------------------------------------------------

struct scheduler::impl {
	enum state { RUNNABLE, BLOCKED, DONE };
	struct lthread {
		int id = 0;
		std::string name;
		std::function<void()> fn;
		state st = RUNNABLE;
		std::condition_variable cv;
		// while BLOCKED
		fence_sched_ready_fn ready = nullptr;
		const void *arg = nullptr;
		ktime_t deadline = -1;
		bool timed_out = false;
		int kind = 0;
		const void *addr = nullptr;
		const char *what = "";
		// for reports
		std::string note;
		unsigned os_tid = 0;
		int rcu_nesting = 0, locks_held = 0;
		int last_kind = kPointHarness;
		int tag = 0;
		impl *sched = nullptr;
		scheduler *outer = nullptr;
	};
	static void thread_main(void *arg);

	explicit impl(const schedule_spec &s) : spec(s) {}

	schedule_spec spec;
	std::unique_ptr<strategy> strat;
	std::mutex m;
	std::condition_variable done_cv;
	std::vector<std::unique_ptr<lthread>> th;
	int running = -1;
	int n_done = 0;
	uint64_t step = 0;
	std::vector<uint8_t> decisions;
	std::function<std::string()> report;

	std::vector<int> candidates(int me, bool forced);
	int decide(int me, bool forced);
	void handoff(std::unique_lock<std::mutex> &l, lthread &me, int next);
	void point(lthread &me, int kind);
	bool wait(lthread &me, int kind, const void *addr, fence_sched_ready_fn ready, const void *arg,
		  ktime_t deadline, const char *what);
	void finish(lthread &me);
	[[noreturn]] void deadlock(int me);
	void save_context(lthread &me) const
	{
		me.rcu_nesting = fence_rcu_nesting;
		me.locks_held = fence_preempt_count;
	}
};

namespace {

thread_local scheduler::impl::lthread *t_self;
thread_local scheduler::impl *t_sched;
thread_local scheduler *t_outer;

bool ops_active() { return t_self != nullptr; }

void ops_point(enum fence_sched_kind kind, const void *)
{
	t_sched->point(*t_self, kind);
}

bool ops_wait(enum fence_sched_kind kind, const void *addr, fence_sched_ready_fn ready,
	      const void *arg, ktime_t deadline, const char *what)
{
	return t_sched->wait(*t_self, kind, addr, ready, arg, deadline, what);
}

const struct fence_sched_ops kOps = {ops_active, ops_point, ops_wait};

bool call_function(const void *arg)
{
	return (*static_cast<const std::function<bool()> *>(arg))();
}

} // namespace

// Runnable threads, ascending. A blocked thread whose predicate now holds
// counts as runnable (it is woken when picked). @me is left out if @forced.
std::vector<int> scheduler::impl::candidates(int me, bool forced)
{
	std::vector<int> c;
	for (auto &t : th) {
		if (t->st == DONE || (forced && t->id == me))
			continue;
		if (t->st == RUNNABLE || t->ready(t->arg))
			c.push_back(t->id);
	}
	return c;
}

// Pick the next thread; when nobody can run, advance virtual time to the
// earliest deadline (its sleepers time out) or report a deadlock.
int scheduler::impl::decide(int me, bool forced)
{
	std::vector<int> c = candidates(me, forced);
	if (c.empty()) {
		ktime_t first = -1;
		for (auto &t : th)
			if (t->st == BLOCKED && t->deadline >= 0 && (first < 0 || t->deadline < first))
				first = t->deadline;
		if (first < 0)
			deadlock(me);
		fence_time_advance_to(first);
		for (auto &t : th)
			if (t->st == BLOCKED && t->deadline >= 0 && t->deadline <= first) {
				t->timed_out = true;
				t->st = RUNNABLE;
				c.push_back(t->id);
			}
	}
	int next = strat->choose(c, me, forced, step);
	lthread &n = *th[next];
	if (me >= 0 && next != me) {
		// Interleaving coverage: who was stopped where, who resumes where.
		// A flag, not a count: how often a pair occurs is not news, and
		// counting would flood the corpus with near-duplicates.
		const lthread &p = *th[me];
		uint32_t h = static_cast<uint32_t>(p.last_kind + 2) * 0x9e3779b1u;
		h = (h ^ static_cast<uint32_t>(p.tag)) * 0x85ebca6bu;
		h = (h ^ static_cast<uint32_t>(n.tag)) * 0xc2b2ae35u;
		fencefuzz_interleave_counters[(h >> 8) % sizeof(fencefuzz_interleave_counters)] = 1;
	}
	if (n.st == BLOCKED) { // its predicate holds: wake it
		n.st = RUNNABLE;
		n.timed_out = false;
	}
	decisions.push_back(static_cast<uint8_t>(next));
	return next;
}

void scheduler::impl::handoff(std::unique_lock<std::mutex> &l, lthread &me, int next)
{
	save_context(me);
	running = next;
	th[next]->cv.notify_one();
	me.cv.wait(l, [&] { return running == me.id; });
}

void scheduler::impl::point(lthread &me, int kind)
{
	std::unique_lock<std::mutex> l(m);
	step++;
	me.last_kind = kind;
	if (strat->keep_going())
		return;
	int next = decide(me.id, false);
	if (next != me.id)
		handoff(l, me, next);
}

bool scheduler::impl::wait(lthread &me, int kind, const void *addr, fence_sched_ready_fn ready,
			   const void *arg, ktime_t deadline, const char *what)
{
	std::unique_lock<std::mutex> l(m);
	if (ready(arg))
		return true;
	step++;
	me.last_kind = kind;
	me.st = BLOCKED;
	me.ready = ready;
	me.arg = arg;
	me.deadline = deadline;
	me.timed_out = false;
	me.kind = kind;
	me.addr = addr;
	me.what = what;
	int next = decide(me.id, true);
	if (next != me.id)
		handoff(l, me, next);
	// Picked: because ready() held, or because the deadline passed.
	bool ok = !me.timed_out || ready(arg);
	me.st = RUNNABLE;
	me.ready = nullptr;
	me.deadline = -1;
	me.timed_out = false;
	return ok;
}

void scheduler::impl::finish(lthread &me)
{
	std::unique_lock<std::mutex> l(m);
	me.st = DONE;
	save_context(me);
	if (++n_done == static_cast<int>(th.size())) {
		running = -1;
		done_cv.notify_all();
		return;
	}
	step++;
	int next = decide(me.id, true);
	running = next;
	th[next]->cv.notify_one();
}

void scheduler::impl::deadlock(int me)
{
	std::string r = "fencefuzz: DEADLOCK: no logical thread can run (deterministic scheduler)\n";
	char buf[512];
	for (auto &t : th) {
		snprintf(buf, sizeof(buf), "  thread %d (%s)%s: ", t->id, t->name.c_str(),
			 t->id == me ? " [found it]" : "");
		r += buf;
		if (t->st == DONE) {
			r += "finished\n";
			continue;
		}
		r += t->note.empty() ? "(no op)" : t->note;
		r += "\n";
		if (t->st == BLOCKED) {
			snprintf(buf, sizeof(buf), "      waits for %s (%s at %p)", t->what,
				 kind_name(t->kind), t->addr);
			r += buf;
			if (t->kind == FENCE_SP_LOCK && t->addr) {
				auto *lock = static_cast<const spinlock_t *>(t->addr);
				unsigned owner = std::atomic_ref<unsigned>(const_cast<spinlock_t *>(lock)->owner).load();
				std::string holder = "an unknown thread";
				for (auto &u : th)
					if (u->os_tid == owner)
						holder = "thread " + std::to_string(u->id) + " (" + u->name + ")";
				r += ", held by " + holder;
			}
			r += "\n";
		}
		snprintf(buf, sizeof(buf), "      holds %d spinlock(s), rcu_read_lock depth %d\n",
			 t->locks_held, t->rcu_nesting);
		r += buf;
	}
	snprintf(buf, sizeof(buf), "  after %" PRIu64 " scheduling points\n", step);
	r += buf;
	r += "  schedule: " + format_schedule(spec) + "\n";
	if (report)
		r += report();
	fputs(r.c_str(), stderr);
	fflush(stderr);
	std::string sig = "threads";
	for (auto &t : th)
		if (t->st == BLOCKED) {
			sig = std::string("waits-for-") + t->what;
			break;
		}
	fence_oracle("deadlock", sig.c_str());
	abort();
}

scheduler::scheduler(const schedule_spec &spec) : p_(std::make_unique<impl>(spec))
{
	fence_sched_register(&kOps);
}

scheduler::~scheduler() = default;

void scheduler::set_report(std::function<std::string()> fn) { p_->report = std::move(fn); }

const std::vector<uint8_t> &scheduler::decisions() const { return p_->decisions; }

uint64_t scheduler::steps() const { return p_->step; }

void scheduler::run(std::vector<std::pair<std::string, std::function<void()>>> threads)
{
	impl &s = *p_;
	if (threads.empty())
		return;
	s.strat = make_strategy(s.spec, static_cast<int>(threads.size()));
	for (size_t i = 0; i < threads.size(); i++) {
		auto t = std::make_unique<impl::lthread>();
		t->id = static_cast<int>(i);
		t->name = std::move(threads[i].first);
		t->fn = std::move(threads[i].second);
		s.th.push_back(std::move(t));
	}
	for (size_t i = 0; i < s.th.size(); i++) {
		s.th[i]->sched = &s;
		s.th[i]->outer = this;
		pool::get().start(i, impl::thread_main, s.th[i].get());
	}
	std::unique_lock<std::mutex> l(s.m);
	s.running = s.decide(-1, true);
	s.th[s.running]->cv.notify_one();
	s.done_cv.wait(l, [&] { return s.n_done == static_cast<int>(s.th.size()); });
}

void scheduler::impl::thread_main(void *arg)
{
	auto *t = static_cast<lthread *>(arg);
	impl &s = *t->sched;
	t_self = t;
	t_sched = &s;
	t_outer = t->outer;
	t->os_tid = fence_thread_id();
	{
		std::unique_lock<std::mutex> l(s.m);
		t->cv.wait(l, [&] { return s.running == t->id; });
	}
	t->fn();
	t_self = nullptr;
	t_sched = nullptr;
	t_outer = nullptr;
	s.finish(*t);
}

scheduler *scheduler::running() { return t_outer; }

int scheduler::self() { return t_self ? t_self->id : -1; }

void scheduler::point(const char *)
{
	if (t_self)
		t_sched->point(*t_self, kPointHarness);
}

void scheduler::wait(const std::function<bool()> &ready, const char *what)
{
	if (t_self)
		t_sched->wait(*t_self, kPointHarness, nullptr, call_function, &ready, -1, what);
	else
		while (!ready())
			std::this_thread::yield();
}

void scheduler::annotate(std::string what, int tag)
{
	if (t_self) {
		std::lock_guard<std::mutex> l(t_sched->m);
		t_self->note = std::move(what);
		t_self->tag = tag;
	}
}

} // namespace harness::dsched

// SPDX-License-Identifier: MIT
//
// interp.cpp - the sequential runner: every op of a program through the
// catalog (catalog.h) on the core and on the model, then the checker.
//
// Oracle (what output means broken): "fencefuzz: DIVERGENCE" followed by the
// program, the op index and expected-vs-actual means the core disagreed with
// the reference model; a sanitizer report, a WARN (panic_on_warn) or an
// "access to unloaded module" trap means the core did something illegal while
// the harness drove only legal API usage.
//
// Per op: its descriptor's legal() decides from the model whether the API's
// contract allows it now (if not it is skipped, on both sides); core() runs
// it on the fence core, model() predicts the same, and both outcomes must
// compare equal; learn() takes what only the core can know (a context) and
// checks what the core promises about it; then the callbacks it ran, the
// ktime_get() timestamps, and the slots it could change (check.h).
#include "seq_run.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>

#include "catalog.h"
#include "harness/core_api.h"

namespace harness {

namespace {

run_stats g_stats;
std::string g_source_name;

} // namespace

#ifdef FENCE_CORE_HAS_TRACE
void trace_to_log(const struct dma_fence_trace_record *rec, void *data)
{
	auto *out = static_cast<std::ostream *>(data);
	char buf[256];
	snprintf(buf, sizeof(buf), "      trace %-24s ctx=%" PRIu64 " seqno=%" PRIu64 " driver=%s timeline=%s\n",
		 dma_fence_trace_event_name(rec->event), rec->context, rec->seqno, rec->driver,
		 rec->timeline);
	*out << buf;
}
#endif

namespace {

unsigned full_check_every(const run_options &opt)
{
	if (const char *e = getenv("FENCEFUZZ_FULL_CHECK_EVERY")) {
		long v = strtol(e, nullptr, 0);
		return v > 0 ? static_cast<unsigned>(v) : 1;
	}
	return opt.full_check_every > 0 ? opt.full_check_every : 1;
}

} // namespace

run_stats &mutable_stats() noexcept { return g_stats; }
const std::string &source_name() noexcept { return g_source_name; }

seq_run::seq_run(const run_options &opt)
	: opt_(opt), slab0_(fence_slab_live()), mods0_(fence_module_count_loaded()),
	  full_every_(full_check_every(opt))
{
}

void seq_run::diverge(size_t idx, const op &o, const std::string &what, const std::string &expected,
		      const std::string &actual)
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
	const bool leak = what.find("after teardown") != std::string::npos;
	const bool contract = what.rfind("contract ", 0) == 0;
	fence_oracle(leak ? "leak" : contract ? "contract" : "model",
		     leak ? "teardown"
			  : (std::string(info(o.kind).name) + "-" +
			     (contract ? what.substr(9) : what)).c_str());
	abort();
}

bool seq_run::step(const op &o)
{
	history_.push_back(o);
	n_prog_ = history_.size();
	const unsigned long skipped = g_stats.skipped;
	step_at(history_.size() - 1, o, false);
	return g_stats.skipped == skipped;
}

void seq_run::step_at(size_t idx, const op &o, bool teardown)
{
	const op_desc &d = desc(o.kind);
	g_stats.ops++;
	if (!d.legal(m_, o)) {
		g_stats.skipped++;
		if (opt_.log)
			*opt_.log << "  " << idx << ": " << format_op(o) << "  -> skipped (precondition)\n";
		fail_next_ = false;
		return;
	}
	if (opt_.log)
		*opt_.log << "  " << idx << ": " << format_op(o) << "\n";
	const bool fail = fail_next_;
	fail_next_ = d.arms_failnext;
	ck_.before(m_, o);
	m_.fail_alloc = fail;
	if (fail)
		fence_failslab_nth(1);
	std::string broke;
	set_contract_sink(&broke);
	const outcome actual = run_core(d, w_, o, /*in_thread=*/false);
	if (fail)
		fence_failslab_nth(0);
	check_contracts(w_, o, actual, w_.events);
	set_contract_sink(nullptr);
	const uint64_t aux = d.observe ? d.observe(w_, o, actual) : 0;
	const outcome expected = d.model_fn(m_, o);
	m_.fail_alloc = false;
	if (opt_.log)
		*opt_.log << "      = " << show(actual) << "\n";
	if (!broke.empty())
		diverge(idx, o, "contract " + contract_kind(broke), "kept", broke);
	if (!(actual == expected))
		diverge(idx, o, "return value", show(expected), show(actual));
	if (d.learn) {
		const std::string broken = d.learn(m_, o, aux);
		if (!broken.empty()) { // "check|expected|actual"
			const size_t a = broken.find('|'), b = broken.find('|', a + 1);
			diverge(idx, o, broken.substr(0, a), broken.substr(a + 1, b - a - 1),
				broken.substr(b + 1));
		}
	}
	if (teardown && d.teardown_zero && actual.value != 0)
		diverge(idx, o, "at teardown (every reference was dropped)", "0", show(actual));
	check_events(idx, o);
	check_ts(idx, o);
	const bool full = ++since_full_ >= full_every_;
	if (full)
		since_full_ = 0;
	mismatch mm;
	if (!ck_.after(w_, m_, o, full, &mm))
		diverge(idx, o, mm.field, mm.expected, mm.actual);
}

void seq_run::check_events(size_t idx, const op &o)
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
		    ce[i].error != me[i].error || !ce[i].ts_bit || !ce[i].right_fence)
			diverge(idx, o, "callbacks run (exactly once, FIFO, right fence, timestamp first)",
				exp, act);
		if (opt_.log)
			*opt_.log << "      callback c" << ce[i].slot << " ran, error " << ce[i].error << "\n";
	}
	ce.clear();
	me.clear();
}

// Fences signaled with ktime_get(): their timestamps increase in signal order,
// and the model learns each when it is first seen.
void seq_run::check_ts(size_t idx, const op &o)
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
				p = w_.rslot_fence(r);
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

void seq_run::finish()
{
	if (finished_)
		return;
	finished_ = true;
	const op last = history_.empty() ? op{} : history_.back();
	mismatch mm;
	if (!checker::all(w_, m_, &mm))
		diverge(history_.size(), last, mm.field, mm.expected, mm.actual);
	if (opt_.log)
		*opt_.log << "teardown:\n";
	for (const op &o : teardown_ops(w_)) {
		history_.push_back(o);
		step_at(history_.size() - 1, o, true);
	}
	rcu_barrier();
	const size_t end = history_.size();
	for (size_t f = 0; f < m_.fences.size(); f++)
		if (!m_.fences[f].dead && !m_.fences[f].global_stub)
			diverge(end, last, "model: fence #" + std::to_string(f) + " freed at teardown",
				"freed", "still referenced (model bug)");
	if (fence_slab_live() != slab0_)
		diverge(end, last, "kmalloc'd objects after teardown (leak or double free)",
			std::to_string(slab0_), std::to_string(fence_slab_live()));
	if (fence_module_count_loaded() != mods0_)
		diverge(end, last, "modules loaded after teardown", std::to_string(mods0_),
			std::to_string(fence_module_count_loaded()));
	g_stats.programs++;
}

void seq_run::teardown_unchecked()
{
	finished_ = true;
	for (const op &o : teardown_ops(w_))
		desc(o.kind).core(w_, o);
	fence_signal_clear(current);
	rcu_barrier();
}

// ---- the public API (interp.h) ---------------------------------------------------

// The port's trace sink logs its trace events; the tree's tracepoints are
// compiled as in a kernel where none is enabled, so its log has no trace lines.
session::session(const run_options &opt) : p_(std::make_unique<seq_run>(opt))
{
#ifdef FENCE_CORE_HAS_TRACE
	if (opt.log)
		dma_fence_set_trace_sink(trace_to_log, opt.log);
#endif
}

session::~session()
{
#ifdef FENCE_CORE_HAS_TRACE
	if (p_->opt().log)
		dma_fence_set_trace_sink(nullptr, nullptr);
#endif
}

bool session::legal(const op &o) const { return op_legal(p_->m(), o); }
bool session::step(const op &o) { return p_->step(o); }
void session::finish() { p_->finish(); }
const model &session::state() const { return p_->m(); }

bool op_legal(const model &m, const op &o) { return desc(o.kind).legal(m, o); }

void model_apply(model &m, const op &o, std::string *result)
{
	const op_desc &d = desc(o.kind);
	const bool fail = m.fail_alloc; // armed by a failnext just before
	m.fail_alloc = false;
	m.events.clear();
	m.clock_signals.clear();
	if (!d.legal(m, o)) {
		if (result)
			*result = "skipped";
		return;
	}
	m.fail_alloc = fail;
	const outcome r = d.model_fn(m, o);
	m.fail_alloc = d.arms_failnext;
	if (d.learn)
		d.learn(m, o, 0); // nothing observed: placeholders (interp.h)
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

} // namespace harness

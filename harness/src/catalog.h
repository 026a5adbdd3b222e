// SPDX-License-Identifier: MIT
//
// harness/src/catalog.h - the op catalog: one descriptor per op, defined once,
// in one file per family (harness/src/ops/*.cpp). Internal to harness/.
//
// A descriptor says everything the harness knows about an op:
//  - its arguments (which fix its binary width and text spelling) and help;
//  - legal():        the API's documented precondition, decided on the model
//                    (an op that is not legal is skipped on both sides);
//  - thread_legal(): the same inside a concurrent thread, decided from what
//                    that thread can know (its slots, its modules) and from
//                    monotone core facts, nullptr if the op never runs in a
//                    thread (harness/concurrent.h lists the rules);
//  - core():         what it does to the fence core (through the world);
//  - model():        what the reference model predicts;
//  - observe()/learn(): what the model learns from the core (a module's
//                    context, the stub's boot timestamp), recorded when the
//                    op runs and applied when the model replays it, with a
//                    check of what the core promises about it;
//  - lin_step():     the op's atomic steps for the linearizer, if it has more
//                    than one; lin_equal(): results the kernel promises only
//                    loosely (a wait's remaining time, a pair of name reads);
//  - touches:        which slots it can change, so the checker after each op
//                    looks only there (check.h);
//  - post():         the contract the core keeps for it under any
//                    interleaving (a signaled fence stays signaled, a status
//                    is 0, 1 or an error and only on a signaled fence, ...),
//                    checked after the op by every runner: the sequential
//                    session, both concurrent runners and the torture. Checks
//                    that must look inside the op (a read-side section that
//                    outlives a module's unload, a fence get_rcu_safe() hands
//                    out that was never in its slot) are made by its core()
//                    through contract_broken() (world.h).
// Nothing outside harness/src/ops/ switches on the op kind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/model.h"
#include "harness/program.h"
#include "harness/semantics.h"
#include "world.h"

namespace harness {

// What an op returned, on either side.
// warns: the WARNs it drew (misuse ops, op_desc::misuse; every other op
// runs with panic_on_warn, where a WARN is a crash).
struct outcome {
	long value = 0;
	std::string text;
	int warns = 0;
	bool operator==(const outcome &o) const
	{
		return value == o.value && text == o.text && warns == o.warns;
	}
};
// Spelled as in divergence reports: 1, 0 "mod0 mod0.names.tl", -22 (1 WARN).
std::string show(const outcome &o);

// Which fence an op put into its destination slot ("ctx:seqno", or empty).
struct fence_ident {
	bool known = false; // the op writes a fence slot (op_desc::writes_fence_slot)
	bool empty = true;
	uint64_t context = 0, seqno = 0;
	std::string text() const;
	bool operator==(const fence_ident &o) const
	{
		return empty == o.empty && (empty || (context == o.context && seqno == o.seqno));
	}
};

// One op as a runner ran it on the core, for the linearizer.
struct op_record {
	int thread = 0;
	size_t index = 0; // in the thread's list
	op o;		  // with global slot numbers
	op orig;	  // as written in the thread
	bool fail = false; // its first allocation failed (failnext before it)
	uint64_t start = 0, end = 0; // logical times: end(a) < start(b) => a before b
	outcome out;
	std::vector<cb_record> events;
	uint64_t aux = 0; // what observe() recorded
	fence_ident ident; // the fence it put into its first (fence) argument's slot
	std::string broke; // the first contract it broke (check_contracts), or ""
};

// An op in progress in the linearizer (ops with lin_step() run in steps).
struct lin_progress {
	int phase = 0; // 0: not started
	std::vector<cb_event> ev;
	int mi = -1, action = 0;
	uint64_t now = 0;
	std::vector<int> local, kept;
	size_t pos = 0;
	int n = 0;
	bool scanned = false; // unload: the force-complete scan is done
};

// What a lin_step() sees. It sets *expected once the op is complete and
// returns true then; false means "more steps to come".
struct lin_ctx {
	model &m;
	const op_record &r;
	lin_progress &pg;
	bool first; // the op's first step
	outcome *expected;
};

// Which slots an op can change (besides the callbacks it runs).
enum class scope : uint8_t {
	none,	// nothing the checker compares (signals, faults)
	args,	// the fences in its fence/callback/RCU-slot arguments, before and after
	module, // and every fence of the module in its module argument, and the module
	all,	// anything (grace periods, deferred frees)
};

struct op_desc {
	op_kind kind;
	const char *help;
	arg_type args[kMaxArgs];
	bool (*legal)(const model &, const op &);
	bool (*thread_legal)(const world &, const op &);
	outcome (*core)(world &, const op &);
	// Returns "" or the contract it broke ("kind: what"), see above.
	std::string (*post)(const world &, const op &, const outcome &) = nullptr;
	outcome (*model_fn)(model &, const op &);
	scope touches = scope::args;
	// Module ops (the module owner rule in threads): the module argument.
	int module_arg = -1;
	uint64_t (*observe)(const world &, const op &, const outcome &) = nullptr;
	// Returns "" or what the core broke of its promise ("check|expected|actual").
	std::string (*learn)(model &, const op &, uint64_t aux) = nullptr;
	bool (*lin_step)(lin_ctx &) = nullptr;
	bool (*lin_equal)(const op_record &, const outcome &expected, const model &) = nullptr;
	// failnext: the next op's first allocation fails (the runner arms failslab).
	bool arms_failnext = false;
	// It puts a (new reference to a) fence into its first argument's slot:
	// the linearizer checks which fence.
	bool writes_fence_slot = false;
	// At teardown it must return 0 (unload: every reference was dropped).
	bool teardown_zero = false;
	// It commits a driver mistake the core WARNs about (ops/misuse.cpp):
	// run_core() runs it in a quiet fence::expect_warn scope and counts the
	// WARNs into outcome::warns, which the model predicts.
	bool misuse = false;
	// What legal() demands of the op's fence's state, restated for the
	// semantic-coverage map's rules (harness/coverage.h), which report a
	// reached cell that contradicts it.
	uint8_t state_need = 0; // need_any, need_signaled or need_unsignaled
	// Its fence arguments 0 and 1 must share a context (is_later, later): a
	// binary second-argument byte >= 0x80 picks a slot that holds a fence of
	// argument 0's context (decode's relative arguments, harness/program.h).
	bool same_context = false;
	// nullptr if the op can run in this process at all, else why not
	// (load_so without its .so files): the coverage map's cells for an op
	// that cannot run are unreachable, with this reason.
	const char *(*unavailable)() = nullptr;
};
enum : uint8_t { need_any, need_signaled, need_unsignaled };

// What every runner calls to run an op on the core (@in_thread: in a
// concurrent program's thread): the op observer first (coverage.h), then
// the op, with a misuse op's WARNs counted.
outcome run_core(const op_desc &d, world &w, const op &o, bool in_thread);
// The op observer's call (coverage.cpp).
void observe_op(const world &w, const op &o, bool in_thread);

// A family: the descriptors of one file of harness/src/ops/.
struct op_family {
	const char *name;
	const op_desc *ops;
	size_t count;
};

// The descriptor of @k (the catalog checks at first use that every op kind
// has exactly one).
const op_desc &desc(op_kind k) noexcept;
// Every family, in the catalog's order (catalog.cpp).
const std::vector<const op_family *> &families();

// Run @r.o's core side on @w as a thread of a concurrent runner does: its
// callbacks into @r.events, its first allocation failing if @r.fail, then
// what the model learns (observe()) and the fence it put into its slot.
void run_record(world &w, op_record &r);
// After @r ran on @w: record which fence it put into its slot (if it writes one).
void record_ident(const world &w, op_record &r);
// The contracts of op @o that just returned @out on @w: its descriptor's
// post(), every fence argument still a live, initialised fence, and the
// callbacks it ran (@events) ran once, on their signaled fence. Reports the
// first broken one through contract_broken().
void check_contracts(const world &w, const op &o, const outcome &out,
		     const std::vector<cb_record> &events);
// The kind of a broken contract ("unload_gp" of "unload_gp: ..."), for the
// oracle line.
std::string contract_kind(const std::string &broke);
// The same of the model's slot @slot.
fence_ident model_ident(const model &m, int slot);

// ---- helpers the family files share --------------------------------------------

inline int fence_arg(const model &m, const op &o, int i) { return m.fslot[o.a[i]]; }
inline bool has_fence(const model &m, const op &o, int i) { return fence_arg(m, o, i) >= 0; }
inline bool loaded(const model &m, const op &o, int i) { return m.mslot[o.a[i]] >= 0; }
inline bool fence0(const model &m, const op &o) { return has_fence(m, o, 0); }
inline bool always(const model &, const op &) { return true; }
inline bool always_t(const world &, const op &) { return true; }
inline bool fence0_t(const world &w, const op &o) { return w.fence[o.a[0]] != nullptr; }
void model_set_fence(model &m, int slot, int f);
long jiffies_arg(uint64_t t);
// Would ->signaled say "signaled" for fence @f now (a racy poll)?
bool model_signaled_cb(const model &m, int f);
// The one-fence steps of a module's pending-list scan (model::scan() split).
void lin_scan_begin(model &m, lin_progress &pg, int mi, int action, uint64_t now);
void lin_scan_one(model &m, lin_progress &pg);
void lin_scan_end(model &m, lin_progress &pg);
// dma_fence_is_signaled() in two steps: the SIGNALED flag, then (not under
// the lock) ->signaled through the ops pointer. A signal in between detaches
// the ops, so the second step says "no" although the fence is signaled by
// then: the kernel's answer is racy by design. For an op that asks that of
// fence @f: Return 0 (first step, more to come), 1 (*c.expected is the
// model's whole op) or 2 (signaled between the steps, and ->signaled says
// no: the caller spells the racy answer).
int lin_is_signaled_steps(lin_ctx &c, int f, outcome (*model_fn)(model &, const op &));
// dma_fence_is_later()'s rule on model fences.
bool model_is_later(const model &m, int f1, int f2);

extern const op_family family_modules, family_refs, family_signal, family_callbacks, family_misuse,
	family_waits, family_names, family_rcu, family_faults;

} // namespace harness

// SPDX-License-Identifier: MIT
//
// harness/program.h - the operation catalog and the program format.
//
// A program is a list of operations over small slot spaces: fences (f0..f7),
// callbacks (c0..c7), modules (m0..m3) and shared RCU slots (s0, s1). The
// same program has two forms:
//
//  - binary, for fuzzers: any byte string decodes to a valid program. Each op
//    is an opcode byte (taken modulo the harness profile's op count) followed
//    by its arguments; slot indices are taken modulo the slot space, and a
//    truncated tail reads as zeros. Nothing is ever rejected.
//  - text (.prog), for people: one op per line, '#' starts a comment, and
//    leading "# key: value" lines form the header (found-by, symptom, ...).
//
// Text -> binary -> text is the identity on the ops (comments other than the
// header are dropped); binary -> text -> binary yields the canonical encoding
// of the same program. `fence-prog list-ops` prints the op reference; README.md
// "Programs, reproducers and the tools" explains the format.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace harness {

constexpr int kFenceSlots = 8;
constexpr int kCbSlots = 8;
constexpr int kModuleSlots = 4;
constexpr int kRcuSlots = 2;
constexpr int kMaxArgs = 4;
// A binary program holds at most kMaxOps ops (decoding stops there): this
// bounds one fuzz execution. Text programs, written by people, may be longer.
constexpr size_t kMaxOps = 64;
constexpr size_t kMaxTextOps = 4096;

// Concurrent programs (harness/concurrent.h) run up to kMaxThreads threads
// after a shared setup. Each thread has its own fence and callback slots
// (f0..f7 and c0..c7 in its text), which the interpreter keeps after the
// setup's: its slot tables hold kFenceSlotSpace / kCbSlotSpace entries, of
// which a sequential program uses the first kFenceSlots / kCbSlots.
constexpr int kMaxThreads = 4;
constexpr int kFenceSlotSpace = kFenceSlots * (1 + kMaxThreads);
constexpr int kCbSlotSpace = kCbSlots * (1 + kMaxThreads);

// What an argument is, which fixes its binary width and its text spelling.
enum class arg_type : uint8_t {
	none,	  // (no argument: ends a descriptor's list)
	fence,	  // f0..f7                      1 byte, mod 8
	cb,	  // c0..c7                      1 byte, mod 8
	module,	  // m0..m3                      1 byte, mod 4
	rslot,	  // s0..s1                      1 byte, mod 2
	model,	  // names|hw|recycle|wait|deadline|timeline   1 byte
	cflags,	  // - | ext | seqno64 | ext,seqno64           1 byte
	intr,	  // intr | nointr               1 byte
	timeout,  // 0..254 jiffies | max        1 byte (255 = max)
	err,	  // -1..-4095                   2 bytes
	u64,	  // any u64 (seqnos, times)     tag byte + 1/2/4/8 bytes, near 2^32 / 2^64,
		  //                             or relative to a fence's seqno or timestamp
	fset,	  // f0,f3,... (non-empty)       1 byte bitmask
};

// The op kinds, in the order that fixes their opcode numbers in the binary
// form (append only). What each op is and does lives in its family's file,
// harness/src/ops/<family>.cpp (its descriptor: arguments, help, legality,
// core and model sides, linearizer steps); `fence-prog list-ops` prints them.
// The misuse family (ops/misuse.cpp, from ctx_alloc0 on) commits a driver
// mistake the core defends against with a WARN, and checks the WARN and
// what the core does next.
#define HARNESS_OPS(X)                                                                  \
	X(load) X(unload) X(create) X(stub) X(private_stub) X(get) X(put) X(signal)     \
	X(signal_ts) X(signal_locked) X(check_and_signal) X(set_error) X(add_cb)        \
	X(remove_cb) X(drop_cb) X(enable_sw) X(is_signaled) X(test_flag) X(status)      \
	X(status_locked) X(wait) X(wait_any) X(set_deadline) X(names) X(describe)       \
	X(timestamp) X(is_later) X(later) X(publish) X(clear) X(get_rcu_safe)           \
	X(sync_rcu) X(rcu_barrier) X(sig_raise) X(sig_clear) X(irq) X(inc) X(failnext)    \
	X(load_so) X(ctx_alloc0) X(signal_null) X(signal_ts_null) X(is_later_xctx)       \
	X(later_xctx) X(set_error_signaled) X(set_error_zero) X(timestamp_early)           \
	X(release_pending) X(add_cb_null) X(wait_negative) X(wait_any_zero)              \
	X(wait_in_signalling) X(timestamp_race)

enum class op_kind : uint8_t {
#define HARNESS_OP_ENUM(name) name,
	HARNESS_OPS(HARNESS_OP_ENUM)
#undef HARNESS_OP_ENUM
	count_
};
constexpr int kOpKinds = static_cast<int>(op_kind::count_);

struct op_info {
	const char *name;
	const char *help;
	int nargs;
	arg_type args[kMaxArgs];
	bool misuse; // commits a driver mistake the core WARNs about
};
const op_info &info(op_kind k) noexcept;

struct op {
	op_kind kind = op_kind::sync_rcu;
	uint64_t a[kMaxArgs] = {0, 0, 0, 0};
	bool operator==(const op &o) const noexcept;
};

// A profile is a harness's view of the catalog: which ops its opcode bytes
// map to. api_fuzz uses every op; module_fuzz weights module lifecycles.
struct profile {
	const char *name;
	std::vector<op_kind> opcodes;
};
const profile &api_profile() noexcept;
const profile &module_profile() noexcept;
// concurrent_fuzz: the opcode table of the ops inside concurrent programs.
const profile &concurrent_profile() noexcept;
const profile *find_profile(const std::string &name) noexcept;

struct program {
	std::vector<std::pair<std::string, std::string>> header; // "# key: value" lines
	std::vector<op> ops;
};

struct model;

// Binary form. decode never fails; encode gives the canonical bytes.
//
// State-relative arguments. A u64 tag byte >= 0xc0 names a value relative to
// the world as the program reaches that op: another fence's seqno plus a
// small delta, or that seqno across the 2^31 / 2^32 window, a fence's
// timestamp, the newest fence of the op's module (the same context), the
// module's hardware seqno. The second fence of an op that needs two fences
// of one context (is_later, later) may likewise name "a slot holding a fence
// of argument 0's context". decode resolves every such argument to its plain
// value by running the program's ops on a model alone (model_apply(),
// harness/interp.h) up to the last op that has one, so a decoded program
// holds plain values only: the text form, every runner and encode see those,
// and encode writes them with plain tags (the canonical bytes). README.md
// "Programs, reproducers and the tools" lists the tags.
program decode(const uint8_t *data, size_t size, const profile &p);
// Decode up to @max_ops ops (fewer if the bytes run out) and append them to
// @out. Return: the bytes used. For formats that embed op lists. Relative
// arguments resolve against @start (the model before the first op; a fresh
// model if nullptr), stepped through the new ops with model_apply().
size_t decode_ops(const uint8_t *data, size_t size, const profile &p, size_t max_ops,
		  std::vector<op> *out, const model *start = nullptr);
std::vector<uint8_t> encode(const program &prog, const profile &p);

// Text form. parse returns false and sets *error to "line N: ..." on bad input.
bool parse(const std::string &text, program *out, std::string *error);
std::string format(const program &prog, bool with_header = true);
std::string format_op(const op &o);

// Heuristic used by tools: text programs are printable ASCII.
bool looks_like_text(const uint8_t *data, size_t size) noexcept;

} // namespace harness

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
	fence,	  // f0..f7                      1 byte, mod 8
	cb,	  // c0..c7                      1 byte, mod 8
	module,	  // m0..m3                      1 byte, mod 4
	rslot,	  // s0..s1                      1 byte, mod 2
	model,	  // names|hw|recycle|wait|deadline|timeline   1 byte
	cflags,	  // - | ext | seqno64 | ext,seqno64           1 byte
	intr,	  // intr | nointr               1 byte
	timeout,  // 0..254 jiffies | max        1 byte (255 = max)
	err,	  // -1..-4095                   2 bytes
	u64,	  // any u64 (seqnos, times)     tag byte + 1/2/4/8 bytes, or near 2^32 / 2^64
	fset,	  // f0,f3,... (non-empty)       1 byte bitmask
};

#define HARNESS_OPS(X)                                                                     \
	X(load, "load a module into a slot", arg_type::module, arg_type::model)            \
	X(unload, "unload a module (0 or -EBUSY)", arg_type::module)                       \
	X(create, "issue a fence from a module", arg_type::fence, arg_type::module,        \
	  arg_type::u64, arg_type::cflags)                                                 \
	X(stub, "dma_fence_get_stub", arg_type::fence)                                     \
	X(private_stub, "dma_fence_allocate_private_stub(ts)", arg_type::fence,            \
	  arg_type::u64)                                                                   \
	X(get, "dst = dma_fence_get(src)", arg_type::fence, arg_type::fence)               \
	X(put, "dma_fence_put, slot emptied", arg_type::fence)                             \
	X(signal, "dma_fence_signal", arg_type::fence)                                     \
	X(signal_ts, "dma_fence_signal_timestamp", arg_type::fence, arg_type::u64)         \
	X(signal_locked, "lock; dma_fence_signal_locked; unlock", arg_type::fence)         \
	X(check_and_signal, "dma_fence_check_and_signal", arg_type::fence)                 \
	X(set_error, "dma_fence_set_error (unsignaled only)", arg_type::fence,             \
	  arg_type::err)                                                                   \
	X(add_cb, "dma_fence_add_callback", arg_type::fence, arg_type::cb)                 \
	X(remove_cb, "dma_fence_remove_callback on the cb's fence", arg_type::cb)          \
	X(drop_cb, "remove the cb if queued, drop the harness's ref on its fence",        \
	  arg_type::cb)                                                                    \
	X(enable_sw, "dma_fence_enable_sw_signaling", arg_type::fence)                     \
	X(is_signaled, "dma_fence_is_signaled", arg_type::fence)                           \
	X(test_flag, "dma_fence_test_signaled_flag", arg_type::fence)                      \
	X(status, "dma_fence_get_status", arg_type::fence)                                 \
	X(status_locked, "lock; dma_fence_get_status_locked; unlock", arg_type::fence)     \
	X(wait, "dma_fence_wait_timeout", arg_type::fence, arg_type::intr,                 \
	  arg_type::timeout)                                                               \
	X(wait_any, "dma_fence_wait_any_timeout", arg_type::fset, arg_type::intr,          \
	  arg_type::timeout)                                                               \
	X(set_deadline, "dma_fence_set_deadline", arg_type::fence, arg_type::u64)          \
	X(names, "driver and timeline name under RCU", arg_type::fence)                    \
	X(describe, "dma_fence_describe", arg_type::fence)                                 \
	X(timestamp, "dma_fence_timestamp (signaled only)", arg_type::fence)               \
	X(is_later, "dma_fence_is_later (same context only)", arg_type::fence,             \
	  arg_type::fence)                                                                 \
	X(later, "dma_fence_later (same context only)", arg_type::fence, arg_type::fence)  \
	X(publish, "replace an RCU slot's fence with a new reference", arg_type::rslot,    \
	  arg_type::fence)                                                                 \
	X(clear, "empty an RCU slot", arg_type::rslot)                                     \
	X(get_rcu_safe, "dst = dma_fence_get_rcu_safe(slot)", arg_type::fence,             \
	  arg_type::rslot)                                                                 \
	X(sync_rcu, "synchronize_rcu", )                                                   \
	X(rcu_barrier, "rcu_barrier: run deferred frees", )                                \
	X(sig_raise, "raise a pending signal on this thread", )                            \
	X(sig_clear, "clear the pending signal", )                                         \
	X(irq, "HW module interrupt at a hardware seqno", arg_type::module, arg_type::u64) \
	X(inc, "TIMELINE module inc(n)", arg_type::module, arg_type::u64)                  \
	X(failnext, "the next op's first allocation fails (failslab)", )

enum class op_kind : uint8_t {
#define HARNESS_OP_ENUM(name, ...) name,
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

// Binary form. decode never fails; encode gives the canonical bytes.
program decode(const uint8_t *data, size_t size, const profile &p);
// Decode up to @max_ops ops (fewer if the bytes run out) and append them to
// @out. Return: the bytes used. For formats that embed op lists.
size_t decode_ops(const uint8_t *data, size_t size, const profile &p, size_t max_ops,
		  std::vector<op> *out);
std::vector<uint8_t> encode(const program &prog, const profile &p);

// Text form. parse returns false and sets *error to "line N: ..." on bad input.
bool parse(const std::string &text, program *out, std::string *error);
std::string format(const program &prog, bool with_header = true);
std::string format_op(const op &o);

// Heuristic used by tools: text programs are printable ASCII.
bool looks_like_text(const uint8_t *data, size_t size) noexcept;

} // namespace harness

// SPDX-License-Identifier: MIT
//
// The program format: binary decode/encode and text parse/format.
// Oracle: none here; fence-prog's round-trip tests (harness/tests) prove that
// text -> binary -> text is the identity and that decode accepts anything.
#include "harness/program.h"

#include "catalog.h"
#include "format_util.h"
#include "harness/interp.h"
#include "harness/model.h"

#include <cinttypes>
#include <initializer_list>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <unordered_map>

namespace harness {

namespace {

const char *const kModelNames[] = {"names", "hw", "recycle", "wait", "deadline", "timeline"};
constexpr int kModels = 6;
const char *const kCflagNames[] = {"-", "ext", "seqno64", "ext,seqno64"};

// Every op the core has (harness/semantics.h): a tree's opcode table leaves
// out what the tree lacks, so its bytes never decode to such an op.
bool core_has(op_kind k) { return semantics().has[static_cast<int>(k)]; }

profile make_api()
{
	profile p{"api_fuzz", {}};
	for (int i = 0; i < kOpKinds; i++)
		if (core_has(static_cast<op_kind>(i)))
			p.opcodes.push_back(static_cast<op_kind>(i));
	return p;
}

// Every op once (so any program encodes in every profile), then @extra again
// to weight the ops a harness is about.
profile make_weighted(const char *name, std::initializer_list<op_kind> extra)
{
	profile p = make_api();
	p.name = name;
	for (op_kind k : extra)
		if (core_has(k))
			p.opcodes.push_back(k);
	return p;
}

// Module lifecycles: load, issue, signal, detach, unload.
profile make_module()
{
	return make_weighted("module_fuzz",
			     {op_kind::load,	     op_kind::load,	op_kind::unload,   op_kind::unload,
			      op_kind::create,	     op_kind::create,	op_kind::create,   op_kind::signal,
			      op_kind::signal,	     op_kind::put,	op_kind::put,	   op_kind::irq,
			      op_kind::inc,	     op_kind::names,	op_kind::status,   op_kind::publish,
			      op_kind::get_rcu_safe, op_kind::add_cb, op_kind::describe, op_kind::wait});
}

// The ops whose races the concurrent harness is for: refcounts, signal vs
// callbacks, RCU slots, names and waits against detach and unload.
profile make_concurrent()
{
	return make_weighted(
		"concurrent_fuzz",
		{op_kind::get,	       op_kind::put,	      op_kind::put,	    op_kind::signal,
		 op_kind::signal,      op_kind::add_cb,	      op_kind::remove_cb,   op_kind::drop_cb,
		 op_kind::names,       op_kind::names,	      op_kind::publish,	    op_kind::clear,
		 op_kind::get_rcu_safe, op_kind::get_rcu_safe, op_kind::is_signaled, op_kind::status,
		 op_kind::enable_sw,   op_kind::wait,	      op_kind::unload,	    op_kind::create,
		 op_kind::irq,	       op_kind::inc,	      op_kind::describe,    op_kind::set_deadline});
}

// ---- binary ---------------------------------------------------------------

using reader = byte_reader;

// A state-relative argument as decode_ops() reads it: resolve() gives it its
// plain value on the model just before its op.
enum rel_kind : uint8_t {
	rel_seqno,	   // seqno(fN) + d
	rel_seqno_p31,	   // seqno(fN) + 2^31 + d   (the far side of the 32-bit window)
	rel_seqno_m31,	   // seqno(fN) - 2^31 + d
	rel_seqno_p32,	   // seqno(fN) + 2^32 + d   (same low 32 bits)
	rel_seqno_m32,	   // seqno(fN) - 2^32 + d
	rel_ts,		   // timestamp(fN) + d       (signaled, timestamp known to the model)
	rel_module_newest, // seqno of the op's module's newest live fence + d (same context)
	rel_module_hw,	   // the op's module's hardware seqno + d
	rel_u64_kinds,
	rel_same_context = rel_u64_kinds, // a fence slot of argument 0's context
};
struct rel_arg {
	uint32_t op;   // index in the op list
	uint8_t arg;   // which argument
	uint8_t kind;  // rel_kind
	uint8_t slot;  // fN the value is relative to; rel_same_context: the pick
	int8_t delta;  // -4..4
};

// u64 encoding: tag byte t. Below 0xc0, t%6: 0 -> 1 byte, 1 -> 2 bytes,
// 2 -> 4 bytes, 3 -> 8 bytes little-endian, 4 -> 2^32 - 128 + byte,
// 5 -> 2^64 - 128 + byte (encode writes tags 0..5 only). From 0xc0 a
// relative value: kind (t - 0xc0) % 8 (rel_kind), then a byte b: slot fN
// with N = b % 8, delta (b / 8) % 9 - 4. *rel receives it; the value read is
// a placeholder 0 until resolve().
constexpr uint8_t kRelTag = 0xc0;
uint64_t read_u64(reader &r, rel_arg *rel, bool *is_rel) noexcept
{
	const uint8_t t = r.byte();
	if (t >= kRelTag) {
		const uint8_t b = r.byte();
		rel->kind = static_cast<uint8_t>((t - kRelTag) % rel_u64_kinds);
		rel->slot = b % kFenceSlots;
		rel->delta = static_cast<int8_t>((b / kFenceSlots) % 9 - 4);
		*is_rel = true;
		return 0;
	}
	switch (t % 6) {
	case 0: return r.le(1);
	case 1: return r.le(2);
	case 2: return r.le(4);
	case 3: return r.le(8);
	case 4: return (1ULL << 32) - 128 + r.byte();
	default: return 0ULL - 128 + r.byte();
	}
}

void write_u64(std::vector<uint8_t> &out, uint64_t v)
{
	auto le = [&](int tag, uint64_t x, int n) {
		out.push_back(static_cast<uint8_t>(tag));
		for (int i = 0; i < n; i++)
			out.push_back(static_cast<uint8_t>(x >> (8 * i)));
	};
	if (v < 0x100)
		le(0, v, 1);
	else if (v >= (1ULL << 32) - 128 && v < (1ULL << 32) + 128)
		le(4, v - ((1ULL << 32) - 128), 1);
	else if (v >= 0ULL - 128)
		le(5, v - (0ULL - 128), 1);
	else if (v < 0x10000)
		le(1, v, 2);
	else if (v < 0x100000000ULL)
		le(2, v, 4);
	else
		le(3, v, 8);
}

// The fence in slot @slot of @m, or nullptr.
const mfence *slot_fence(const model &m, int slot)
{
	const int f = m.fslot[slot];
	return f >= 0 ? &m.fences[f] : nullptr;
}

// The plain value of @r for op @o on @m (the model just before @o). An empty
// slot (or a fence without a known timestamp, an op without a loaded
// module) reads as seqno/timestamp 0 of fN: the value is then 0 + offset.
uint64_t resolve(const model &m, const op &o, const rel_arg &r)
{
	const mfence *x = r.kind < rel_u64_kinds ? slot_fence(m, r.slot) : nullptr;
	const uint64_t d = static_cast<uint64_t>(static_cast<int64_t>(r.delta));
	const uint64_t seq = x ? x->seqno : 0;
	const int marg = desc(o.kind).module_arg;
	const int mi = marg >= 0 ? m.mslot[o.a[marg]] : -1;
	switch (r.kind) {
	case rel_seqno: return seq + d;
	case rel_seqno_p31: return seq + (1ULL << 31) + d;
	case rel_seqno_m31: return seq - (1ULL << 31) + d;
	case rel_seqno_p32: return seq + (1ULL << 32) + d;
	case rel_seqno_m32: return seq - (1ULL << 32) + d;
	case rel_ts:
		return (x && x->signaled && x->ts_known ? static_cast<uint64_t>(x->ts) : 0) + d;
	case rel_module_newest:
		if (mi >= 0)
			for (size_t f = m.fences.size(); f-- > 0;)
				if (m.fences[f].mod == mi && !m.fences[f].dead)
					return m.fences[f].seqno + d;
		return seq + d;
	case rel_module_hw: return (mi >= 0 ? m.modules[mi].hw : seq) + d;
	case rel_same_context: {
		// The (pick % n)-th slot after argument 0's, cyclically, whose fence
		// has argument 0's context (its own slot is one of them).
		const mfence *a = slot_fence(m, static_cast<int>(o.a[0]));
		if (!a)
			return r.slot % kFenceSlots;
		int cand[kFenceSlots], n = 0;
		for (int i = 1; i <= kFenceSlots; i++) {
			const int s = static_cast<int>((o.a[0] + i) % kFenceSlots);
			const mfence *y = slot_fence(m, s);
			if (y && y->context == a->context)
				cand[n++] = s;
		}
		return static_cast<uint64_t>(cand[r.slot % n]);
	}
	}
	return 0;
}

// Give every relative argument of ops[first..] its plain value: step a copy
// of @start (or a fresh model) through the ops with model_apply(), as far as
// the last op that has one. @refs is in op order.
void resolve_all(std::vector<op> &ops, size_t first, const std::vector<rel_arg> &refs,
		 const model *start)
{
	model m = start ? *start : model();
	size_t r = 0;
	for (size_t i = first; r < refs.size(); i++) {
		op &o = ops[i];
		for (; r < refs.size() && refs[r].op == i; r++)
			o.a[refs[r].arg] = resolve(m, o, refs[r]);
		model_apply(m, o);
	}
}

uint64_t read_arg(reader &r, arg_type t, rel_arg *rel, bool *is_rel) noexcept
{
	switch (t) {
	case arg_type::fence: return r.byte() % kFenceSlots;
	case arg_type::cb: return r.byte() % kCbSlots;
	case arg_type::module: return r.byte() % kModuleSlots;
	case arg_type::rslot: return r.byte() % kRcuSlots;
	case arg_type::model: return r.byte() % kModels;
	case arg_type::cflags: return r.byte() % 4;
	case arg_type::intr: return r.byte() & 1;
	case arg_type::timeout: return r.byte();
	case arg_type::err: return 1 + r.le(2) % 4095;
	case arg_type::u64: return read_u64(r, rel, is_rel);
	case arg_type::fset: {
		uint8_t m = r.byte();
		return m ? m : 1; // never empty
	}
	case arg_type::none: break;
	}
	return 0;
}

void write_arg(std::vector<uint8_t> &out, arg_type t, uint64_t v)
{
	switch (t) {
	case arg_type::err: {
		uint64_t x = v - 1;
		out.push_back(static_cast<uint8_t>(x));
		out.push_back(static_cast<uint8_t>(x >> 8));
		return;
	}
	case arg_type::u64: write_u64(out, v); return;
	default: out.push_back(static_cast<uint8_t>(v)); return;
	}
}

// ---- text -------------------------------------------------------------------

std::string arg_text(arg_type t, uint64_t v)
{
	char buf[64];
	switch (t) {
	case arg_type::fence: snprintf(buf, sizeof(buf), "f%" PRIu64, v); break;
	case arg_type::cb: snprintf(buf, sizeof(buf), "c%" PRIu64, v); break;
	case arg_type::module: snprintf(buf, sizeof(buf), "m%" PRIu64, v); break;
	case arg_type::rslot: snprintf(buf, sizeof(buf), "s%" PRIu64, v); break;
	case arg_type::model: return kModelNames[v % kModels];
	case arg_type::cflags: return kCflagNames[v % 4];
	case arg_type::intr: return v ? "intr" : "nointr";
	case arg_type::timeout:
		if (v == 255)
			return "max";
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
		break;
	case arg_type::err: snprintf(buf, sizeof(buf), "-%" PRIu64, v); break;
	case arg_type::u64:
		if (v >= 0x100000000ULL - 0x10000 || v > 0xffffffffULL)
			snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
		else
			snprintf(buf, sizeof(buf), "%" PRIu64, v);
		break;
	case arg_type::fset: {
		std::string s;
		for (int i = 0; i < kFenceSlots; i++)
			if (v & (1u << i)) {
				if (!s.empty())
					s += ',';
				s += 'f' + std::to_string(i);
			}
		return s;
	}
	case arg_type::none: return "";
	}
	return buf;
}

const char *arg_expect(arg_type t)
{
	switch (t) {
	case arg_type::fence: return "a fence slot f0..f7";
	case arg_type::cb: return "a callback slot c0..c7";
	case arg_type::module: return "a module slot m0..m3";
	case arg_type::rslot: return "an RCU slot s0..s1";
	case arg_type::model: return "a driver model: names, hw, recycle, wait, deadline or timeline";
	case arg_type::cflags: return "create flags: -, ext, seqno64 or ext,seqno64";
	case arg_type::intr: return "intr or nointr";
	case arg_type::timeout: return "a timeout in jiffies 0..254, or max";
	case arg_type::err: return "an error code -1..-4095";
	case arg_type::u64: return "an unsigned 64-bit number (decimal or 0x hex)";
	case arg_type::fset: return "a non-empty fence set like f0,f3";
	case arg_type::none: break;
	}
	return "?";
}

using text::parse_u64;

bool parse_slot(const std::string &s, char prefix, int n, uint64_t *v)
{
	if (s.size() < 2 || s[0] != prefix)
		return false;
	uint64_t x;
	if (!parse_u64(s.substr(1), &x) || x >= static_cast<uint64_t>(n) || s.size() > 3)
		return false;
	*v = x;
	return true;
}

bool parse_arg(arg_type t, const std::string &s, uint64_t *v)
{
	switch (t) {
	case arg_type::fence: return parse_slot(s, 'f', kFenceSlots, v);
	case arg_type::cb: return parse_slot(s, 'c', kCbSlots, v);
	case arg_type::module: return parse_slot(s, 'm', kModuleSlots, v);
	case arg_type::rslot: return parse_slot(s, 's', kRcuSlots, v);
	case arg_type::model:
		for (int i = 0; i < kModels; i++)
			if (s == kModelNames[i]) {
				*v = i;
				return true;
			}
		return false;
	case arg_type::cflags:
		for (int i = 0; i < 4; i++)
			if (s == kCflagNames[i]) {
				*v = i;
				return true;
			}
		if (s == "seqno64,ext") {
			*v = 3;
			return true;
		}
		return false;
	case arg_type::intr:
		if (s == "intr" || s == "nointr") {
			*v = s == "intr";
			return true;
		}
		return false;
	case arg_type::timeout:
		if (s == "max") {
			*v = 255;
			return true;
		}
		return parse_u64(s, v) && *v <= 254;
	case arg_type::err: {
		if (s.size() < 2 || s[0] != '-')
			return false;
		uint64_t x;
		if (!parse_u64(s.substr(1), &x) || x < 1 || x > 4095)
			return false;
		*v = x;
		return true;
	}
	case arg_type::u64: return parse_u64(s, v);
	case arg_type::fset: {
		uint64_t mask = 0;
		std::stringstream ss(s);
		std::string item;
		while (std::getline(ss, item, ',')) {
			uint64_t i;
			if (!parse_slot(item, 'f', kFenceSlots, &i))
				return false;
			mask |= 1u << i;
		}
		if (!mask)
			return false;
		*v = mask;
		return true;
	}
	case arg_type::none: break;
	}
	return false;
}

using text::trim;

} // namespace

// The op reference comes from the catalog's descriptors (harness/src/ops/).
const op_info &info(op_kind k) noexcept
{
	static const struct table {
		op_info v[kOpKinds];
		table()
		{
			static const char *const names[] = {
#define HARNESS_OP_NAME(name) #name,
				HARNESS_OPS(HARNESS_OP_NAME)
#undef HARNESS_OP_NAME
			};
			for (int i = 0; i < kOpKinds; i++) {
				const op_desc &d = desc(static_cast<op_kind>(i));
				v[i].name = names[i];
				v[i].help = d.help;
				v[i].misuse = d.misuse;
				v[i].nargs = 0;
				for (int a = 0; a < kMaxArgs && d.args[a] != arg_type::none; a++)
					v[i].args[v[i].nargs++] = d.args[a];
			}
		}
	} t;
	return t.v[static_cast<int>(k)];
}

bool op::operator==(const op &o) const noexcept
{
	if (kind != o.kind)
		return false;
	for (int i = 0; i < info(kind).nargs; i++)
		if (a[i] != o.a[i])
			return false;
	return true;
}

const profile &api_profile() noexcept
{
	static const profile p = make_api();
	return p;
}

const profile &module_profile() noexcept
{
	static const profile p = make_module();
	return p;
}

const profile &concurrent_profile() noexcept
{
	static const profile p = make_concurrent();
	return p;
}

const profile *find_profile(const std::string &name) noexcept
{
	if (name == "api_fuzz" || name == "api")
		return &api_profile();
	if (name == "module_fuzz" || name == "module")
		return &module_profile();
	if (name == "concurrent_fuzz" || name == "concurrent")
		return &concurrent_profile();
	return nullptr;
}

size_t decode_ops(const uint8_t *data, size_t size, const profile &p, size_t max_ops,
		  std::vector<op> *out, const model *start)
{
	reader r{data, data + size};
	const size_t first = out->size();
	std::vector<rel_arg> refs;
	for (size_t n = 0; r.p < r.end && n < max_ops; n++) {
		op o;
		o.kind = p.opcodes[r.byte() % p.opcodes.size()];
		const op_info &in = info(o.kind);
		const bool same_ctx = desc(o.kind).same_context;
		for (int i = 0; i < in.nargs; i++) {
			rel_arg rel{static_cast<uint32_t>(out->size()), static_cast<uint8_t>(i), 0, 0, 0};
			bool is_rel = false;
			if (same_ctx && i == 1) { // a fence: byte >= 0x80 picks by context
				const uint8_t b = r.byte();
				o.a[i] = b % kFenceSlots;
				if (b >= 0x80) {
					rel.kind = rel_same_context;
					rel.slot = b & 0x7f;
					is_rel = true;
				}
			} else {
				o.a[i] = read_arg(r, in.args[i], &rel, &is_rel);
			}
			if (is_rel)
				refs.push_back(rel);
		}
		out->push_back(o);
	}
	if (!refs.empty())
		resolve_all(*out, first, refs, start);
	return static_cast<size_t>(r.p - data);
}

program decode(const uint8_t *data, size_t size, const profile &p)
{
	program prog;
	decode_ops(data, size, p, kMaxOps, &prog.ops);
	return prog;
}

std::vector<uint8_t> encode(const program &prog, const profile &p)
{
	std::vector<uint8_t> out;
	for (const op &o : prog.ops) {
		size_t code = 0;
		while (code < p.opcodes.size() && p.opcodes[code] != o.kind)
			code++; // every profile holds every op (see make_module)
		out.push_back(static_cast<uint8_t>(code));
		const op_info &in = info(o.kind);
		for (int i = 0; i < in.nargs; i++)
			write_arg(out, in.args[i], o.a[i]);
	}
	return out;
}

std::string format_op(const op &o)
{
	const op_info &in = info(o.kind);
	std::string s = in.name;
	for (int i = 0; i < in.nargs; i++) {
		s += ' ';
		s += arg_text(in.args[i], o.a[i]);
	}
	return s;
}

std::string format(const program &prog, bool with_header)
{
	std::string s;
	if (with_header)
		for (auto &[k, v] : prog.header)
			s += "# " + k + ": " + v + "\n";
	for (const op &o : prog.ops)
		s += format_op(o) + "\n";
	return s;
}

// The op kind spelled @name, or -1.
static int find_kind(const std::string &name)
{
	static const std::unordered_map<std::string, int> by_name = [] {
		std::unordered_map<std::string, int> m;
		for (int k = 0; k < kOpKinds; k++)
			m.emplace(info(static_cast<op_kind>(k)).name, k);
		return m;
	}();
	auto it = by_name.find(name);
	return it == by_name.end() ? -1 : it->second;
}

// Split @line (no '\n') into words at blanks.
static void split_words(const std::string &line, std::vector<std::string> *words)
{
	words->clear();
	size_t i = 0;
	const size_t n = line.size();
	while (i < n) {
		while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		size_t j = i;
		while (j < n && line[j] != ' ' && line[j] != '\t' && line[j] != '\r')
			j++;
		if (j > i)
			words->emplace_back(line, i, j - i);
		i = j;
	}
}

bool parse(const std::string &text, program *out, std::string *error)
{
	program prog;
	int lineno = 0;
	bool in_header = true;
	auto fail = [&](const std::string &msg) {
		if (error)
			*error = "line " + std::to_string(lineno) + ": " + msg;
		return false;
	};
	std::vector<std::string> words;
	for (size_t pos = 0; pos < text.size();) {
		size_t nl = text.find('\n', pos);
		if (nl == std::string::npos)
			nl = text.size();
		const std::string line(text, pos, nl - pos);
		pos = nl + 1;
		lineno++;
		std::string t = trim(line);
		if (t.empty())
			continue;
		if (t[0] == '#') {
			// "# key: value" at the top is header; any other '#' line is a comment.
			if (in_header) {
				std::string body = trim(t.substr(1));
				size_t colon = body.find(':');
				if (colon != std::string::npos && colon > 0 &&
				    body.find_first_of(" \t") > colon)
					prog.header.emplace_back(body.substr(0, colon),
								 trim(body.substr(colon + 1)));
			}
			continue;
		}
		in_header = false;
		size_t hash = t.find('#');
		if (hash != std::string::npos)
			t = trim(t.substr(0, hash));
		split_words(t, &words);
		const int kind = find_kind(words[0]);
		if (kind < 0)
			return !error ? false : fail("unknown operation '" + words[0] +
				    "' (fence-prog list-ops shows the catalog)");
		op o;
		o.kind = static_cast<op_kind>(kind);
		if (!semantics().has[kind])
			return !error ? false : fail("'" + words[0] + "' is not in this build's core, " +
				    describe_backend() + ": " + semantics().why_missing[kind]);
		const op_info &oi = info(o.kind);
		if (static_cast<int>(words.size()) - 1 != oi.nargs) {
			std::string usage = oi.name;
			for (int i = 0; i < oi.nargs; i++)
				usage += std::string(" <") + arg_expect(oi.args[i]) + ">";
			return !error ? false : fail("'" + words[0] + "' takes " + std::to_string(oi.nargs) +
				    " argument(s), got " + std::to_string(words.size() - 1) +
				    "; expected: " + usage);
		}
		for (int i = 0; i < oi.nargs; i++)
			if (!parse_arg(oi.args[i], words[i + 1], &o.a[i]))
				return !error ? false : fail("argument " + std::to_string(i + 1) + " of '" + words[0] +
					    "': expected " + arg_expect(oi.args[i]) + ", got '" +
					    words[i + 1] + "'");
		if (prog.ops.size() >= kMaxTextOps)
			return !error ? false : fail("too many operations (at most " + std::to_string(kMaxTextOps) + ")");
		prog.ops.push_back(o);
	}
	*out = std::move(prog);
	return true;
}

bool looks_like_text(const uint8_t *data, size_t size) noexcept
{
	if (size == 0)
		return false;
	for (size_t i = 0; i < size; i++) {
		uint8_t c = data[i];
		if (c != '\n' && c != '\t' && c != '\r' && (c < 0x20 || c > 0x7e))
			return false;
	}
	return true;
}

} // namespace harness

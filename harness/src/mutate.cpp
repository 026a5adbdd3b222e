// SPDX-License-Identifier: MIT
//
// mutate.cpp - op-level mutations for the custom mutator (see mutate.h).
#include "harness/mutate.h"

#include <cstring>
#include <random>

namespace harness {

namespace {

uint64_t random_arg(std::mt19937_64 &rng, arg_type t)
{
	switch (t) {
	case arg_type::fence: return rng() % kFenceSlots;
	case arg_type::cb: return rng() % kCbSlots;
	case arg_type::module: return rng() % kModuleSlots;
	case arg_type::rslot: return rng() % kRcuSlots;
	case arg_type::model: return rng() % 6;
	case arg_type::cflags: return rng() % 4;
	case arg_type::intr: return rng() & 1;
	case arg_type::timeout: {
		static const uint64_t pick[] = {0, 0, 1, 2, 255};
		return pick[rng() % 5];
	}
	case arg_type::err: {
		static const uint64_t pick[] = {5, 19, 61, 62, 125, 4095, 1};
		return pick[rng() % 7];
	}
	case arg_type::u64: {
		// Interesting seqnos and times: small, around 2^31/2^32, near 2^64.
		switch (rng() % 6) {
		case 0: return rng() % 8;
		case 1: return rng() % 64;
		case 2: return 0x7fffffffULL + (rng() % 4) - 1;
		case 3: return 0xffffffffULL + (rng() % 4) - 1;
		case 4: return 0ULL - 1 - (rng() % 4);
		default: return rng() % 100000;
		}
	}
	case arg_type::fset: return 1 + rng() % 255;
	case arg_type::none: break;
	}
	return 0;
}

// A u64 relative to one already in @ops (the op-level twin of the binary
// form's relative tags, harness/program.h: decoded programs hold plain values
// only): that value + -4..4, across the 2^31 or 2^32 window. False if @ops
// has no u64 argument.
bool relative_u64(std::mt19937_64 &rng, const std::vector<op> &ops, uint64_t *v)
{
	std::vector<uint64_t> seen;
	for (const op &o : ops) {
		const op_info &in = info(o.kind);
		for (int i = 0; i < in.nargs; i++)
			if (in.args[i] == arg_type::u64)
				seen.push_back(o.a[i]);
	}
	if (seen.empty())
		return false;
	static const uint64_t far[] = {0, 1ULL << 31, 0 - (1ULL << 31), 1ULL << 32, 0 - (1ULL << 32)};
	const uint64_t d = static_cast<uint64_t>(static_cast<int64_t>(rng() % 9) - 4);
	*v = seen[rng() % seen.size()] + far[rng() % 5] + d;
	return true;
}

op random_op(std::mt19937_64 &rng, const profile &p)
{
	op o;
	o.kind = p.opcodes[rng() % p.opcodes.size()];
	const op_info &in = info(o.kind);
	for (int i = 0; i < in.nargs; i++)
		o.a[i] = random_arg(rng, in.args[i]);
	return o;
}

} // namespace

size_t mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed, const profile &p,
	      size_t (*byte_mutate)(uint8_t *, size_t, size_t))
{
	std::mt19937_64 rng(seed);
	if (byte_mutate && rng() % 2 == 0)
		return byte_mutate(data, size, max_size);

	program prog = decode(data, size, p);
	auto &ops = prog.ops;
	int edits = 1 + static_cast<int>(rng() % 3);
	for (int e = 0; e < edits; e++) {
		size_t n = ops.size();
		switch (n == 0 ? 0 : rng() % 6) {
		case 0: // insert
			if (n < kMaxOps)
				ops.insert(ops.begin() + static_cast<long>(n ? rng() % (n + 1) : 0),
					   random_op(rng, p));
			break;
		case 1: // delete
			ops.erase(ops.begin() + static_cast<long>(rng() % n));
			break;
		case 2: // duplicate
			if (n < kMaxOps) {
				size_t i = rng() % n;
				op copy = ops[i];
				ops.insert(ops.begin() + static_cast<long>(rng() % (n + 1)), copy);
			}
			break;
		case 3: // swap
			std::swap(ops[rng() % n], ops[rng() % n]);
			break;
		default: { // re-roll one argument (or the whole op if it has none)
			op &o = ops[rng() % n];
			const op_info &in = info(o.kind);
			if (in.nargs == 0) {
				o = random_op(rng, p);
			} else {
				int i = static_cast<int>(rng() % in.nargs);
				uint64_t rel;
				if (in.args[i] == arg_type::u64 && rng() % 2 && relative_u64(rng, ops, &rel))
					o.a[i] = rel;
				else
					o.a[i] = random_arg(rng, in.args[i]);
			}
			break;
		}
		}
	}
	std::vector<uint8_t> out = encode(prog, p);
	// Too long for the fuzzer's limit: drop ops from the end until it fits.
	while (out.size() > max_size && !ops.empty()) {
		ops.pop_back();
		out = encode(prog, p);
	}
	if (out.size() > max_size)
		return size;
	if (!out.empty())
		memcpy(data, out.data(), out.size());
	return out.size();
}

} // namespace harness

namespace harness {

size_t crossover(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
		 size_t max_out, unsigned seed, const profile &p)
{
	std::mt19937_64 rng(seed);
	program a = decode(d1, s1, p), b = decode(d2, s2, p);
	program c;
	// A prefix of one program, then a run of ops from the other.
	size_t na = a.ops.empty() ? 0 : rng() % (a.ops.size() + 1);
	c.ops.assign(a.ops.begin(), a.ops.begin() + static_cast<long>(na));
	if (!b.ops.empty()) {
		size_t from = rng() % b.ops.size();
		size_t len = 1 + rng() % (b.ops.size() - from);
		c.ops.insert(c.ops.end(), b.ops.begin() + static_cast<long>(from),
			     b.ops.begin() + static_cast<long>(from + len));
	}
	if (c.ops.size() > kMaxOps)
		c.ops.resize(kMaxOps);
	std::vector<uint8_t> bytes = encode(c, p);
	while (bytes.size() > max_out && !c.ops.empty()) {
		c.ops.pop_back();
		bytes = encode(c, p);
	}
	if (bytes.size() > max_out)
		return 0;
	if (!bytes.empty())
		memcpy(out, bytes.data(), bytes.size());
	return bytes.size();
}

} // namespace harness

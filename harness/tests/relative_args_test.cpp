// SPDX-License-Identifier: MIT
//
// relative_args_test - state-relative arguments of the binary form
// (harness/program.h): a relative tag decodes to the plain value it names on
// the model at its op (another fence's seqno + delta across the 2^32 and 2^64
// wraps, the far side of the 2^31 window, a timestamp, the module's newest
// fence or hardware seqno, a slot of the same context), an empty slot to the
// documented fallback; the text of a decoded program shows the plain number;
// the round trips keep their identities.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/concurrent.h"
#include "harness/interp.h"
#include "harness/program.h"

using namespace harness;

namespace {

using bytes = std::vector<uint8_t>;

bytes enc(const std::string &text, const profile &p = api_profile())
{
	program prog;
	std::string err;
	EXPECT_TRUE(parse(text, &prog, &err)) << err;
	return encode(prog, p);
}

// The one-op program @text (whose u64 argument is written as 0, a 2-byte
// plain encoding at byte @at) with that argument relative: kind @kind, slot
// f@slot, delta @delta.
bytes rel_op(const std::string &text, size_t at, int kind, int slot, int delta)
{
	bytes b = enc(text);
	EXPECT_EQ(b.at(at), 0u) << text;
	b.at(at) = static_cast<uint8_t>(0xc0 + kind);
	b.at(at + 1) = static_cast<uint8_t>(slot + 8 * (delta + 4));
	return b;
}

bytes cat(bytes a, const bytes &b)
{
	a.insert(a.end(), b.begin(), b.end());
	return a;
}

program dec(const bytes &b) { return decode(b.data(), b.size(), api_profile()); }

// create fD m0 <rel> -: the u64 tag is byte 3.
bytes create_rel(int dst, int kind, int slot, int delta, int module = 0)
{
	return rel_op("create f" + std::to_string(dst) + " m" + std::to_string(module) + " 0 -\n", 3,
		      kind, slot, delta);
}

enum { kSeq = 0, kP31 = 1, kM31 = 2, kP32 = 3, kM32 = 4, kTs = 5, kNewest = 6, kHw = 7 };

} // namespace

TEST(RelativeArgs, SeqnoPlusDeltaAcrossThe2to32Wrap)
{
	const bytes pre = enc("load m0 hw\ncreate f0 m0 0xfffffffe -\n");
	for (int d = -4; d <= 4; d++) {
		program p = dec(cat(pre, create_rel(1, kSeq, 0, d)));
		ASSERT_EQ(p.ops.size(), 3u);
		EXPECT_EQ(p.ops[2].a[2], 0xfffffffeULL + static_cast<uint64_t>(d)) << "delta " << d;
	}
	program p = dec(cat(pre, create_rel(1, kSeq, 0, 4)));
	EXPECT_EQ(p.ops[2].a[2], 0x100000002ULL);
	EXPECT_NE(format(p).find("create f1 m0 0x100000002 -\n"), std::string::npos) << format(p);
}

TEST(RelativeArgs, SeqnoPlusDeltaAcrossThe2to64Wrap)
{
	const bytes pre = enc("load m0 hw\ncreate f3 m0 0xfffffffffffffffe seqno64\n");
	program p = dec(cat(pre, create_rel(1, kSeq, 3, 3)));
	EXPECT_EQ(p.ops[2].a[2], 1u);
	p = dec(cat(pre, create_rel(1, kSeq, 3, 1)));
	EXPECT_EQ(p.ops[2].a[2], 0xffffffffffffffffULL);
	EXPECT_NE(format(p).find("create f1 m0 0xffffffffffffffff -"), std::string::npos) << format(p);
}

TEST(RelativeArgs, FarSideOfThe31And32BitWindows)
{
	const uint64_t s = 0xfffffff0ULL;
	const bytes pre = enc("load m0 hw\ncreate f0 m0 0xfffffff0 -\n");
	struct {
		int kind;
		uint64_t want;
	} cases[] = {
		{kP31, s + (1ULL << 31) - 1},
		{kM31, s - (1ULL << 31) - 1},
		{kP32, s + (1ULL << 32) - 1},
		{kM32, s - (1ULL << 32) - 1}, // wraps below 0: 2^64 - 17
	};
	for (auto &c : cases) {
		program p = dec(cat(pre, create_rel(1, c.kind, 0, -1)));
		EXPECT_EQ(p.ops[2].a[2], c.want) << "kind " << c.kind;
	}
	// The far side of dma_fence_is_later()'s 32-bit window: f1 is 2^31 + 1
	// ahead, so as 32-bit seqnos f1 is *not* later than f0; the pair is in
	// one context and the op runs (is legal) with those plain values.
	bytes b = cat(pre, create_rel(1, kP31, 0, 1));
	b = cat(b, enc("is_later f1 f0\n"));
	program p = dec(b);
	EXPECT_EQ(p.ops[2].a[2], s + (1ULL << 31) + 1);
	init_process();
	session run;
	for (const op &o : p.ops)
		EXPECT_TRUE(run.step(o)) << format_op(o) << " was skipped";
	run.finish();
}

TEST(RelativeArgs, EmptySlotReadsAsZero)
{
	const bytes pre = enc("load m0 hw\n");
	EXPECT_EQ(dec(cat(pre, create_rel(1, kSeq, 5, 2))).ops[1].a[2], 2u);
	EXPECT_EQ(dec(cat(pre, create_rel(1, kSeq, 5, -1))).ops[1].a[2], ~0ULL);
	EXPECT_EQ(dec(cat(pre, create_rel(1, kP31, 5, 0))).ops[1].a[2], 1ULL << 31);
	// A slot emptied by a put before the op is empty too.
	bytes b = cat(enc("load m0 hw\ncreate f0 m0 100 -\nput f0\n"), create_rel(1, kSeq, 0, 1));
	EXPECT_EQ(dec(b).ops[3].a[2], 1u);
	// No module loaded in the op's module argument: kinds 6 and 7 fall back
	// to seqno(fN) (here f0 holds a fence of another module).
	b = cat(enc("load m1 hw\ncreate f0 m1 40 -\n"), create_rel(1, kNewest, 0, 2));
	EXPECT_EQ(dec(b).ops[2].a[2], 42u);
	b = cat(enc("load m1 hw\ncreate f0 m1 40 -\n"), create_rel(1, kHw, 0, -2));
	EXPECT_EQ(dec(b).ops[2].a[2], 38u);
	// A timestamp of an unsignaled fence reads as 0.
	b = cat(enc("load m0 hw\ncreate f0 m0 1 -\n"), rel_op("signal_ts f1 0\n", 2, kTs, 0, 3));
	EXPECT_EQ(dec(b).ops[2].a[1], 3u);
}

TEST(RelativeArgs, TimestampOfAnotherSignaledFence)
{
	bytes b = enc("load m0 hw\ncreate f0 m0 1 -\ncreate f1 m0 2 -\nsignal_ts f0 1000\n");
	b = cat(b, rel_op("signal_ts f1 0\n", 2, kTs, 0, -3));
	program p = dec(b);
	EXPECT_EQ(p.ops[4].a[1], 997u);
	EXPECT_NE(format(p).find("signal_ts f1 997\n"), std::string::npos) << format(p);
	// A private stub's timestamp too.
	b = cat(enc("private_stub f2 0x7fffffff\n"), rel_op("signal_ts f1 0\n", 2, kTs, 2, 1));
	EXPECT_EQ(dec(b).ops[1].a[1], 0x80000000ULL);
}

TEST(RelativeArgs, TheModulesNewestFenceAndHardwareSeqno)
{
	// f0 and f2 are m0's (one context), f1 is m1's: "newest of m0" is f2,
	// whichever slot the byte names, and it survives the caller's put.
	bytes b = enc("load m0 hw\nload m1 hw\ncreate f0 m0 10 -\ncreate f2 m0 0xffffffff -\n"
		      "create f1 m1 500 -\nput f2\n");
	program p = dec(cat(b, create_rel(3, kNewest, 1, 1)));
	EXPECT_EQ(p.ops[6].a[2], 0x100000000ULL);
	b = cat(enc("load m0 hw\nirq m0 50\n"), create_rel(0, kHw, 7, 1));
	EXPECT_EQ(dec(b).ops[2].a[2], 51u);
	// irq m hw: its module is argument 0.
	b = cat(enc("load m0 hw\ncreate f0 m0 9 -\n"), rel_op("irq m0 0\n", 2, kNewest, 4, 0));
	EXPECT_EQ(dec(b).ops[2].a[1], 9u);
}

TEST(RelativeArgs, SameContextFencePick)
{
	const bytes pre = enc("load m0 hw\nload m1 hw\ncreate f0 m0 5 -\ncreate f1 m1 6 -\n"
			      "create f2 m0 7 -\n");
	auto later = [&](int a0, uint8_t b) {
		bytes op = enc("is_later f" + std::to_string(a0) + " f0\n");
		op.at(2) = b;
		return dec(cat(pre, op)).ops.back().a[1];
	};
	// Slots after f0 with m0's context, cyclically: f2, then f0 itself.
	EXPECT_EQ(later(0, 0x80), 2u);
	EXPECT_EQ(later(0, 0x81), 0u);
	EXPECT_EQ(later(0, 0x82), 2u);
	EXPECT_EQ(later(1, 0x80), 1u); // f1 is alone in m1's context
	EXPECT_EQ(later(5, 0x83), 3u); // f5 is empty: the byte % 8
	EXPECT_EQ(later(0, 0x03), 3u); // below 0x80: a plain slot
}

TEST(RelativeArgs, ResolvedProgramsRoundTripCanonically)
{
	bytes b = cat(enc("load m0 hw\ncreate f0 m0 0xfffffffe -\n"), create_rel(1, kSeq, 0, 4));
	b = cat(b, create_rel(2, kM31, 1, -4));
	b = cat(b, enc("is_later f1 f0\n"));
	b.back() = 0x80;
	program p = dec(b);
	// binary -> text -> binary: the canonical bytes, with plain tags only.
	bytes canon = encode(p, api_profile());
	EXPECT_NE(canon, b);
	program q;
	std::string err;
	ASSERT_TRUE(parse(format(p), &q, &err)) << err;
	EXPECT_EQ(encode(q, api_profile()), canon);
	EXPECT_EQ(format(dec(canon)), format(p));
	for (size_t i = 0; i < p.ops.size(); i++)
		EXPECT_TRUE(dec(canon).ops[i] == p.ops[i]) << format_op(p.ops[i]);
	// Decoding is a function of the bytes: the same twice.
	EXPECT_EQ(format(dec(b)), format(p));
}

TEST(RelativeArgs, ConcurrentThreadsResolveAfterTheSetup)
{
	// 2 threads, schedule "bytes"; setup: load m0, create f0 m0 2^32 - 1;
	// thread 0: create f1 m0 <f0 + 2>; thread 1: nothing.
	bytes setup = cat(enc("load m0 hw\n", concurrent_profile()),
			  enc("create f0 m0 0xffffffff -\n", concurrent_profile()));
	bytes t0 = enc("create f1 m0 0 -\n", concurrent_profile());
	ASSERT_EQ(t0.at(3), 0u);
	t0.at(3) = 0xc0;
	t0.at(4) = static_cast<uint8_t>(0 + 8 * (2 + 4));
	bytes b = {0, 0, 2};
	b = cat(b, setup);
	b.push_back(1);
	b = cat(b, t0);
	b.push_back(0);
	cprogram cp = decode_concurrent(b.data(), b.size());
	ASSERT_EQ(cp.setup.size(), 2u);
	ASSERT_EQ(cp.threads.size(), 2u);
	ASSERT_EQ(cp.threads[0].size(), 1u);
	EXPECT_EQ(cp.threads[0][0].a[2], 0x100000001ULL);
	EXPECT_NE(format_concurrent(cp).find("create f1 m0 0x100000001 -"), std::string::npos);
}

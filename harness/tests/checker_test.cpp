// SPDX-License-Identifier: MIT
//
// checker_test - the checker's scope and the linearizer's fence-identity check
// fire (harness/src/check.h, linearize.h). The core is made to misbehave by
// hand, as a core bug would: a field of a fence no op names is changed, or a
// record says an op put another fence into its slot than it did.
#include <gtest/gtest.h>

#include "catalog.h"
#include "linearize.h"
#include "seq_run.h"

namespace {

using namespace harness;

op parse_op(const char *text)
{
	program p;
	std::string err;
	EXPECT_TRUE(parse(text, &p, &err)) << err;
	return p.ops.at(0);
}

// A fence in slot f1 is corrupted behind the harness's back; ops then name
// only f0. With a full check every 4th op the divergence comes within 4 ops
// and names f1; with every op, at once.
size_t ops_until_caught(unsigned every)
{
	init_process();
	run_options opt;
	opt.throw_on_divergence = true;
	opt.full_check_every = every;
	seq_run s(opt);
	for (const char *t : {"load m0 names", "create f0 m0 1 -", "create f1 m0 2 -"})
		s.step(parse_op(t));
	s.w().fence[1]->error = -5; // the "bug": an untouched slot changes
	for (size_t n = 1; n <= 16; n++) {
		try {
			s.step(parse_op("names f0"));
		} catch (const divergence &d) {
			EXPECT_NE(d.check.find("fence slot f1: error"), std::string::npos) << d.check;
			s.w().fence[1]->error = 0;
			s.teardown_unchecked();
			return n;
		}
	}
	s.w().fence[1]->error = 0;
	s.teardown_unchecked();
	return 0;
}

TEST(Checker, UntouchedSlotCaughtByThePeriodicFullCheck)
{
	const size_t n = ops_until_caught(4);
	EXPECT_GE(n, 1u);
	EXPECT_LE(n, 4u);
}

TEST(Checker, EveryOpChecksEverythingWithFullCheckEveryOne)
{
	EXPECT_EQ(ops_until_caught(1), 1u);
}

// A thread's "get" whose record says it put another fence into its slot
// cannot be linearized; the true record can.
TEST(Linearizer, ChecksTheFenceAnOpPutIntoItsSlot)
{
	init_process();
	run_options opt;
	opt.throw_on_divergence = true;
	seq_run s(opt);
	for (const char *t : {"load m0 names", "create f0 m0 1 -"})
		s.step(parse_op(t));
	const model m0 = s.m();
	op_record r;
	r.o = r.orig = parse_op("get f1 f0");
	r.start = 1;
	run_record(s.w(), r);
	r.end = 2;
	ASSERT_TRUE(r.ident.known);
	std::vector<std::vector<op_record>> recs{{r}};
	const lin_result ok = linearize(recs, m0, s.w(), 1000);
	EXPECT_TRUE(ok.ok) << ok.best_why;
	recs[0][0].ident.seqno = 99; // the op "got" another fence
	const lin_result bad = linearize(recs, m0, s.w(), 1000);
	EXPECT_FALSE(bad.ok);
	EXPECT_NE(bad.best_why.find("put fence"), std::string::npos) << bad.best_why;
	s.m() = ok.found;
	s.finish();
}

} // namespace

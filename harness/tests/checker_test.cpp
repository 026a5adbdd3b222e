// SPDX-License-Identifier: MIT
//
// checker_test - the checker's scope, the linearizer's fence-identity check
// and the catalog's contracts fire (harness/src/check.h, linearize.h,
// catalog.h post()). The core is made to misbehave by hand, as a core bug
// would: a field of a fence no op names is changed, a record says an op put
// another fence into its slot than it did, a module's names or unload state
// or an RCU slot's history or a callback's run count is forged.
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

// ---- the contracts (catalog.h post() and the checks inside core()) fire in
// the sequential session too. The core's view is forged by hand after @setup,
// as a core bug would leave it; @then must report the contract @kind.
std::string contract_caught(const std::vector<const char *> &setup, void (*forge)(world &),
			    const char *then)
{
	init_process();
	run_options opt;
	opt.throw_on_divergence = true;
	seq_run s(opt);
	for (const char *t : setup)
		s.step(parse_op(t));
	forge(s.w());
	std::string check;
	try {
		s.step(parse_op(then));
	} catch (const divergence &d) {
		check = d.check;
	}
	s.teardown_unchecked();
	return check;
}

TEST(Contracts, NamesMustBeTheModulesOrDetached)
{
	const std::string c = contract_caught(
		{"load m0 names", "create f0 m0 1 -"}, [](world &w) { w.loaded[0].driver = "other"; },
		"names f0");
	EXPECT_EQ(c, "contract names");
}

TEST(Contracts, ReadSideSectionMustNotSeeItsModulesUnloadComplete)
{
	const std::string c = contract_caught({"load m0 names", "create f0 m0 1 -"},
					       [](world &w) { w.loaded[0].state.store(WMOD_UNLOADED); },
					       "names f0");
	EXPECT_EQ(c, "contract unload_gp");
}

TEST(Contracts, GetRcuSafeMustReturnAFenceTheSlotHeld)
{
	const std::string c = contract_caught(
		{"load m0 names", "create f0 m0 1 -", "publish s0 f0"},
		[](world &w) { w.rhist[0].last[w.rhist[0].gen.load() % rslot_history::kLen].seqno = 99; },
		"get_rcu_safe f1 s0");
	EXPECT_EQ(c, "contract fence");
}

TEST(Contracts, CallbackRemovedAfterItRanIsCaught)
{
	const std::string c = contract_caught({"load m0 names", "create f0 m0 1 -", "add_cb f0 c0"},
					       [](world &w) { w.cbs[0].runs.store(1); }, "remove_cb c0");
	EXPECT_EQ(c, "contract cb_twice");
}

TEST(Contracts, StatusOfAnUnsignaledFenceIsZero)
{
	init_process();
	run_options opt;
	seq_run s(opt);
	for (const char *t : {"load m0 names", "create f0 m0 1 -"})
		s.step(parse_op(t));
	const op st = parse_op("status f0");
	EXPECT_EQ(desc(st.kind).post(s.w(), st, outcome{0, ""}), "");
	EXPECT_NE(desc(st.kind).post(s.w(), st, outcome{-5, ""}).find("SIGNALED is clear"),
		  std::string::npos);
	s.teardown_unchecked();
}

// Two alike fences (private stubs: 0:0, same flags, same refcount) swapped
// between holders pass every per-slot comparison; only the sharing check
// (which slots hold the same fence) sees it.
TEST(Checker, SwappedAlikeFencesCaughtBySharing)
{
	init_process();
	run_options opt;
	seq_run s(opt);
	for (const char *t : {"private_stub f0 9", "get f2 f0", "private_stub f1 9", "get f3 f1"})
		s.step(parse_op(t));
	std::swap(s.w().fence[2], s.w().fence[3]);
	mismatch mm;
	EXPECT_FALSE(checker::all(s.w(), s.m(), &mm));
	EXPECT_NE(mm.field.find("the same fence"), std::string::npos) << mm.field;
	std::swap(s.w().fence[2], s.w().fence[3]);
	EXPECT_TRUE(checker::all(s.w(), s.m(), &mm)) << mm.field;
	s.teardown_unchecked();
}

// SPDX-License-Identifier: MIT
//
// Concurrent programs (harness/concurrent.h): the format and the runner.
//
// Oracle: text -> binary -> text is the identity on every seed; any byte
// string decodes, and decoding is canonical after one round; parse errors
// name the line; the mutator stays within max_size; every seed of
// corpora/concurrent_fuzz runs clean on the clean core under many random
// and PCT schedules (a divergence here is a bug in the core or a false
// positive of the linearizability check, either way a failure); and the
// runner finds a planted race between two threads.
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fence/module.h"
#include "fence/slab.h"
#include "harness/concurrent.h"

using namespace harness;

namespace {

std::vector<std::string> seed_files()
{
	std::vector<std::string> out;
	const std::string dir = std::string(FENCEFUZZ_SOURCE_DIR) + "/corpora/concurrent_fuzz/seeds";
	if (DIR *d = opendir(dir.c_str())) {
		while (struct dirent *e = readdir(d))
			if (std::string n = e->d_name; n.size() > 5 && n.substr(n.size() - 5) == ".prog")
				out.push_back(dir + "/" + n);
		closedir(d);
	}
	std::sort(out.begin(), out.end());
	return out;
}

std::string slurp(const std::string &path)
{
	std::ifstream in(path);
	return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const char kSample[] = "# found-by: hand\n"
		       "schedule: pct 0x2a 3 64\n"
		       "load m0 hw\n"
		       "create f0 m0 5 -\n"
		       "thread 0:\n"
		       "enable_sw f0\n"
		       "irq m0 5\n"
		       "thread 1:\n"
		       "add_cb f0 c0\n"
		       "names f0\n"
		       "thread 2:\n";

} // namespace

TEST(ConcurrentFormat, TextRoundTripsThroughBinary)
{
	std::vector<std::string> texts = {kSample};
	for (auto &f : seed_files())
		texts.push_back(slurp(f));
	ASSERT_GT(texts.size(), 1u) << "no seeds in corpora/concurrent_fuzz/seeds";
	for (auto &t : texts) {
		cprogram p;
		std::string err;
		ASSERT_TRUE(parse_concurrent(t, &p, &err)) << err << "\n" << t;
		cprogram q = decode_concurrent(encode_concurrent(p).data(), encode_concurrent(p).size());
		EXPECT_EQ(format_concurrent(p, false), format_concurrent(q, false));
		cprogram r;
		ASSERT_TRUE(parse_concurrent(format_concurrent(p), &r, &err)) << err;
		EXPECT_EQ(format_concurrent(p), format_concurrent(r));
	}
}

TEST(ConcurrentFormat, AnyBytesDecodeAndReencodeCanonically)
{
	std::mt19937_64 rng(1);
	for (int i = 0; i < 2000; i++) {
		std::vector<uint8_t> b(rng() % 300);
		for (auto &x : b)
			x = static_cast<uint8_t>(rng());
		cprogram p = decode_concurrent(b.data(), b.size());
		ASSERT_GE(p.threads.size(), 2u);
		ASSERT_LE(p.threads.size(), static_cast<size_t>(kMaxThreads));
		std::vector<uint8_t> e = encode_concurrent(p);
		cprogram q = decode_concurrent(e.data(), e.size());
		EXPECT_EQ(format_concurrent(p), format_concurrent(q));
		EXPECT_EQ(e, encode_concurrent(q));
	}
}

TEST(ConcurrentFormat, ParseErrorsNameTheLine)
{
	cprogram p;
	std::string err;
	EXPECT_FALSE(parse_concurrent("load m0 names\nthread 0:\nsignal f9\nthread 1:\n", &p, &err));
	EXPECT_EQ(err.rfind("line 3:", 0), 0u) << err;
	EXPECT_FALSE(parse_concurrent("thread 0:\nthread 2:\n", &p, &err));
	EXPECT_EQ(err.rfind("line 2:", 0), 0u) << err;
	EXPECT_FALSE(parse_concurrent("schedule: pct 1 99\nthread 0:\nthread 1:\n", &p, &err));
	EXPECT_EQ(err.rfind("line 1:", 0), 0u) << err;
	EXPECT_FALSE(parse_concurrent("thread 0:\nsignal f0\n", &p, &err)) << "one thread only";
	EXPECT_TRUE(parse_concurrent("thread 0:\nthread 1:\n", &p, &err)) << err;
	EXPECT_FALSE(looks_concurrent("load m0 names\nsignal f0\n"));
	EXPECT_TRUE(looks_concurrent(kSample));
}

TEST(ConcurrentFormat, SchedulesRoundTrip)
{
	for (const char *s : {"bytes", "bytes 00ff10", "random 0x2a", "pct 0x2a 3 256", "pct 0x1 1 1"}) {
		schedule_spec spec;
		std::string err;
		ASSERT_TRUE(parse_schedule(s, &spec, &err)) << s << ": " << err;
		EXPECT_EQ(format_schedule(spec), s);
	}
	schedule_spec spec;
	std::string err;
	EXPECT_FALSE(parse_schedule("bytes 0", &spec, &err));
	EXPECT_FALSE(parse_schedule("pct 1 0", &spec, &err));
	EXPECT_FALSE(parse_schedule("lifo 3", &spec, &err));
}

TEST(ConcurrentFormat, MutatorStaysWithinMaxSize)
{
	cprogram p;
	std::string err;
	ASSERT_TRUE(parse_concurrent(kSample, &p, &err)) << err;
	std::vector<uint8_t> buf = encode_concurrent(p);
	buf.resize(256);
	size_t n = encode_concurrent(p).size();
	for (unsigned seed = 0; seed < 3000; seed++) {
		n = mutate_concurrent(buf.data(), n, 256, seed, nullptr);
		ASSERT_LE(n, 256u);
		cprogram q = decode_concurrent(buf.data(), n);
		ASSERT_GE(q.threads.size(), 2u);
	}
}

TEST(ConcurrentRun, SeedsRunCleanUnderManySchedules)
{
	init_concurrent_process();
	const auto files = seed_files();
	ASSERT_FALSE(files.empty());
	for (auto &f : files) {
		cprogram p;
		std::string err;
		ASSERT_TRUE(parse_concurrent(slurp(f), &p, &err)) << f << ": " << err;
		for (uint64_t seed = 0; seed < 24; seed++) {
			cprogram q = p;
			q.schedule = {};
			q.schedule.k = seed % 3 == 0 ? schedule_spec::kind::pct : schedule_spec::kind::random;
			q.schedule.seed = seed;
			q.schedule.depth = 2 + seed % 3;
			q.schedule.steps = 64;
			run_options opt;
			opt.source = f;
			run_concurrent(q, opt);
		}
	}
	EXPECT_EQ(cstats().inconclusive, 0u);
}

TEST(ConcurrentRun, ThreadsRacingOnOneHwFenceExplainUnderRandomSchedules)
{
	// enable_sw + irq against add_cb + names on the same fence: whichever
	// way the schedule interleaves them, one sequential order explains it.
	init_concurrent_process();
	cprogram p;
	std::string err;
	ASSERT_TRUE(parse_concurrent(kSample, &p, &err)) << err;
	run_options opt;
	opt.throw_on_divergence = true;
	for (uint64_t seed = 0; seed < 100; seed++) {
		p.schedule.k = schedule_spec::kind::random;
		p.schedule.seed = seed;
		EXPECT_NO_THROW(run_concurrent(p, opt)) << "seed " << seed;
	}
}

TEST(ConcurrentRun, InconclusiveSearchStillTearsDownClean)
{
	// With no search budget nothing is checked, but the core must still be
	// torn down: every fence freed, every module unloaded.
	init_concurrent_process();
	cprogram p;
	std::string err;
	ASSERT_TRUE(parse_concurrent(kSample, &p, &err)) << err;
	const long live = fence_slab_live(), mods = fence_module_count_loaded();
	const unsigned long before = cstats().inconclusive;
	setenv("FENCEFUZZ_SEARCH_BUDGET", "1", 1);
	run_concurrent(p);
	unsetenv("FENCEFUZZ_SEARCH_BUDGET");
	EXPECT_EQ(cstats().inconclusive, before + 1);
	EXPECT_EQ(fence_slab_live(), live);
	EXPECT_EQ(fence_module_count_loaded(), mods);
}

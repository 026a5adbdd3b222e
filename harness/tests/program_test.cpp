// SPDX-License-Identifier: MIT
//
// program_test - the program format: text and binary round trips, decoding of
// arbitrary bytes, parse errors with line numbers, and that the seed corpora
// exercise every op of the catalog.
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "harness/interp.h"
#include "harness/mutate.h"
#include "harness/program.h"

using namespace harness;

namespace {

std::vector<std::string> seed_files()
{
	std::vector<std::string> out;
	for (const char *h : {"api_fuzz", "module_fuzz"}) {
		std::string dir = std::string(FENCEFUZZ_SOURCE_DIR) + "/corpora/" + h + "/seeds";
		if (DIR *d = opendir(dir.c_str())) {
			while (dirent *e = readdir(d))
				if (e->d_name[0] != '.')
					out.push_back(dir + "/" + e->d_name);
			closedir(d);
		}
	}
	return out;
}

std::string slurp(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

} // namespace

TEST(ProgramFormat, SeedsRoundTripTextBinaryText)
{
	auto files = seed_files();
	ASSERT_GE(files.size(), 5u);
	for (auto &f : files) {
		program p;
		std::string err;
		ASSERT_TRUE(parse(slurp(f), &p, &err)) << f << ": " << err;
		ASSERT_FALSE(p.ops.empty()) << f;
		for (const profile *prof : {&api_profile(), &module_profile()}) {
			auto bin = encode(p, *prof);
			program q = decode(bin.data(), bin.size(), *prof);
			ASSERT_EQ(q.ops.size(), p.ops.size()) << f;
			EXPECT_EQ(format(q, false), format(p, false)) << f;
		}
		program r;
		ASSERT_TRUE(parse(format(p), &r, &err)) << err;
		EXPECT_EQ(format(r), format(p));
		EXPECT_EQ(r.header, p.header);
	}
}

TEST(ProgramFormat, SeedCorporaCoverEveryOp)
{
	std::set<int> seen;
	for (auto &f : seed_files()) {
		program p;
		std::string err;
		ASSERT_TRUE(parse(slurp(f), &p, &err));
		for (auto &o : p.ops)
			seen.insert(static_cast<int>(o.kind));
	}
	for (int k = 0; k < kOpKinds; k++)
		EXPECT_TRUE(seen.count(k)) << "no seed uses op '" << info(static_cast<op_kind>(k)).name << "'";
}

TEST(ProgramFormat, AnyBytesDecodeAndReencodeCanonically)
{
	std::mt19937 rng(12345);
	for (int i = 0; i < 2000; i++) {
		std::vector<uint8_t> bytes(rng() % 300);
		for (auto &b : bytes)
			b = static_cast<uint8_t>(rng());
		program p = decode(bytes.data(), bytes.size(), api_profile());
		EXPECT_LE(p.ops.size(), kMaxOps);
		auto canon = encode(p, api_profile());
		program q = decode(canon.data(), canon.size(), api_profile());
		ASSERT_EQ(q.ops.size(), p.ops.size());
		for (size_t j = 0; j < p.ops.size(); j++)
			ASSERT_TRUE(q.ops[j] == p.ops[j]) << format_op(p.ops[j]) << " vs " << format_op(q.ops[j]);
		// Text of a decoded program always parses back to it.
		program r;
		std::string err;
		ASSERT_TRUE(parse(format(p), &r, &err)) << err;
		EXPECT_EQ(format(r), format(p));
	}
	EXPECT_TRUE(decode(nullptr, 0, api_profile()).ops.empty());
}

TEST(ProgramFormat, EdgeValuesRoundTrip)
{
	program p;
	std::string err;
	ASSERT_TRUE(parse("create f7 m3 0xffffffffffffffff ext,seqno64\n"
			  "create f0 m0 0xffffff80 -\ncreate f1 m1 4294967300 seqno64\n"
			  "create f2 m2 0x123456789 -\nset_error f0 -4095\nwait f0 intr max\n"
			  "wait_any f0,f7 nointr 254\nsignal_ts f1 0\n",
			  &p, &err))
		<< err;
	auto bin = encode(p, module_profile());
	program q = decode(bin.data(), bin.size(), module_profile());
	EXPECT_EQ(format(q, false), format(p, false));
	EXPECT_EQ(q.ops[0].a[2], 0xffffffffffffffffULL);
	EXPECT_EQ(q.ops[2].a[2], 4294967300ULL);
	EXPECT_EQ(q.ops[5].a[2], 255u);
}

TEST(ProgramFormat, ParseErrorsNameTheLineAndWhatWasExpected)
{
	struct {
		const char *text, *want;
	} cases[] = {
		{"load m0 names\nfrobnicate f0\n", "line 2: unknown operation 'frobnicate'"},
		{"# c\n\nsignal\n", "line 3: 'signal' takes 1 argument(s), got 0"},
		{"signal f8\n", "line 1: argument 1 of 'signal': expected a fence slot f0..f7, got 'f8'"},
		{"load m0 gpu\n", "expected a driver model"},
		{"set_error f0 5\n", "expected an error code -1..-4095"},
		{"wait f0 maybe 1\n", "expected intr or nointr"},
		{"wait f0 intr 300\n", "a timeout in jiffies 0..254, or max"},
		{"create f0 m0 -1 -\n", "an unsigned 64-bit number"},
		{"wait_any f9 intr 1\n", "a non-empty fence set"},
	};
	for (auto &c : cases) {
		program p;
		std::string err;
		EXPECT_FALSE(parse(c.text, &p, &err)) << c.text;
		EXPECT_NE(err.find(c.want), std::string::npos) << "error was: " << err;
	}
}

TEST(ProgramFormat, HeaderAndCommentsAndTextDetection)
{
	program p;
	std::string err;
	ASSERT_TRUE(parse("# found-by: api_fuzz\n# symptom: model divergence\n# free comment here\n"
			  "signal f0   # trailing\n# later: not header\n",
			  &p, &err));
	ASSERT_EQ(p.header.size(), 2u);
	EXPECT_EQ(p.header[0].first, "found-by");
	EXPECT_EQ(p.header[1].second, "model divergence");
	ASSERT_EQ(p.ops.size(), 1u);
	const uint8_t bin[] = {0, 1, 2};
	EXPECT_FALSE(looks_like_text(bin, sizeof(bin)));
}

TEST(Mutator, StaysWithinMaxSizeAndDecodes)
{
	std::vector<uint8_t> buf(512);
	size_t size = 0;
	for (unsigned seed = 1; seed < 3000; seed++) {
		size = mutate(buf.data(), size, 200, seed, api_profile(), nullptr);
		ASSERT_LE(size, 200u);
		program p = decode(buf.data(), size, api_profile());
		auto again = encode(p, api_profile());
		ASSERT_EQ(again.size(), size); // the mutator writes canonical encodings
	}
}

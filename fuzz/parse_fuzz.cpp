// SPDX-License-Identifier: MIT
//
// parse_fuzz - the text program parsers: the input bytes, as text, go to the
// sequential parser (harness/program.h parse/format) and to the concurrent
// one (harness/concurrent.h parse_concurrent/format_concurrent). Nothing
// runs: this fuzzes the reproducer format that every tool and corpus ctest
// reads, not the core.
//
// Oracle: neither parser may crash or trip a sanitizer on any bytes, and for
// every input a parser accepts, format then parse again must agree: the
// formatted text parses, gives the same ops (setup, threads and schedule for
// concurrent programs) and the same header, and formats to the same text.
// A disagreement prints both texts and
// "fencefuzz: ORACLE parse <parser>-<check>", then aborts.
//
// -DFENCEFUZZ_PARSE_FUZZ_BROKEN (parse_fuzz_replay_broken, a ctest only):
// the formatters are replaced by ones that write the ops in reverse order,
// so a program of two different ops must make the oracle fire; that test
// shows the round-trip check can fail.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fence/oracle.h"
#include "harness/concurrent.h"
#include "harness/program.h"

namespace {

#ifdef FENCEFUZZ_PARSE_FUZZ_BROKEN
std::string format_seq(const harness::program &p)
{
	harness::program r = p;
	r.ops.assign(p.ops.rbegin(), p.ops.rend());
	return harness::format(r);
}
std::string format_conc(const harness::cprogram &p)
{
	harness::cprogram r = p;
	r.setup.assign(p.setup.rbegin(), p.setup.rend());
	for (auto &t : r.threads)
		t.assign(t.rbegin(), t.rend());
	return harness::format_concurrent(r);
}
#else
std::string format_seq(const harness::program &p) { return harness::format(p); }
std::string format_conc(const harness::cprogram &p) { return harness::format_concurrent(p); }
#endif

// disagree: the round trip of @parser failed @check; print what was compared
// and the oracle line, then abort (never exit from a harness, STYLE.md B4).
[[noreturn]] void disagree(const char *parser, const char *check, const std::string &first,
			   const std::string &second, const std::string &why)
{
	fprintf(stderr,
		"parse_fuzz: %s round trip: %s\n--- formatted once ---\n%s--- formatted again ---\n"
		"%s---\n",
		parser, why.c_str(), first.c_str(), second.c_str());
	const std::string sig = std::string(parser) + "-" + check;
	fence_oracle("parse", sig.c_str());
	abort();
}

void check_sequential(const std::string &text)
{
	harness::program p1, p2;
	std::string err;
	if (!harness::parse(text, &p1, &err))
		return; // refused cleanly: fine
	const std::string t1 = format_seq(p1);
	if (!harness::parse(t1, &p2, &err))
		disagree("seq", "reparse", t1, "", "its own output does not parse: " + err);
	const std::string t2 = format_seq(p2);
	if (p1.ops != p2.ops)
		disagree("seq", "ops", t1, t2, "the ops differ");
	if (p1.header != p2.header)
		disagree("seq", "header", t1, t2, "the header differs");
	if (t1 != t2)
		disagree("seq", "text", t1, t2, "the formatted texts differ");
}

void check_concurrent(const std::string &text)
{
	harness::cprogram p1, p2;
	std::string err;
	if (!harness::parse_concurrent(text, &p1, &err))
		return;
	const std::string t1 = format_conc(p1);
	if (!harness::parse_concurrent(t1, &p2, &err))
		disagree("conc", "reparse", t1, "", "its own output does not parse: " + err);
	const std::string t2 = format_conc(p2);
	if (p1.setup != p2.setup || p1.threads != p2.threads)
		disagree("conc", "ops", t1, t2, "the ops differ");
	if (!(p1.schedule == p2.schedule))
		disagree("conc", "schedule", t1, t2, "the schedule differs");
	if (p1.header != p2.header)
		disagree("conc", "header", t1, t2, "the header differs");
	if (t1 != t2)
		disagree("conc", "text", t1, t2, "the formatted texts differ");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const std::string text(reinterpret_cast<const char *>(data), size);
	check_sequential(text);
	check_concurrent(text);
	return 0;
}

const char *fencefuzz_harness_name() { return "parse_fuzz"; }

// replay_main.cpp: a .prog seed must parse, as whichever kind it is.
bool fencefuzz_parse_text(const std::string &text, std::string *error)
{
	if (harness::looks_concurrent(text)) {
		harness::cprogram p;
		return harness::parse_concurrent(text, &p, error);
	}
	harness::program p;
	return harness::parse(text, &p, error);
}

// SPDX-License-Identifier: MIT
//
// concurrent_fuzz - 2..4 threads of catalog ops after a shared setup, run on
// the deterministic scheduler with a schedule that is part of the input, so
// the fuzzer mutates ops and interleaving together and every crash replays
// from its file. Built only where the dsched core exists (not under TSan).
//
// Oracle: harness/concurrent.h (some sequential order of the threads' ops
// explains their results and the final state), the scheduler's deadlock
// report, and as everywhere sanitizers, WARNs and unloaded-module traps.
// Inputs: binary concurrent programs; printable inputs that parse as text
// (.prog with "thread N:" sections) run as text.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "harness/concurrent.h"
#include "harness/program.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

namespace {

harness::cprogram load_input(const uint8_t *data, size_t size)
{
	if (harness::looks_like_text(data, size)) {
		std::string text(reinterpret_cast<const char *>(data), size);
		harness::cprogram p;
		if (harness::looks_concurrent(text) && harness::parse_concurrent(text, &p, nullptr))
			return p;
	}
	return harness::decode_concurrent(data, size);
}

bool bytes_only_mutator()
{
	static const bool bytes = [] {
		const char *m = getenv("FENCEFUZZ_MUTATOR");
		return m && !strcmp(m, "bytes");
	}();
	return bytes;
}

} // namespace

// FENCEFUZZ_STATS=1: print the runner's counters at exit (how many runs the
// linearizability search could not decide, how often threads switched).
void print_stats()
{
	const harness::concurrent_stats &s = harness::cstats();
	fprintf(stderr,
		"concurrent_fuzz: %lu runs, %lu thread ops (%lu skipped), %lu switches in %lu "
		"scheduling points, %lu model steps searched, %lu inconclusive\n",
		s.runs, s.ops, s.skipped, s.switches, s.sched_points, s.search_steps, s.inconclusive);
}

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	harness::init_concurrent_process();
	if (getenv("FENCEFUZZ_STATS"))
		atexit(print_stats);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	// FENCEFUZZ_LOG=1: every op of every thread to stderr (fence-repro's log),
	// for runs that only misbehave after others in the same process.
	static const bool log = getenv("FENCEFUZZ_LOG") != nullptr;
	harness::run_options opt;
	if (log)
		opt.log = &std::cerr;
	harness::run_concurrent(load_input(data, size), opt);
	return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
					  unsigned int seed)
{
	if (bytes_only_mutator() && LLVMFuzzerMutate)
		return LLVMFuzzerMutate(data, size, max_size);
	return harness::mutate_concurrent(data, size, max_size, seed,
					  LLVMFuzzerMutate ? LLVMFuzzerMutate : nullptr);
}

const char *fencefuzz_harness_name() { return "concurrent_fuzz"; }

// replay_main.cpp: a .prog file must parse, here as a concurrent program.
bool fencefuzz_parse_text(const std::string &text, std::string *error)
{
	harness::cprogram p;
	return harness::parse_concurrent(text, &p, error);
}

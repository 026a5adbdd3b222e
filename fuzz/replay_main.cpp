// SPDX-License-Identifier: MIT
//
// replay_main.cpp - main() of every *_replay binary: runs each file named on
// the command line (or every file in a named directory) through the
// harness's LLVMFuzzerTestOneInput, in-process, in whatever preset this was
// built (asan, tsan, ubsan, release, coverage). Exit 0 when all ran clean; a
// failing input aborts with the harness's report. Text (.prog) and binary
// inputs both work. Oracle: the harness's.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "harness/files.h"
#include "harness/interp.h"
#include "harness/program.h"

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *fencefuzz_harness_name();
// A harness whose text programs are not sequential ones (concurrent_fuzz)
// says how to parse them; the others use harness::parse().
bool fencefuzz_parse_text(const std::string &text, std::string *error) __attribute__((weak));

namespace {

void usage(const char *argv0)
{
	printf("usage: %s [--quiet] FILE|DIR...\n"
	       "Replays %s inputs (text .prog or binary) in this build's instrumentation;\n"
	       "folders recurse (notes beside the inputs, *.txt and *.md, are left out).\n"
	       "Exit status 0 if every input ran clean; a failing input aborts with its report.\n"
	       "For a step-by-step trace of one input use tools/fence-repro.\n",
	       argv0, fencefuzz_harness_name());
}

} // namespace

int main(int argc, char **argv)
{
	bool quiet = false;
	std::vector<std::string> args, inputs;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(argv[0]);
			return 0;
		}
		if (!strcmp(argv[i], "--quiet")) {
			quiet = true;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "%s: unknown option '%s' (try --help)\n", argv[0], argv[i]);
			return 2;
		}
		args.push_back(argv[i]);
	}
	std::string err;
	if (!harness::list_inputs(args, &inputs, &err)) {
		fprintf(stderr, "%s: %s\n", argv[0], err.c_str());
		return 2;
	}
	if (inputs.empty()) {
		usage(argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (const std::string &path : inputs) {
		std::vector<uint8_t> data;
		if (!harness::read_input_file(path, &data, &err)) {
			fprintf(stderr, "%s: %s\n", argv[0], err.c_str());
			return 2;
		}
		if (path.size() > 5 && path.compare(path.size() - 5, 5, ".prog") == 0) {
			// A text program must parse: a typo in a reproducer is an error, not
			// a different (binary-decoded) program.
			harness::program prog;
			std::string err;
			const std::string text(data.begin(), data.end());
			if (fencefuzz_parse_text ? !fencefuzz_parse_text(text, &err)
						 : !harness::parse(text, &prog, &err)) {
				fprintf(stderr, "%s:%s\n", path.c_str(), err.substr(5).c_str());
				return 2;
			}
		}
		if (!quiet)
			fprintf(stderr, "replay %s (%zu bytes)\n", path.c_str(), data.size());
		harness::set_source_name(path);
		LLVMFuzzerTestOneInput(data.data(), data.size());
	}
	printf("%s: %zu input(s) replayed clean\n", fencefuzz_harness_name(), inputs.size());
	return 0;
}

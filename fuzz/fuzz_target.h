// SPDX-License-Identifier: MIT
//
// fuzz/fuzz_target.h - the body every sequential fuzz harness shares.
//
// FENCEFUZZ_TARGET(profile) defines the libFuzzer entry points for a harness
// whose binary programs decode with @profile. One source builds three ways
// (fuzz/CMakeLists.txt): a libFuzzer binary, an AFL++ binary (libAFLDriver)
// and a *_replay binary (replay_main.cpp) in every preset.
//
// Oracle: the interpreter's (harness/interp.h): a model divergence, a
// sanitizer report, a WARN or an unloaded-module trap aborts the run.
// Inputs: binary programs; printable inputs that parse as text programs
// (.prog) run as text, so seeds and reproducers replay as they are stored.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "harness/interp.h"
#include "harness/mutate.h"
#include "harness/program.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

namespace fencefuzz_target {

inline harness::program load_input(const uint8_t *data, size_t size, const harness::profile &p)
{
	if (harness::looks_like_text(data, size)) {
		harness::program prog;
		if (harness::parse(std::string(reinterpret_cast<const char *>(data), size), &prog,
				   nullptr))
			return prog;
	}
	return harness::decode(data, size, p);
}

} // namespace fencefuzz_target

// The structure-aware mutator and crossover (harness/mutate.h) are compiled in
// only with -DFENCEFUZZ_CUSTOM_MUTATOR=ON: measured against libFuzzer's own
// byte mutation with the op dictionary, they reached less coverage for the
// same number of executions (README "Measured"; tools/measure-mutator), so the
// default build leaves mutation to the engine.
#ifdef FENCEFUZZ_CUSTOM_MUTATOR
#define FENCEFUZZ_MUTATORS(profile_fn)                                                          \
	extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,  \
						  unsigned int seed)                            \
	{                                                                                       \
		return harness::mutate(data, size, max_size, seed, profile_fn(),                \
				       LLVMFuzzerMutate ? LLVMFuzzerMutate : nullptr);          \
	}                                                                                       \
	extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1,               \
						    const uint8_t *d2, size_t s2, uint8_t *out, \
						    size_t max_out, unsigned int seed)          \
	{                                                                                       \
		return harness::crossover(d1, s1, d2, s2, out, max_out, seed, profile_fn());     \
	}
#else
#define FENCEFUZZ_MUTATORS(profile_fn)
#endif

#define FENCEFUZZ_TARGET(profile_fn)                                                            \
	extern "C" int LLVMFuzzerInitialize(int *, char ***)                                    \
	{                                                                                       \
		harness::init_process();                                                        \
		return 0;                                                                       \
	}                                                                                       \
	extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                 \
	{                                                                                       \
		harness::run(fencefuzz_target::load_input(data, size, profile_fn()));           \
		return 0;                                                                       \
	}                                                                                       \
	FENCEFUZZ_MUTATORS(profile_fn)                                                          \
	const char *fencefuzz_harness_name() { return profile_fn().name; }

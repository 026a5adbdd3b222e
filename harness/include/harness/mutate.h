// SPDX-License-Identifier: MIT
//
// harness/mutate.h - structure-aware mutation of binary programs.
//
// Decodes the input, applies one to three whole-op edits (insert a random op,
// delete, duplicate, swap two ops, re-roll one argument; half the re-rolls of
// a u64 take another u64 of the program +-4, or across 2^31 or 2^32, the
// op-level twin of the binary form's relative tags), and encodes the result
// canonically (decoded programs hold plain values, harness/program.h). The fuzz harnesses expose it as LLVMFuzzerCustomMutator
// when built with -DFENCEFUZZ_CUSTOM_MUTATOR=ON; it is off by default because
// it lost the coverage comparison with libFuzzer's byte mutation (README
// "Measured", tools/measure-mutator).
#pragma once

#include <cstddef>
#include <cstdint>

#include "harness/program.h"

namespace harness {

// Mutate @data (of @size, capacity @max_size) in place; returns the new size.
// @byte_mutate, if given, is libFuzzer's LLVMFuzzerMutate, used for a share
// of the mutations so byte-level variety is not lost.
size_t mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed, const profile &p,
	      size_t (*byte_mutate)(uint8_t *, size_t, size_t));

// Splice two programs at op boundaries (LLVMFuzzerCustomCrossOver).
size_t crossover(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
		 size_t max_out, unsigned seed, const profile &p);

} // namespace harness

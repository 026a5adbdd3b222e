// SPDX-License-Identifier: MIT
//
// harness/mutate.h - structure-aware mutation of binary programs.
//
// Decodes the input, applies one to three whole-op edits (insert a random op,
// delete, duplicate, swap two ops, re-roll one argument), and encodes the
// result canonically. The fuzz harnesses expose it as LLVMFuzzerCustomMutator;
// set FENCEFUZZ_MUTATOR=bytes in the environment to fall back to libFuzzer's
// byte mutation only (for A/B measurements, see README "Custom mutator").
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

} // namespace harness

// SPDX-License-Identifier: MIT
//
// harness/src/fork.h - what both runners of concurrent programs share (the
// deterministic-scheduler runner, concurrent_run.cpp, and the real-thread
// runner, thread_run.cpp): a thread's slot numbering, the fork after the
// setup, the module owner rule and the legality test (harness/concurrent.h
// states the rules). Internal to harness/.
#pragma once

#include "catalog.h"
#include "harness/concurrent.h"
#include "seq_run.h"

namespace harness {

// @o as thread @t writes it, with global slot numbers (fN, cN and fence sets
// of thread t live at kFenceSlots * (t + 1) + N, kCbSlots * (t + 1) + N).
op remap(const op &o, int t);

// The module slot a module op names, or -1 (op_desc::module_arg).
int module_slot(const op &o);

// After the setup ran on @s: each of @nthreads threads takes its own
// reference to every fence of the setup's slots, then the setup drops its
// own (so the last put of a setup fence happens in a thread).
void fork_threads(seq_run &s, int nthreads);

// Module ops on a slot belong to the first thread that has any: owner[m] is
// that thread, or -1.
void module_owners(const cprogram &cp, int nthreads, int owner[kModuleSlots]);

// May thread @t run @o (global slots) now? The module owner rule, then the
// op's own thread_legal() (decided from what the thread itself can know and
// from monotone core facts).
bool thread_may_run(const world &w, const int owner[kModuleSlots], const op &o, int t);

} // namespace harness

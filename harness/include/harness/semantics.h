// SPDX-License-Identifier: MIT
//
// harness/semantics.h - what the harness knows of the fence core it was
// built over (harness/include/harness/core_api.h): the port, or a kernel tree.
//
// The catalog, the model and the contracts are written once; where the
// cores' documented behaviour differs, they ask semantics(). For the port
// it is Linux 7.1 with the 2026 series; for a tree it is read off the
// tree's headers at configure time (cmake/FencefuzzKernelTree.cmake,
// fence_ktree_profile(): FENCE_TREE_HAS_* definitions), so a tree with the
// series applied gets the series' rules. README "The kernel tree in the
// catalog" tabulates Linux 6.12 against 7.1.
#pragma once

#include "harness/program.h"

namespace harness {

struct core_semantics {
	const char *backend; // "port" or "tree"
	const char *version; // "7.1" (the port), the tree's Makefile version
	// A fence's ops detach when it signals, unless they have ->release or
	// ->wait (7.1); else the ops stay for the fence's whole life.
	bool detach_on_signal;
	// dma_fence_driver_name()/_timeline_name() say "detached-driver" /
	// "signaled-timeline" once the fence signaled (7.1); else the names are
	// the driver's own ->get_driver_name()/->get_timeline_name() for life.
	bool name_getters;
	// dma_fence_describe() prints "ctx:seq TIMELINE DRIVER [un]signalled"
	// (7.1); else "DRIVER TIMELINE seq N [un]signalled" (6.12).
	bool describe_ctx_seq;
	// The driver contract the simulated modules follow (core/include/fence/
	// module.h): a module may unload only once every fence it issued is
	// released (the rule before the series), or once its fences signaled
	// and a grace period passed (7.1: only ->release/->wait fences pin it).
	// A 7.1 driver on a tree without detach is the series' motivating bug
	// (FENCEFUZZ_DRIVER_CONTRACT=7.1).
	bool pin_until_release;
	// Which op kinds the core has (dma_fence_check_and_signal() is 7.1's;
	// the .so modules are built against the port's ABI).
	bool has[kOpKinds];
	// Why an op is missing, for the message that refuses a program naming it.
	const char *why_missing[kOpKinds];
};

// The core this harness library was built over.
const core_semantics &semantics() noexcept;
// "port (Linux 7.1)", "tree (Linux 6.12.57, driver contract 7.1)".
std::string describe_backend();

} // namespace harness

// SPDX-License-Identifier: MIT
//
// semantics.cpp - semantics() for the backend this harness library is built
// over (harness/semantics.h). Compiled once per backend, like the rest of
// the harness: the tree's facts come from the FENCE_TREE_* definitions that
// cmake/FencefuzzKernelTree.cmake reads off the tree's headers.
#include "harness/semantics.h"

#include "harness/core_api.h"

namespace harness {

namespace {

core_semantics make()
{
	core_semantics s{};
	for (int k = 0; k < kOpKinds; k++) {
		s.has[k] = true;
		s.why_missing[k] = "";
	}
	auto lack = [&s](op_kind k, const char *why) {
		s.has[static_cast<int>(k)] = false;
		s.why_missing[static_cast<int>(k)] = why;
	};
#ifdef FENCE_BACKEND_TREE
	s.backend = "tree";
	s.version = FENCE_TREE_VERSION;
#ifdef FENCE_TREE_OPS_RCU
	s.detach_on_signal = true;
#endif
#ifdef FENCE_TREE_HAS_NAME_GETTERS
	s.name_getters = true;
	s.describe_ctx_seq = true;
#endif
#ifndef FENCE_TREE_HAS_CHECK_AND_SIGNAL
	lack(op_kind::check_and_signal, "the tree has no dma_fence_check_and_signal()");
#endif
	lack(op_kind::load_so, "the .so modules (core/modules) are built against the port's ABI");
	// Misuse ops whose WARN the tree does not have (a NULL fence returns
	// -EINVAL quietly before 7.1; the tree's signalling annotations are
	// lockdep maps, and the shims have no lockdep).
	lack(op_kind::signal_null, "the tree's dma_fence_signal(NULL) does not WARN");
	lack(op_kind::signal_ts_null, "the tree's dma_fence_signal_timestamp(NULL) does not WARN");
	lack(op_kind::wait_in_signalling, "the tree's signalling annotations need lockdep, which the shims lack");
#else
	s.backend = "port";
	s.version = "7.1";
	s.detach_on_signal = s.name_getters = s.describe_ctx_seq = true;
	(void)lack;
#endif
	s.pin_until_release = fence_module_pins_until_release();
	return s;
}

} // namespace

const core_semantics &semantics() noexcept
{
	static const core_semantics s = make();
	return s;
}

std::string describe_backend()
{
	const core_semantics &s = semantics();
	std::string d = std::string(s.backend) + " (Linux " + s.version;
	if (s.pin_until_release != !s.detach_on_signal)
		d += std::string(", driver contract ") + (s.pin_until_release ? "6.12" : "7.1");
	return d + ")";
}

} // namespace harness

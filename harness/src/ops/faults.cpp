// SPDX-License-Identifier: MIT
//
// ops/faults.cpp - the fault family: a pending signal on the running thread
// (interruptible waits return -ERESTARTSYS), and failnext (the next op's
// first allocation fails; the runners arm fence_failslab_nth() around it).
#include "../catalog.h"

namespace harness {
namespace {

outcome core_sig_raise(world &, const op &)
{
	fence_signal_raise(current);
	return {0, ""};
}
outcome model_sig_raise(model &m, const op &)
{
	m.sigpending = true;
	return {0, ""};
}
outcome core_sig_clear(world &, const op &)
{
	fence_signal_clear(current);
	return {0, ""};
}
outcome model_sig_clear(model &m, const op &)
{
	m.sigpending = false;
	return {0, ""};
}
outcome nothing_core(world &, const op &) { return {0, ""}; }
outcome nothing_model(model &, const op &) { return {0, ""}; }

const op_desc kOps[] = {
	{.kind = op_kind::sig_raise,
	 .help = "raise a pending signal on this thread",
	 .legal = always,
	 .thread_legal = always_t,
	 .core = core_sig_raise,
	 .model_fn = model_sig_raise,
	 .touches = scope::none},
	{.kind = op_kind::sig_clear,
	 .help = "clear the pending signal",
	 .legal = always,
	 .thread_legal = always_t,
	 .core = core_sig_clear,
	 .model_fn = model_sig_clear,
	 .touches = scope::none},
	{.kind = op_kind::failnext,
	 .help = "the next op's first allocation fails (failslab)",
	 .legal = always,
	 .thread_legal = always_t,
	 .core = nothing_core,
	 .model_fn = nothing_model,
	 .touches = scope::none,
	 .arms_failnext = true},
};

} // namespace

const op_family family_faults = {"faults", kOps, std::size(kOps)};

} // namespace harness

// SPDX-License-Identifier: MIT
//
// harness/src/interp_detail.h - the interpreter's pieces that the concurrent
// runner (concurrent_run.cpp) drives one at a time. Internal to harness/.
//
// A concurrent run is a session whose setup ran through session::step(),
// then logical threads run ops on the same core world, each on its own range
// of fence and callback slots, without the model; afterwards the runner
// looks for a sequential order of those ops that the model explains
// (model_op() on copies), and checks the core's final state against it.
#pragma once

#include <string>
#include <vector>

#include "harness/interp.h"
#include "harness/model.h"
#include "harness/program.h"

struct dma_fence;
struct fence_module;

namespace harness {

// Friend of session: the runner's door into a session's world and model.
struct session_access;

namespace detail {

// A callback as seen from the core during a concurrent op.
struct cb_record {
	int slot;	  // callback slot (global numbering)
	int error;	  // the fence's error when it ran
	bool ts_bit;	  // the timestamp was set before it ran
	bool right_fence; // it ran for the fence it was added to
};

// What an op returned (value and text, as in divergence reports).
struct result {
	long value = 0;
	std::string text;
};

// While set (per thread), callbacks are recorded into @sink instead of the
// session's own event list; nullptr restores the default.
void set_cb_sink(std::vector<cb_record> *sink) noexcept;

// The core half of @o on @s's world: no legality check, no model, no checks.
result core_op(session &s, const op &o);

// The model half of @o (the caller checked op_legal()).
result model_op(model &m, const op &o);

// The session's model (replace it with the one a linearization produced).
model &session_model(session &s);

// Compare @s's core world with @m as session::step does after every op.
// Return: "" if they agree, else the divergence report.
std::string check_state(session &s, const model &m);

// Core-side facts the concurrent legality rules read (global slot numbers).
struct dma_fence *fence_at(session &s, int slot);
struct fence_module *module_at(session &s, int slot);
bool cb_added(session &s, int slot);  // holds a fence (add_cb ran, no drop_cb since)
bool cb_queued(session &s, int slot); // added, and neither run nor removed

} // namespace detail
} // namespace harness

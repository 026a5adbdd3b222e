// SPDX-License-Identifier: MIT
//
// harness/coverage.h - the semantic-coverage map: which (op x the state of
// its fence x sequential or concurrent) cells a set of programs reaches.
//
// Code coverage says a line ran; this says that `signal` ran on an
// unsignaled fence with callbacks queued, an external lock, a 64-bit seqno
// and a pinned module, inside a concurrent thread. Every runner calls the
// op observer (set_op_observer()) before it runs an op on the core (the one
// place: run_core(), harness/src/catalog.cpp), with the state of the op's
// fence read off the core; `fence-prog coverage CORPUS...` runs programs
// with an observer that fills a coverage_map and prints it.
//
// A fence state has six parts, spelled by one letter each:
//   S/U  signaled or not                 C/-  callbacks queued or not
//   A/D  ops attached or detached        E/I  external or inline lock
//   6/3  64- or 32-bit seqno             P/F/N the fence pins its module,
//        does not (free: a fence that does not pin, or its module is gone),
//        or has none (a stub)
// "-" is the state of an op without a fence argument (load, sync_rcu, ...).
// The op's fence is its first fence argument that it does not write
// (get's source, not its destination; a callback op's fence is the one the
// callback was added to; wait_any's first fence).
//
// Which cells are legal is decided by rules with reasons (unreachable()):
// what the core's semantics make impossible (a signaled fence has no
// queued callbacks), what the backend lacks (no detach on 6.12), and what
// the catalog says of the op (never in a thread, signaled fences only).
// A reached cell that a rule calls unreachable is reported as a rule error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/program.h"

namespace harness {

struct fence_state {
	bool present = false; // false: the op has no fence (state "-")
	bool signaled = false, cbs = false, attached = true, ext = false, seq64 = false;
	enum module_pin : uint8_t { pin, free_, none } mod = none;
};

// "UCAE6P", or "-".
std::string state_name(const fence_state &s);

// Called before each op runs on the core, by every runner (@in_thread: in a
// concurrent program's thread). Null by default (no cost but a load).
using op_observer = void (*)(const op &o, const fence_state &s, bool in_thread);
void set_op_observer(op_observer fn) noexcept;

// The cells, indexed by op kind, state and mode.
class coverage_map {
public:
	static constexpr int kStateCodes = 97; // coverage.cpp encode()
	// Every state of a present fence that a rule does not exclude for this
	// backend, then "-": the map's columns.
	static const std::vector<fence_state> &states();
	// Not thread-safe: an observer that runs in threads locks around it.
	void hit(const op &o, const fence_state &s, bool in_thread);
	long count(op_kind k, size_t state, bool in_thread) const;
	// "" if the cell is legal, else the reason it cannot be reached.
	static std::string unreachable(op_kind k, size_t state, bool in_thread);
	// A rule given by the user (fence-prog coverage --claim-unreachable):
	// op @k never runs on a fence in state @state (a state_name(), or "*"
	// for every state), in either mode. A program that reaches such a cell
	// is a RULE ERROR like one against the built-in rules. Not thread-safe:
	// claim before any program runs.
	static void claim_unreachable(op_kind k, const std::string &state);
	// Cells reached that a rule calls unreachable ("op state mode: reason").
	const std::vector<std::string> &rule_errors() const { return rule_errors_; }
	// Totals: legal cells, reached legal cells (per mode: [0] seq, [1] conc).
	void totals(long legal[2], long reached[2]) const;
	// The table: a row per op, a column per state, "s"/"c"/"sc" reached,
	// "." legal and empty, " " unreachable; then the empty legal cells.
	std::string format(bool list_empty) const;
	// One line per reached cell ("op state seq|conc count"), for diffs.
	std::string cells() const;

private:
	std::vector<long> n_ = std::vector<long>(static_cast<size_t>(kOpKinds) * kStateCodes * 2, 0);
	std::vector<std::string> rule_errors_;
};

// The state index of @s in coverage_map::states(), or -1.
int state_index(const fence_state &s);

} // namespace harness

// SPDX-License-Identifier: MIT
//
// props/props_common.h - what the property-test binaries share: the test
// macro that checks a RapidCheck property inside gtest and exports its
// shrunk counterexample, edge-biased argument generators over the op
// catalog, and the main() that sets bounded RapidCheck defaults.
//
// Oracle (what output means broken): a gtest failure carrying RapidCheck's
// "Falsifiable after N tests and M shrinks" message. The failure names the
// counterexample file written under $FENCEFUZZ_PROPS_OUT (default
// ./props-failures/) and the RC_PARAMS="reproduce=..." string that reruns
// exactly that case.
#pragma once

#include <gtest/gtest.h>
// RapidCheck's gtest glue must come after gtest.
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "harness/interp.h"
#include "harness/model.h"
#include "harness/program.h"

// RapidCheck prints generated values through showValue() found by ADL.
namespace harness {
inline void showValue(const op &o, std::ostream &os) { os << format_op(o); }
} // namespace harness

namespace props {

// ---- failures and their export ----------------------------------------------------

// Where counterexamples go: $FENCEFUZZ_PROPS_OUT, else ./props-failures/
// (created on demand).
std::string failure_dir();

// What a failing run of the current property leaves behind. RapidCheck runs
// the minimal (shrunk) case last, so the last note is the counterexample.
struct failure_note {
	std::string body;    // the case, as text (.prog lines, maybe # thread blocks)
	std::string symptom; // one line: what broke
	size_t ops = 0;	     // its length in ops
};
// Record a failing run (called from inside the property, before rethrowing).
void note_failure(failure_note n);
// Has the property being checked failed yet (then RapidCheck is shrinking)?
bool failed_yet();
// Remember the case about to run. If the run kills the process through
// abort() (an ASan/UBSan report with abort_on_error, a WARN with
// panic_on_warn, a BUG, an unloaded-module trap), a SIGABRT handler writes it
// to failure_dir()/<Suite>.<Name>.inflight.prog first: the program that
// crashed, unshrunk, replayable. (TSan's halt_on_error exits without abort().)
void inflight(const std::string &body);

// "asan", "tsan" or "release": the instrumentation of this build.
const char *build_flavour();

// Check @prop as a gtest test (as rc::detail::checkGTest does), then, if it
// failed, write the last noted failure to failure_dir()/<Suite>.<Name>-<seed>.prog
// with a header (property, symptom, reproduce string, how to replay) and
// add the path to the gtest failure message. @replay_hint says how to replay
// the file ("fence-repro FILE" or "FENCEFUZZ_PROPS_REPLAY=FILE <binary>").
void check_property(const std::function<void()> &prop, const char *replay_hint);

// ---- what properties generate ------------------------------------------------------

// A weight table over the catalog: which ops a property generates, how often.
using weights = std::vector<std::pair<int, harness::op_kind>>;

// Options for argument generation.
struct arg_opts {
	std::vector<int> models = {0, 1, 2, 3, 4, 5}; // driver models "load" may pick
	std::vector<int> cflags = {0, 1, 2, 3};	      // create flags: -, ext, seqno64, both
};

// ---- generators (size-independent: choices use the full range at any size) --------

// A value in [lo, hi).
int pick(int lo, int hi);
// One of @w's kinds by weight (shrinks towards the first entry).
harness::op_kind pick_kind(const weights &w);
// Edge-biased u64s: small values, near 2^31, 2^32 and 2^64, anything.
uint64_t pick_seqno();
// Error numbers (positive; the op applies the minus): 1, 4095 (MAX_ERRNO),
// common codes, anything in range.
uint64_t pick_err();
// Timeouts in jiffies: 0, max (255), small, anything.
uint64_t pick_timeout();
// Arguments for an op of kind @k that are likely legal in @m.
harness::op pick_op(const harness::model &m, harness::op_kind k, const arg_opts &o);

// ---- small model helpers ------------------------------------------------------------

// dma_fence_get_status() of model fence @f: 0, 1 or the error.
int status_of(const harness::model &m, int f);
// "ctx:seqno" of the fence in slot @s of @m, or "empty".
std::string slot_ident(const harness::model &m, int s);

// A run that diverged leaves the core as it was (no teardown): deferred
// frees still queued, maybe a pending signal or an armed failslab on this
// thread. Drain and reset all that, so the next run's session measures its
// leak baseline from a quiet process and every run is reproducible alone.
void fresh_process_state();

// ---- main --------------------------------------------------------------------------

// The binaries' main(): adds @defaults ("max_success=150 max_size=60") to
// RC_PARAMS for every key the user's RC_PARAMS does not set (so RC_PARAMS
// works as RapidCheck documents, and ctest runs stay bounded), prepares the
// process as the harness needs (harness::init_process), runs the tests.
int props_main(int argc, char **argv, const char *defaults);

} // namespace props

// FENCE_PROP(Suite, Name, hint) { body } - a RapidCheck property as the gtest
// test Suite.Name (ctest: props.Suite.Name). The body uses RC_ASSERT & co.
#define FENCE_PROP(Suite, Name, hint)                                                      \
	static void fence_prop_##Suite##_##Name();                                          \
	TEST(Suite, Name) { ::props::check_property(&fence_prop_##Suite##_##Name, hint); } \
	static void fence_prop_##Suite##_##Name()

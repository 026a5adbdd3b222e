// SPDX-License-Identifier: MIT
// dsched.cpp - the deterministic scheduler sees the kernel tree's files.
//
// Usage: ktree_dsched [RUNS]   (default 200)
//
// Runs dma_fence_signal() and dma_fence_add_callback() of the tree's
// dma-fence.c (fence_ktree_dsched) on two logical threads of
// harness::dsched::scheduler, under RUNS PCT schedules (seeds 1..RUNS). Its
// switch points are the runtime's, reached through the shims (the fence
// lock, kref, the flag bit operations). Checks every run: the fence ends
// signaled; add_callback returned 0 and the callback ran once, or returned
// -ENOENT and it never ran. Checks over all runs: the scheduler passed
// switch points inside the kernel file in every run, and both outcomes
// happened (so schedules really interleaved the two kernel calls).
// Exit 0 if all hold.
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "harness/sched.h"

#include "dsched_ops.h"

int main(int argc, char **argv)
{
	const unsigned runs = argc > 1 ? static_cast<unsigned>(strtoul(argv[1], nullptr, 0)) : 200;
	unsigned added = 0, late = 0;
	for (unsigned seed = 1; seed <= runs; seed++) {
		harness::schedule_spec spec;
		spec.k = harness::schedule_spec::kind::pct;
		spec.seed = seed;
		spec.depth = 2;
		spec.steps = 32;
		kt_case_init();
		int ret = 1;
		harness::dsched::scheduler s(spec);
		s.run({{"signal", [] { kt_signal(); }}, {"add_cb", [&ret] { ret = kt_add_cb(); }}});
		const int runs_cb = kt_cb_runs();
		const bool signaled = kt_is_signaled();
		kt_case_fini();
		if (s.steps() == 0) {
			fprintf(stderr, "seed %u: the scheduler saw no switch point in dma-fence.c\n", seed);
			return 1;
		}
		if (!signaled || !((ret == 0 && runs_cb == 1) || (ret == -ENOENT && runs_cb == 0))) {
			fprintf(stderr, "seed %u (%s): add_callback returned %d, callback ran %d times, signaled %d\n",
				seed, harness::format_schedule(spec).c_str(), ret, runs_cb, signaled);
			return 1;
		}
		(ret == 0 ? added : late)++;
	}
	printf("ktree_dsched: %u schedules: callback added before the signal %u times, after (-ENOENT) %u times\n",
	       runs, added, late);
	if (!added || !late) {
		fprintf(stderr, "ktree_dsched: only one order of the two kernel calls was scheduled\n");
		return 1;
	}
	return 0;
}

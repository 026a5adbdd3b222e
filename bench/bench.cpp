// SPDX-License-Identifier: MIT
// bench/bench.cpp - google benchmark of the fast paths (bench/ops.h).
//
// fence_bench: the port ("port/...") and the kernel tree's dma-fence.c on the
// same runtime ("tree/..."); fence_bench_plain: the port built with
// FENCE_BENCH_PLAIN_OPS, no read-side sections around ->ops ("plain/...").
// bench/compare runs both and prints the ratios.
#include <benchmark/benchmark.h>

#include "ops.h"

namespace {
#define FENCE_BENCH_OP(prefix, side, op)                                        \
	void bm_##prefix##_##op(benchmark::State &state)                             \
	{                                                                       \
		for (auto _ : state)                                            \
			benchmark::DoNotOptimize((side##_##op(), 0));           \
	}                                                                       \
	BENCHMARK(bm_##prefix##_##op)->Name(#prefix "/" #op)

#ifdef FENCE_BENCH_PLAIN
FENCE_BENCH_OP(plain, port, init_put);
FENCE_BENCH_OP(plain, port, init_signal);
FENCE_BENCH_OP(plain, port, is_signaled);
FENCE_BENCH_OP(plain, port, add_remove_cb);
FENCE_BENCH_OP(plain, port, get_rcu_safe);
FENCE_BENCH_OP(plain, port, rcu_lock_unlock);
#else
FENCE_BENCH_OP(port, port, init_put);
FENCE_BENCH_OP(port, port, init_signal);
FENCE_BENCH_OP(port, port, is_signaled);
FENCE_BENCH_OP(port, port, add_remove_cb);
FENCE_BENCH_OP(port, port, get_rcu_safe);
FENCE_BENCH_OP(port, port, rcu_lock_unlock);
FENCE_BENCH_OP(tree, tree, init_put);
FENCE_BENCH_OP(tree, tree, init_signal);
FENCE_BENCH_OP(tree, tree, is_signaled);
FENCE_BENCH_OP(tree, tree, add_remove_cb);
FENCE_BENCH_OP(tree, tree, get_rcu_safe);
FENCE_BENCH_OP(tree, tree, rcu_lock_unlock);
#endif
} // namespace

int main(int argc, char **argv)
{
	port_setup();
#ifndef FENCE_BENCH_PLAIN
	tree_setup();
#endif
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}

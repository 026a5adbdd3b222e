// SPDX-License-Identifier: MIT
//
// fork.cpp - see fork.h.
#include "fork.h"

namespace harness {

op remap(const op &o, int t)
{
	op r = o;
	const int fb = kFenceSlots * (t + 1), cb = kCbSlots * (t + 1);
	const op_info &in = info(o.kind);
	for (int i = 0; i < in.nargs; i++) {
		switch (in.args[i]) {
		case arg_type::fence: r.a[i] += fb; break;
		case arg_type::cb: r.a[i] += cb; break;
		case arg_type::fset: r.a[i] <<= fb; break;
		default: break;
		}
	}
	return r;
}

int module_slot(const op &o)
{
	const int a = desc(o.kind).module_arg;
	return a < 0 ? -1 : static_cast<int>(o.a[a]);
}

void fork_threads(seq_run &s, int nthreads)
{
	for (int t = 0; t < nthreads; t++)
		for (int f = 0; f < kFenceSlots; f++)
			if (s.w().fence[f]) {
				op g;
				g.kind = op_kind::get;
				g.a[0] = static_cast<uint64_t>(kFenceSlots * (t + 1) + f);
				g.a[1] = static_cast<uint64_t>(f);
				s.step(g);
			}
	// ... and the setup lets go of its own: the last reference to a setup
	// fence is dropped by whichever thread puts it last, so ->release races
	// the other threads (and a module's unload) like any other op.
	for (int f = 0; f < kFenceSlots; f++)
		if (s.w().fence[f]) {
			op p;
			p.kind = op_kind::put;
			p.a[0] = static_cast<uint64_t>(f);
			s.step(p);
		}
}

void module_owners(const cprogram &cp, int nthreads, int owner[kModuleSlots])
{
	for (int m = 0; m < kModuleSlots; m++) {
		owner[m] = -1;
		for (int t = nthreads - 1; t >= 0; t--)
			for (const op &o : cp.threads[t])
				if (module_slot(o) == m)
					owner[m] = t;
	}
}

bool thread_may_run(const world &w, const int owner[kModuleSlots], const op &o, int t)
{
	const op_desc &d = desc(o.kind);
	const int ms = module_slot(o);
	if (ms >= 0 && owner[ms] != t)
		return false;
	return d.thread_legal && d.thread_legal(w, o);
}

} // namespace harness

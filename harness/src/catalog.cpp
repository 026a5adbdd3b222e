// SPDX-License-Identifier: MIT
//
// catalog.cpp - the list of op families and the lookup of descriptors.
// Oracle: none here; desc() aborts at first use if an op kind has no
// descriptor or two (a catalog bug), and harness/tests/catalog_test.cpp
// checks the catalog's shape.
#include "catalog.h"

#include <cstdio>
#include <cstdlib>

#include "harness/core_api.h"

namespace harness {

const std::vector<const op_family *> &families()
{
	// Adding a family: a file in harness/src/ops/ and a line here.
	static const std::vector<const op_family *> f = {
		&family_modules, &family_refs,	&family_signal, &family_callbacks,
		&family_waits,	 &family_names, &family_rcu,	&family_faults,
		&family_misuse,
	};
	return f;
}

const op_desc &desc(op_kind k) noexcept
{
	static const struct table {
		const op_desc *v[kOpKinds] = {};
		table()
		{
			for (const op_family *fam : families())
				for (size_t i = 0; i < fam->count; i++) {
					const op_desc &d = fam->ops[i];
					const int id = static_cast<int>(d.kind);
					if (id < 0 || id >= kOpKinds || v[id]) {
						fprintf(stderr, "fencefuzz: catalog: op #%d described twice "
								"(family %s)\n", id, fam->name);
						abort();
					}
					v[id] = &d;
				}
			for (int i = 0; i < kOpKinds; i++)
				if (!v[i]) {
					fprintf(stderr, "fencefuzz: catalog: op #%d has no descriptor\n", i);
					abort();
				}
		}
	} t;
	return *t.v[static_cast<int>(k)];
}

std::string show(const outcome &o)
{
	std::string s = std::to_string(o.value);
	if (!o.text.empty())
		s += " \"" + o.text + "\"";
	if (o.warns)
		s += " (" + std::to_string(o.warns) + (o.warns == 1 ? " WARN)" : " WARNs)");
	return s;
}

std::string fence_ident::text() const
{
	return empty ? "empty" : std::to_string(context) + ":" + std::to_string(seqno);
}

void record_ident(const world &w, op_record &r)
{
	if (!desc(r.o.kind).writes_fence_slot)
		return;
	const struct dma_fence *f = w.fence[r.o.a[0]];
	r.ident.known = true;
	r.ident.empty = !f;
	if (f) {
		r.ident.context = f->context;
		r.ident.seqno = f->seqno;
	}
}

outcome run_core(const op_desc &d, world &w, const op &o, bool in_thread)
{
	observe_op(w, o, in_thread);
	if (!d.misuse)
		return d.core(w, o);
	fence::expect_warn scope(/*print=*/false);
	outcome r = d.core(w, o);
	r.warns += static_cast<int>(scope.count()); // and those core() counted itself
	return r;
}

void run_record(world &w, op_record &r)
{
	const op_desc &d = desc(r.o.kind);
	set_cb_sink(&r.events);
	set_contract_sink(&r.broke);
	if (r.fail)
		fence_failslab_nth(1);
	r.out = run_core(d, w, r.o, /*in_thread=*/true);
	if (r.fail)
		fence_failslab_nth(0);
	set_cb_sink(nullptr);
	check_contracts(w, r.o, r.out, r.events);
	set_contract_sink(nullptr);
	if (d.observe)
		r.aux = d.observe(w, r.o, r.out);
	record_ident(w, r);
}

void check_contracts(const world &w, const op &o, const outcome &out,
		     const std::vector<cb_record> &events)
{
	const op_desc &d = desc(o.kind);
	if (d.post) {
		const std::string broke = d.post(w, o, out);
		if (!broke.empty())
			contract_broken(broke);
	}
	// Every fence the op was given is still held by its slot: alive and
	// initialised (a put empties its slot first).
	const op_info &in = info(o.kind);
	for (int i = 0; i < in.nargs; i++)
		if (in.args[i] == arg_type::fence)
			if (struct dma_fence *f = w.fence[o.a[i]]) {
				if (kref_read(&f->refcount) == 0)
					contract_broken("fence: a held fence has refcount 0");
				else if (!dma_fence_was_initialized(f))
					contract_broken("fence: a held fence is not initialised");
			}
	for (const cb_record &e : events)
		if (e.broke)
			contract_broken(e.broke);
	// How the core called the modules' ops (the driver contract, checked by
	// every simulated module: fence/module.h). In a concurrent program the
	// op that breaks it may be another thread's: the first check after it tells.
	char drv[256];
	if (fence_module_contract_take(drv, sizeof(drv)))
		contract_broken(drv);
}

std::string contract_kind(const std::string &broke) { return broke.substr(0, broke.find(':')); }

fence_ident model_ident(const model &m, int slot)
{
	fence_ident id;
	id.known = true;
	const int f = m.fslot[slot];
	id.empty = f < 0;
	if (f >= 0) {
		id.context = m.fences[f].context;
		id.seqno = m.fences[f].seqno;
	}
	return id;
}

void model_set_fence(model &m, int slot, int f)
{
	int old = m.fslot[slot];
	m.fslot[slot] = f;
	if (old >= 0)
		m.put(old);
}

long jiffies_arg(uint64_t t) { return t == 255 ? MAX_SCHEDULE_TIMEOUT : static_cast<long>(t); }

bool model_signaled_cb(const model &m, int f)
{
	const mfence &x = m.fences[f];
	return x.attached && x.mod >= 0 && m.modules[x.mod].has_signaled() &&
	       m.modules[x.mod].hw >= x.seqno;
}

bool model_is_later(const model &m, int f1, int f2)
{
	const mfence &a = m.fences[f1], &b = m.fences[f2];
	if (a.seq64)
		return a.seqno > b.seqno;
	return static_cast<int32_t>(static_cast<uint32_t>(a.seqno) - static_cast<uint32_t>(b.seqno)) > 0;
}

int lin_is_signaled_steps(lin_ctx &c, int f, outcome (*model_fn)(model &, const op &))
{
	if (c.first && !c.m.fences[f].signaled)
		return 0;
	if (c.first || !c.m.fences[f].signaled || model_signaled_cb(c.m, f)) {
		*c.expected = model_fn(c.m, c.r.o);
		return 1;
	}
	return 2;
}

void lin_scan_begin(model &m, lin_progress &pg, int mi, int action, uint64_t now)
{
	pg.mi = mi;
	pg.action = action;
	pg.now = now;
	pg.local.clear();
	pg.local.swap(m.modules[mi].pending);
	pg.kept.clear();
	pg.pos = 0;
	pg.n = 0;
}

// One fence of model::scan()'s loop.
void lin_scan_one(model &m, lin_progress &pg)
{
	int f = pg.local[pg.pos++];
	if (m.scan_one(f, pg.action, pg.now, &pg.n))
		pg.kept.push_back(f);
}

void lin_scan_end(model &m, lin_progress &pg)
{
	auto &pending = m.modules[pg.mi].pending;
	pg.kept.insert(pg.kept.end(), pending.begin(), pending.end());
	pending.swap(pg.kept);
}

} // namespace harness

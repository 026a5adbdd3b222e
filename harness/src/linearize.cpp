// SPDX-License-Identifier: MIT
//
// linearize.cpp - see linearize.h.
#include "linearize.h"

#include <algorithm>

#include "check.h"

namespace harness {

std::string where(const op_record &r)
{
	return "thread " + std::to_string(r.thread) + " op #" + std::to_string(r.index) + " '" +
	       format_op(r.orig) + "'";
}

namespace {

struct search {
	const std::vector<std::vector<op_record>> &recs;
	const world &w;
	bool setup_sig = false;
	lin_result res;
	size_t done = 0;
	std::vector<const op_record *> order;

	static bool compare(const op_record &r, const outcome &e, const std::vector<cb_event> &me,
			    const model &m, std::string *why)
	{
		const op_desc &d = desc(r.o.kind);
		if (!(d.lin_equal ? d.lin_equal(r, e, m) : r.out == e)) {
			*why = where(r) + ": returned " + show(r.out) + ", the model says " + show(e);
			return false;
		}
		if (r.ident.known) {
			const fence_ident want = model_ident(m, static_cast<int>(r.o.a[0]));
			if (!(want == r.ident)) {
				*why = where(r) + ": put fence " + r.ident.text() +
				       " into its slot, the model says " + want.text();
				return false;
			}
		}
		const auto &ce = r.events;
		for (size_t i = 0; i < std::max(me.size(), ce.size()); i++) {
			bool ok = i < me.size() && i < ce.size() && me[i].slot == ce[i].slot &&
				  me[i].error == ce[i].error && ce[i].ts_bit && ce[i].right_fence;
			if (!ok) {
				std::string mm = i < me.size() ? "c" + std::to_string(me[i].slot) + " error " +
									 std::to_string(me[i].error)
							       : "(none)";
				std::string cc = i < ce.size()
							 ? "c" + std::to_string(ce[i].slot) + " error " +
								   std::to_string(ce[i].error) +
								   (ce[i].ts_bit ? "" : " BEFORE the timestamp") +
								   (ce[i].right_fence ? "" : " for the WRONG fence")
							 : "(none)";
				*why = where(r) + ": callback " + std::to_string(i) + ": the model runs " + mm +
				       ", the core ran " + cc;
				return false;
			}
		}
		return true;
	}

	// The next step of @r on @m. Return: -1 it does not match (*why), 0 the
	// op goes on, 1 it is complete and matched.
	int step(model &m, bool &sig, const op_record &r, lin_progress &pg, std::string *why)
	{
		res.steps++;
		m.sigpending = sig;
		m.fail_alloc = false;
		m.events.clear();
		m.clock_signals.clear();
		const op_desc &d = desc(r.o.kind);
		const bool first = pg.phase == 0;
		if (first && !d.legal(m, r.o)) {
			*why = where(r) + ": its precondition is false in the model at this point";
			return -1;
		}
		pg.phase++;
		outcome e;
		bool complete = true;
		if (d.lin_step) {
			lin_ctx c{m, r, pg, first, &e};
			complete = d.lin_step(c);
		} else {
			m.fail_alloc = r.fail;
			e = d.model_fn(m, r.o);
		}
		m.fail_alloc = false;
		sig = m.sigpending;
		pg.ev.insert(pg.ev.end(), m.events.begin(), m.events.end());
		m.events.clear();
		m.clock_signals.clear();
		if (!complete)
			return 0;
		if (d.learn) {
			const std::string broken = d.learn(m, r.o, r.aux);
			if (!broken.empty()) {
				*why = where(r) + ": " + broken;
				return -1;
			}
		}
		return compare(r, e, pg.ev, m, why) ? 1 : -1;
	}

	void note_failure(const std::string &why)
	{
		if (done >= res.best_depth || res.best_why.empty()) {
			res.best_depth = done;
			res.best_why = why;
			res.best_order = order;
		}
	}

	struct node {
		model m;
		std::vector<bool> sig;
		std::vector<size_t> idx;
		std::vector<lin_progress> pg;
	};

	bool dfs(const node &n)
	{
		if (done == res.total) {
			model leaf = n.m;
			leaf.sigpending = setup_sig;
			mismatch mm;
			if (checker::all(w, leaf, &mm)) {
				res.found = std::move(leaf);
				return true;
			}
			note_failure("the final state differs: " + mm.field + ": the model says " +
				     mm.expected + ", the core has " + mm.actual);
			return false;
		}
		// Candidates: each thread's op in progress, or its next op unless
		// another thread's current op ended before it started (real time).
		// In-progress ops first, then earliest end first.
		std::vector<int> cand;
		const size_t nt = recs.size();
		for (size_t t = 0; t < nt; t++) {
			if (n.idx[t] >= recs[t].size())
				continue;
			const op_record &c = recs[t][n.idx[t]];
			bool ok = n.pg[t].phase > 0;
			if (!ok) {
				ok = true;
				for (size_t u = 0; u < nt && ok; u++)
					if (u != t && n.idx[u] < recs[u].size() && recs[u][n.idx[u]].end < c.start)
						ok = false;
			}
			if (ok)
				cand.push_back(static_cast<int>(t));
		}
		std::sort(cand.begin(), cand.end(), [&](int a, int b) {
			bool pa = n.pg[a].phase > 0, pb = n.pg[b].phase > 0;
			if (pa != pb)
				return pa;
			return recs[a][n.idx[a]].end < recs[b][n.idx[b]].end;
		});
		for (int t : cand) {
			if (res.steps >= res.budget) {
				res.out_of_budget = true;
				return false;
			}
			const op_record &r = recs[t][n.idx[t]];
			node next = n;
			bool s = next.sig[t];
			std::string why;
			int st = step(next.m, s, r, next.pg[t], &why);
			if (st < 0) {
				note_failure(why);
				continue;
			}
			next.sig[t] = s;
			if (st == 1) {
				next.idx[t]++;
				next.pg[t] = lin_progress{};
				done++;
				order.push_back(&r);
			}
			if (dfs(next))
				return true;
			if (st == 1) {
				done--;
				order.pop_back();
			}
			if (res.out_of_budget)
				return false;
		}
		return false;
	}
};

} // namespace

lin_result linearize(const std::vector<std::vector<op_record>> &recs, const model &m0,
		     const world &w, unsigned long budget)
{
	search sr{recs, w};
	sr.setup_sig = m0.sigpending;
	sr.res.budget = budget;
	for (auto &t : recs)
		sr.res.total += t.size();
	const size_t nt = recs.size();
	search::node root{m0, std::vector<bool>(nt, false), std::vector<size_t>(nt, 0),
			  std::vector<lin_progress>(nt)};
	sr.res.ok = sr.dfs(root);
	if (sr.res.ok)
		sr.res.order = sr.order;
	return std::move(sr.res);
}

} // namespace harness

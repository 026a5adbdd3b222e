// SPDX-License-Identifier: MIT
//
// coverage.cpp - the semantic-coverage map (harness/coverage.h): the op
// observer, the state an op's fence is in, and the rules that say which
// cells no program can reach, with their reasons.
#include "harness/coverage.h"

#include <atomic>
#include <cstdio>

#include "catalog.h"
#include "harness/core_api.h"
#include "harness/semantics.h"

namespace harness {

namespace {

std::atomic<op_observer> g_observer{nullptr};

// Which argument names the op's fence (coverage.h), -1 for none.
int fence_arg_index(op_kind k)
{
	const op_info &in = info(k);
	const bool writes = desc(k).writes_fence_slot;
	for (int i = 0; i < in.nargs; i++) {
		if (i == 0 && writes)
			continue;
		switch (in.args[i]) {
		case arg_type::fence:
		case arg_type::cb:
		case arg_type::fset: return i;
		default: break;
		}
	}
	return -1;
}

// The state of @f, read off the core (in a thread: a racy but safe read;
// the callback list under the fence's lock, the ops under RCU).
fence_state read_state(const world &w, struct dma_fence *f)
{
	fence_state s;
	s.present = true;
	// One snapshot, under the fence's lock (where a signal sets SIGNALED,
	// runs the callbacks and detaches the ops). Once signaled, cb_list's
	// memory holds the timestamp (a union): the list is looked at only on
	// an unsignaled fence.
	fence::rcu_read_guard g;
	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	s.signaled = dma_fence_test_signaled_flag(f);
	s.cbs = !s.signaled && !list_empty(&f->cb_list);
	const struct dma_fence_ops *ops = rcu_dereference(f->ops);
	dma_fence_unlock_irqrestore(f, flags);
	s.attached = ops != nullptr;
#ifdef FENCE_CORE_HAS_INLINE_LOCK
	s.ext = !test_bit(DMA_FENCE_FLAG_INLINE_LOCK_BIT, &f->flags);
#else
	s.ext = true;
#endif
	const wmodule *m = w.find_module(f->context);
	// An unloading module is still there (a failed unload leaves it loaded).
	const bool loaded = m && m->state.load(std::memory_order_acquire) != WMOD_UNLOADED;
#ifdef FENCE_CORE_HAS_SEQNO64_FLAG
	s.seq64 = core_fence_seqno64(f);
#else
	// The width is the ops' (6.12): readable while the module is loaded.
	s.seq64 = ops && (loaded || !m) && ops->use_64bit_seqno;
#endif
	if (!m)
		s.mod = fence_state::none;
	else if (!loaded)
		s.mod = fence_state::free_;
	else if (semantics().pin_until_release)
		s.mod = fence_state::pin;
	else
		s.mod = ops && (ops->release || ops->wait) ? fence_state::pin : fence_state::free_;
	return s;
}

// A state's code: its five flags and the module's three values, and one
// more for "-" (kNoFence).
constexpr int kNoFence = 3 << 5;
constexpr int kCodes = coverage_map::kStateCodes;
static_assert(kCodes == kNoFence + 1);

int encode(const fence_state &s)
{
	if (!s.present)
		return kNoFence;
	return (s.signaled ? 1 : 0) | (s.cbs ? 2 : 0) | (s.attached ? 4 : 0) | (s.ext ? 8 : 0) |
	       (s.seq64 ? 16 : 0) | (static_cast<int>(s.mod) << 5);
}

// Why no fence can be in state @s on this backend, or "".
const char *impossible(const fence_state &s)
{
	const core_semantics &sem = semantics();
	if (s.signaled && s.cbs)
		return "a signaled fence has no queued callbacks (signaling runs them all)";
	if (!s.attached && !sem.detach_on_signal)
		return "this core never detaches a fence's ops";
	if (!s.attached && !s.signaled)
		return "ops detach only when the fence signals";
	if (!s.ext && !sem.detach_on_signal) // no inline locks before the series either
		return "this core has no inline locks";
	if (s.mod == fence_state::none) {
		if (!s.signaled)
			return "a fence of no module is a stub, born signaled";
		if (s.seq64)
			return "stubs have 32-bit seqnos";
		if (s.ext && sem.detach_on_signal)
			return "stubs use their inline lock";
		if (s.attached && sem.detach_on_signal)
			return "a stub is signaled, so its ops are detached";
	}
	if (s.mod == fence_state::free_ && s.signaled && s.attached)
		return "a fence that does not pin its module detaches when it signals (under the "
		       "lock the map reads the state under)";
	if (s.mod == fence_state::free_ && s.ext)
		return "a fence with an external lock pins its module (the simulated drivers' lock "
		       "is module memory)";
	if (s.mod == fence_state::pin && !s.attached)
		return "a fence that pins its module keeps its ops";
	if (s.mod == fence_state::free_ && sem.pin_until_release)
		return "every fence pins its module until it is released (driver contract 6.12)";
	return "";
}

} // namespace

std::string state_name(const fence_state &s)
{
	if (!s.present)
		return "-";
	std::string n;
	n += s.signaled ? 'S' : 'U';
	n += s.cbs ? 'C' : '-';
	n += s.attached ? 'A' : 'D';
	n += s.ext ? 'E' : 'I';
	n += s.seq64 ? '6' : '3';
	n += "PFN"[s.mod];
	return n;
}

void set_op_observer(op_observer fn) noexcept { g_observer.store(fn, std::memory_order_release); }

// Called by run_core() (catalog.cpp) before the op runs.
void observe_op(const world &w, const op &o, bool in_thread)
{
	const op_observer fn = g_observer.load(std::memory_order_relaxed);
	if (likely(!fn))
		return;
	fence_state s;
	const int i = fence_arg_index(o.kind);
	if (i >= 0) {
		struct dma_fence *f = nullptr;
		switch (info(o.kind).args[i]) {
		case arg_type::fence: f = w.fence[o.a[i]]; break;
		case arg_type::cb: f = w.cbs[o.a[i]].held; break;
		default: // fset (a mask of global slots): its first fence
			for (int b = 0; b < kFenceSlotSpace && !f; b++)
				if (o.a[i] & (1ull << b))
					f = w.fence[b];
			break;
		}
		if (f)
			s = read_state(w, f);
	}
	fn(o, s, in_thread);
}

const std::vector<fence_state> &coverage_map::states()
{
	static const std::vector<fence_state> v = [] {
		std::vector<fence_state> r;
		for (int mod = 0; mod < 3; mod++)
			for (int bits = 0; bits < 32; bits++) {
				fence_state s;
				s.present = true;
				s.signaled = bits & 1;
				s.cbs = bits & 2;
				s.attached = bits & 4;
				s.ext = bits & 8;
				s.seq64 = bits & 16;
				s.mod = static_cast<fence_state::module_pin>(mod);
				if (!*impossible(s))
					r.push_back(s);
			}
		r.push_back(fence_state{}); // "-"
		return r;
	}();
	return v;
}

int state_index(const fence_state &s)
{
	const auto &v = coverage_map::states();
	const int c = encode(s);
	for (size_t i = 0; i < v.size(); i++)
		if (encode(v[i]) == c)
			return static_cast<int>(i);
	return -1;
}

namespace {
std::vector<std::pair<op_kind, std::string>> g_claims; // claim_unreachable()
} // namespace

void coverage_map::claim_unreachable(op_kind k, const std::string &state) { g_claims.emplace_back(k, state); }

std::string coverage_map::unreachable(op_kind k, size_t state, bool in_thread)
{
	const op_desc &d = desc(k);
	const fence_state &s = states()[state];
	for (const auto &c : g_claims)
		if (c.first == k && (c.second == "*" || c.second == state_name(s)))
			return "claimed unreachable (--claim-unreachable " + std::string(info(k).name) + ":" +
			       c.second + ")";
	if (!semantics().has[static_cast<int>(k)])
		return std::string("not in this core: ") + semantics().why_missing[static_cast<int>(k)];
	if (d.unavailable)
		if (const char *why = d.unavailable())
			return std::string("not available here: ") + why;
	if (in_thread && !d.thread_legal)
		return d.misuse ? "this misuse op never runs in a thread (ops/misuse.cpp says why)" : "never in a thread (no thread_legal)";
	const bool has_fence = fence_arg_index(k) >= 0;
	if (!has_fence)
		return s.present ? "the op has no fence argument" : "";
	if (!s.present)
		return "the op always has a fence";

	if (d.state_need == need_signaled && !s.signaled)
		return "legal only on a signaled fence";
	if (d.state_need == need_unsignaled && s.signaled)
		return "legal only on an unsignaled fence";
	return "";
}

void coverage_map::hit(const op &o, const fence_state &s, bool in_thread)
{
	const int c = encode(s);
	n_[(static_cast<size_t>(o.kind) * kCodes + c) * 2 + in_thread]++;
	const int i = state_index(s);
	std::string why = i < 0 ? impossible(s) : unreachable(o.kind, static_cast<size_t>(i), in_thread);
	if (!why.empty()) {
		std::string e = std::string(info(o.kind).name) + " " + state_name(s) +
				(in_thread ? " concurrent" : " sequential") + ": " + why;
		for (const std::string &x : rule_errors_)
			if (x == e)
				return;
		rule_errors_.push_back(e);
	}
}

long coverage_map::count(op_kind k, size_t state, bool in_thread) const
{
	return n_[(static_cast<size_t>(k) * kCodes + encode(states()[state])) * 2 + in_thread];
}

void coverage_map::totals(long legal[2], long reached[2]) const
{
	legal[0] = legal[1] = reached[0] = reached[1] = 0;
	for (int k = 0; k < kOpKinds; k++)
		for (size_t i = 0; i < states().size(); i++)
			for (int t = 0; t < 2; t++)
				if (unreachable(static_cast<op_kind>(k), i, t).empty()) {
					legal[t]++;
					reached[t] += count(static_cast<op_kind>(k), i, t) > 0;
				}
}

std::string coverage_map::format(bool list_empty) const
{
	const auto &st = states();
	std::string out = "semantic coverage (" + describe_backend() + "): op x fence state x mode\n";
	out += "  states: S/U signaled, C/- callbacks queued, A/D ops attached/detached, E/I\n"
	       "  external/inline lock, 6/3 seqno bits, P/F/N pins its module/free/no module;\n"
	       "  '-' no fence. Cells: s sequential, c concurrent, . legal and never reached,\n"
	       "  blank: unreachable (fence-prog coverage --why lists the reasons).\n\n";
	// The column heads, one letter of each state per line.
	for (int line = 0; line < 6; line++) {
		out += std::string(20, ' ');
		for (const fence_state &s : st) {
			const std::string n = state_name(s);
			out += static_cast<size_t>(line) < n.size() ? n[line] : ' ';
			out += "  ";
		}
		out += '\n';
	}
	std::vector<std::string> empty;
	for (int k = 0; k < kOpKinds; k++) {
		const op_kind kind = static_cast<op_kind>(k);
		if (!semantics().has[k])
			continue;
		char name[24];
		snprintf(name, sizeof(name), "%-19s ", info(kind).name);
		out += name;
		for (size_t i = 0; i < st.size(); i++) {
			for (int t = 0; t < 2; t++) {
				const bool legal = unreachable(kind, i, t).empty();
				const bool hit = count(kind, i, t) > 0;
				out += hit ? "sc"[t] : legal ? '.' : ' ';
				if (legal && !hit)
					empty.push_back(std::string(info(kind).name) + " " + state_name(st[i]) +
							(t ? " concurrent" : " sequential"));
			}
			out += ' ';
		}
		out += '\n';
	}
	long legal[2], reached[2];
	totals(legal, reached);
	char sum[256];
	snprintf(sum, sizeof(sum),
		 "\nreached %ld of %ld legal cells: sequential %ld/%ld, concurrent %ld/%ld; %zu empty\n",
		 reached[0] + reached[1], legal[0] + legal[1], reached[0], legal[0], reached[1], legal[1],
		 empty.size());
	out += sum;
	if (list_empty)
		for (const std::string &e : empty)
			out += "  empty: " + e + "\n";
	for (const std::string &e : rule_errors_)
		out += "  RULE ERROR (reached, yet a rule says unreachable): " + e + "\n";
	return out;
}

std::string coverage_map::cells() const
{
	std::string out;
	const auto &st = states();
	for (int k = 0; k < kOpKinds; k++)
		for (size_t i = 0; i < st.size(); i++)
			for (int t = 0; t < 2; t++)
				if (long n = count(static_cast<op_kind>(k), i, t))
					out += std::string(info(static_cast<op_kind>(k)).name) + " " +
					       state_name(st[i]) + (t ? " concurrent " : " sequential ") +
					       std::to_string(n) + "\n";
	return out;
}

} // namespace harness

// SPDX-License-Identifier: MIT
//
// concurrent.cpp - the concurrent program format (binary and text), its
// schedule line, and its mutator. See harness/concurrent.h. Built into every
// harness variant, so tools read and write concurrent programs in any build;
// running them needs the dsched variant (concurrent_run.cpp).
// Oracle: none here; harness/tests/concurrent_test.cpp proves the round trips
// and that decode accepts anything.
#include "harness/concurrent.h"

#include "format_util.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>

#include "harness/interp.h"
#include "harness/model.h"
#include "harness/mutate.h"

namespace harness {

// ---- schedules ----------------------------------------------------------------

bool schedule_spec::operator==(const schedule_spec &o) const
{
	if (k != o.k)
		return false;
	switch (k) {
	case kind::bytes: return bytes == o.bytes;
	case kind::random: return seed == o.seed;
	case kind::pct: return seed == o.seed && depth == o.depth && steps == o.steps;
	}
	return false;
}

std::string format_schedule(const schedule_spec &s)
{
	char buf[96];
	switch (s.k) {
	case schedule_spec::kind::bytes: {
		std::string r = "bytes";
		if (!s.bytes.empty())
			r += ' ';
		for (uint8_t b : s.bytes) {
			snprintf(buf, sizeof(buf), "%02x", b);
			r += buf;
		}
		return r;
	}
	case schedule_spec::kind::random:
		snprintf(buf, sizeof(buf), "random 0x%" PRIx64, s.seed);
		return buf;
	case schedule_spec::kind::pct:
		snprintf(buf, sizeof(buf), "pct 0x%" PRIx64 " %u %u", s.seed, s.depth, s.steps);
		return buf;
	}
	return "bytes";
}

namespace {

using text::trim;
bool parse_num(const std::string &s, uint64_t *v) { return text::parse_u64(s, v); }

int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

} // namespace

bool parse_schedule(const std::string &text, schedule_spec *out, std::string *error)
{
	std::stringstream ss(text);
	std::vector<std::string> w;
	for (std::string x; ss >> x;)
		w.push_back(x);
	auto fail = [&](const std::string &m) {
		if (error)
			*error = m;
		return false;
	};
	const char *usage = "expected 'bytes [HEX]', 'random SEED' or 'pct SEED DEPTH [STEPS]'";
	if (w.empty())
		return fail(std::string("empty schedule: ") + usage);
	schedule_spec s;
	if (w[0] == "bytes") {
		s.k = schedule_spec::kind::bytes;
		std::string hex;
		for (size_t i = 1; i < w.size(); i++)
			hex += w[i];
		if (hex.size() % 2)
			return fail("schedule bytes: odd number of hex digits");
		for (size_t i = 0; i < hex.size(); i += 2) {
			int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
			if (hi < 0 || lo < 0)
				return fail("schedule bytes: '" + hex.substr(i, 2) + "' is not a hex byte");
			s.bytes.push_back(static_cast<uint8_t>(hi * 16 + lo));
		}
	} else if (w[0] == "random") {
		s.k = schedule_spec::kind::random;
		if (w.size() != 2 || !parse_num(w[1], &s.seed))
			return fail("schedule random: expected 'random SEED' (decimal or 0x hex)");
	} else if (w[0] == "pct") {
		s.k = schedule_spec::kind::pct;
		uint64_t d = 0, k = 256;
		if (w.size() < 3 || w.size() > 4 || !parse_num(w[1], &s.seed) || !parse_num(w[2], &d) ||
		    (w.size() == 4 && !parse_num(w[3], &k)))
			return fail("schedule pct: expected 'pct SEED DEPTH [STEPS]'");
		if (d < 1 || d > 16)
			return fail("schedule pct: DEPTH must be 1..16");
		if (k < 1 || k > 65536)
			return fail("schedule pct: STEPS must be 1..65536");
		s.depth = static_cast<unsigned>(d);
		s.steps = static_cast<unsigned>(k);
	} else {
		return fail("unknown schedule '" + w[0] + "': " + usage);
	}
	*out = std::move(s);
	return true;
}

// ---- binary -------------------------------------------------------------------------

namespace {

struct creader : byte_reader {
	void ops(size_t n, std::vector<op> *out, const model *start = nullptr)
	{
		p += decode_ops(p, static_cast<size_t>(end - p), concurrent_profile(), n, out, start);
	}
};

void put_le(std::vector<uint8_t> &out, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void put_ops(std::vector<uint8_t> &out, const std::vector<op> &ops, size_t max)
{
	program p;
	p.ops.assign(ops.begin(), ops.begin() + static_cast<long>(std::min(ops.size(), max)));
	out.push_back(static_cast<uint8_t>(p.ops.size()));
	std::vector<uint8_t> b = encode(p, concurrent_profile());
	out.insert(out.end(), b.begin(), b.end());
}

} // namespace

cprogram decode_concurrent(const uint8_t *data, size_t size)
{
	cprogram cp;
	creader r{data, data + size};
	const size_t nthreads = 2 + r.byte() % (kMaxThreads - 1);
	switch (r.byte() % 4) {
	case 2:
		cp.schedule.k = schedule_spec::kind::random;
		cp.schedule.seed = r.le(8);
		break;
	case 3:
		cp.schedule.k = schedule_spec::kind::pct;
		cp.schedule.seed = r.le(8);
		cp.schedule.depth = 1 + r.byte() % 16;
		cp.schedule.steps = 1 + static_cast<unsigned>(r.le(2));
		break;
	default: cp.schedule.k = schedule_spec::kind::bytes; break;
	}
	r.ops(r.byte() % (kMaxSetupOps + 1), &cp.setup);
	// A thread's relative arguments (harness/program.h) resolve as if it ran
	// alone after the setup: its fN start as the setup's fN (the fork).
	model after_setup;
	for (const op &o : cp.setup)
		model_apply(after_setup, o);
	cp.threads.resize(nthreads);
	for (auto &t : cp.threads)
		r.ops(r.byte() % (kMaxThreadOps + 1), &t, &after_setup);
	if (cp.schedule.k == schedule_spec::kind::bytes)
		cp.schedule.bytes.assign(r.p, r.p + std::min<size_t>(r.end - r.p, kMaxScheduleBytes));
	return cp;
}

std::vector<uint8_t> encode_concurrent(const cprogram &p)
{
	std::vector<uint8_t> out;
	const size_t nthreads = std::clamp<size_t>(p.threads.size(), 2, kMaxThreads);
	out.push_back(static_cast<uint8_t>(nthreads - 2));
	const schedule_spec &s = p.schedule;
	switch (s.k) {
	case schedule_spec::kind::bytes: out.push_back(0); break;
	case schedule_spec::kind::random:
		out.push_back(2);
		put_le(out, s.seed, 8);
		break;
	case schedule_spec::kind::pct:
		out.push_back(3);
		put_le(out, s.seed, 8);
		out.push_back(static_cast<uint8_t>(std::clamp(s.depth, 1u, 16u) - 1));
		put_le(out, std::clamp(s.steps, 1u, 65536u) - 1, 2);
		break;
	}
	put_ops(out, p.setup, kMaxSetupOps);
	static const std::vector<op> none;
	for (size_t t = 0; t < nthreads; t++)
		put_ops(out, t < p.threads.size() ? p.threads[t] : none, kMaxThreadOps);
	if (s.k == schedule_spec::kind::bytes)
		out.insert(out.end(), s.bytes.begin(),
			   s.bytes.begin() + static_cast<long>(std::min(s.bytes.size(), kMaxScheduleBytes)));
	return out;
}

// ---- text ---------------------------------------------------------------------------

namespace {

// "thread N:" (any spacing, optional comment) -> N, else -1.
int thread_marker(const std::string &line)
{
	std::string t = trim(line);
	size_t hash = t.find('#');
	if (hash != std::string::npos)
		t = trim(t.substr(0, hash));
	if (t.rfind("thread", 0) != 0 || t.size() < 8 || t.back() != ':')
		return -1;
	std::string num = trim(t.substr(6, t.size() - 7));
	if (num.empty() || num.size() > 3 || (t[6] != ' ' && t[6] != '\t'))
		return -1;
	for (char c : num)
		if (c < '0' || c > '9')
			return -1;
	return atoi(num.c_str());
}

bool schedule_line(const std::string &line, std::string *rest)
{
	std::string t = trim(line);
	if (t.rfind("schedule:", 0) != 0)
		return false;
	t = t.substr(9);
	size_t hash = t.find('#');
	if (hash != std::string::npos)
		t = t.substr(0, hash);
	*rest = trim(t);
	return true;
}

// "slots: shared" -> 1, "slots: per-thread" -> 0, another "slots:" -> -2,
// no slots line -> -1.
int slots_line(const std::string &line)
{
	std::string t = trim(line);
	if (t.rfind("slots:", 0) != 0)
		return -1;
	t = t.substr(6);
	size_t hash = t.find('#');
	if (hash != std::string::npos)
		t = t.substr(0, hash);
	t = trim(t);
	return t == "shared" ? 1 : t == "per-thread" ? 0 : -2;
}

} // namespace

bool looks_concurrent(const std::string &text)
{
	std::stringstream in(text);
	std::string rest;
	for (std::string line; std::getline(in, line);)
		if (thread_marker(line) >= 0 || schedule_line(line, &rest))
			return true;
	return false;
}

bool parse_concurrent(const std::string &text, cprogram *out, std::string *error)
{
	std::vector<std::string> lines;
	{
		std::stringstream in(text);
		for (std::string line; std::getline(in, line);)
			lines.push_back(line);
	}
	auto fail = [&](size_t lineno, const std::string &msg) {
		if (error)
			*error = "line " + std::to_string(lineno) + ": " + msg;
		return false;
	};
	cprogram cp;
	bool have_schedule = false;
	// section[i]: -1 setup, N thread N, -2 the schedule line.
	std::vector<int> section(lines.size(), -1);
	int cur = -1;
	for (size_t i = 0; i < lines.size(); i++) {
		std::string rest;
		int n = thread_marker(lines[i]);
		if (n >= 0) {
			if (n != cur + 1)
				return fail(i + 1, "expected 'thread " + std::to_string(cur + 1) + ":' (threads are numbered from 0, in order)");
			if (n >= kMaxThreads)
				return fail(i + 1, "at most " + std::to_string(kMaxThreads) + " threads");
			cur = n;
			section[i] = -2;
			continue;
		}
		if (const int sl = slots_line(lines[i]); sl != -1) {
			if (cur >= 0)
				return fail(i + 1, "the slots line must come before 'thread 0:'");
			if (sl == -2)
				return fail(i + 1, "slots: takes 'shared' or 'per-thread'");
			cp.shared_slots = sl == 1;
			section[i] = -2;
			continue;
		}
		if (schedule_line(lines[i], &rest)) {
			if (cur >= 0)
				return fail(i + 1, "the schedule line must come before 'thread 0:'");
			if (have_schedule)
				return fail(i + 1, "a second schedule line");
			std::string err;
			if (!parse_schedule(rest, &cp.schedule, &err))
				return fail(i + 1, err);
			have_schedule = true;
			section[i] = -2;
			continue;
		}
		section[i] = cur;
	}
	if (cur < 1)
		return fail(lines.size(), "a concurrent program needs 'thread 0:' and 'thread 1:' sections");
	// Parse each section as a sequential program whose other lines are blank,
	// so that errors carry the file's line numbers.
	for (int sec = -1; sec <= cur; sec++) {
		std::string body;
		for (size_t i = 0; i < lines.size(); i++) {
			if (section[i] == sec)
				body += lines[i];
			body += '\n';
		}
		program p;
		std::string err;
		if (!parse(body, &p, &err)) {
			if (error)
				*error = err;
			return false;
		}
		if (sec < 0) {
			cp.header = std::move(p.header);
			cp.setup = std::move(p.ops);
		} else {
			cp.threads.push_back(std::move(p.ops));
		}
	}
	*out = std::move(cp);
	return true;
}

std::string format_concurrent(const cprogram &p, bool with_header)
{
	std::string s;
	if (with_header)
		for (auto &[k, v] : p.header)
			s += "# " + k + ": " + v + "\n";
	s += "schedule: " + format_schedule(p.schedule) + "\n";
	if (p.shared_slots)
		s += "slots: shared\n";
	for (const op &o : p.setup)
		s += format_op(o) + "\n";
	for (size_t t = 0; t < p.threads.size(); t++) {
		s += "thread " + std::to_string(t) + ":\n";
		for (const op &o : p.threads[t])
			s += format_op(o) + "\n";
	}
	return s;
}

// ---- mutation -----------------------------------------------------------------------

namespace {

// Op-level edits of one section through the sequential mutator.
void mutate_ops(std::vector<op> &ops, size_t max_ops, std::mt19937_64 &rng)
{
	program p;
	p.ops = ops;
	std::vector<uint8_t> buf = encode(p, concurrent_profile());
	const size_t cap = 1024;
	buf.resize(std::max(buf.size(), cap));
	size_t n = encode(p, concurrent_profile()).size();
	n = mutate(buf.data(), n, cap, static_cast<unsigned>(rng()), concurrent_profile(), nullptr);
	std::vector<op> out;
	decode_ops(buf.data(), n, concurrent_profile(), max_ops, &out);
	ops = std::move(out);
}

void mutate_schedule(schedule_spec &s, std::mt19937_64 &rng)
{
	switch (s.k) {
	case schedule_spec::kind::bytes: {
		auto &b = s.bytes;
		switch (b.empty() ? 0 : rng() % 6) {
		case 0: // insert a preemption: run length, then thread
			if (b.size() + 2 <= kMaxScheduleBytes) {
				size_t at = b.empty() ? 0 : 2 * (rng() % (b.size() / 2 + 1));
				static const uint8_t runs[] = {0, 1, 2, 3, 4, 5, 8, 16};
				b.insert(b.begin() + static_cast<long>(std::min(at, b.size())),
					 {runs[rng() % 8], static_cast<uint8_t>(rng() % 4)});
			}
			break;
		case 1: b.erase(b.begin() + static_cast<long>(rng() % b.size())); break;
		case 2: b[rng() % b.size()] = static_cast<uint8_t>(rng()); break;
		case 3: b[rng() % b.size()] = static_cast<uint8_t>(rng() % 8); break;
		case 4: { // nudge a run length
			uint8_t &x = b[rng() % b.size()];
			x = static_cast<uint8_t>(x + (rng() % 2 ? 1 : -1));
			break;
		}
		default: b.resize(rng() % (b.size() + 1)); break;
		}
		break;
	}
	case schedule_spec::kind::random: s.seed = rng(); break;
	case schedule_spec::kind::pct:
		switch (rng() % 3) {
		case 0: s.seed = rng(); break;
		case 1: s.depth = 1 + rng() % 5; break;
		default: {
			static const unsigned steps[] = {16, 32, 64, 128, 256, 512, 1024};
			s.steps = steps[rng() % 7];
			break;
		}
		}
		break;
	}
}

} // namespace

size_t mutate_concurrent(uint8_t *data, size_t size, size_t max_size, unsigned seed,
			 size_t (*byte_mutate)(uint8_t *, size_t, size_t))
{
	std::mt19937_64 rng(seed);
	if (byte_mutate && rng() % 16 == 0)
		return byte_mutate(data, size, max_size);
	// Text seeds (.prog) are mutated as the program they spell, into binary.
	cprogram p;
	std::string text(reinterpret_cast<const char *>(data), size);
	if (!(looks_like_text(data, size) && looks_concurrent(text) && parse_concurrent(text, &p, nullptr)))
		p = decode_concurrent(data, size);
	int edits = 1 + static_cast<int>(rng() % 2);
	for (int e = 0; e < edits; e++) {
		// An empty byte schedule never preempts: give it its first preemption.
		const bool no_preemption =
			p.schedule.k == schedule_spec::kind::bytes && p.schedule.bytes.size() < 2;
		switch (no_preemption && rng() % 2 ? 8 : rng() % 20) {
		case 0: case 1: case 2: case 3: case 4: case 5: case 6: { // ops of one section
			size_t sec = rng() % (p.threads.size() + 1);
			if (sec == p.threads.size())
				mutate_ops(p.setup, kMaxSetupOps, rng);
			else
				mutate_ops(p.threads[sec], kMaxThreadOps, rng);
			break;
		}
		case 7: case 8: case 9: case 10: case 11: case 12: case 13: case 14: // the schedule
			mutate_schedule(p.schedule, rng);
			break;
		case 15: { // another strategy
			schedule_spec s;
			s.k = static_cast<schedule_spec::kind>(rng() % 3);
			s.seed = rng();
			s.depth = 1 + rng() % 4;
			s.steps = 64u << (rng() % 4);
			if (s.k == schedule_spec::kind::bytes)
				for (int i = 0; i < 4; i++)
					s.bytes.push_back(static_cast<uint8_t>(i % 2 ? rng() % 4 : rng() % 8));
			p.schedule = s;
			break;
		}
		case 16: // one thread more or fewer
			if (p.threads.size() < kMaxThreads && (p.threads.size() == 2 || rng() % 2))
				p.threads.emplace_back();
			else if (p.threads.size() > 2)
				p.threads.pop_back();
			break;
		case 17: { // move an op to another thread, or from the setup into a thread
			size_t from = rng() % (p.threads.size() + 1), to = rng() % p.threads.size();
			std::vector<op> &src = from == p.threads.size() ? p.setup : p.threads[from];
			if (!src.empty() && p.threads[to].size() < kMaxThreadOps) {
				size_t i = rng() % src.size();
				op o = src[i];
				src.erase(src.begin() + static_cast<long>(i));
				auto &dst = p.threads[to];
				dst.insert(dst.begin() + static_cast<long>(rng() % (dst.size() + 1)), o);
			}
			break;
		}
		default: { // copy an op of one thread into another (both race on it)
			size_t from = rng() % p.threads.size(), to = rng() % p.threads.size();
			if (!p.threads[from].empty() && p.threads[to].size() < kMaxThreadOps) {
				op o = p.threads[from][rng() % p.threads[from].size()];
				auto &dst = p.threads[to];
				dst.insert(dst.begin() + static_cast<long>(rng() % (dst.size() + 1)), o);
			}
			break;
		}
		}
	}
	std::vector<uint8_t> out = encode_concurrent(p);
	// Too long: drop ops from the longest section until it fits.
	while (out.size() > max_size) {
		std::vector<op> *longest = &p.setup;
		for (auto &t : p.threads)
			if (t.size() > longest->size())
				longest = &t;
		if (longest->empty()) {
			if (p.schedule.bytes.empty())
				return size;
			p.schedule.bytes.pop_back();
		} else {
			longest->pop_back();
		}
		out = encode_concurrent(p);
	}
	memcpy(data, out.data(), out.size());
	return out.size();
}

} // namespace harness

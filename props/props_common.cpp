// SPDX-License-Identifier: MIT
//
// props_common.cpp - see props_common.h. Oracle: none here (the properties
// hold the oracles); this file only checks, exports and generates.
#include "fence/oracle.h"
#include "props_common.h"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unordered_map>

#include "harness/core_api.h"
#include "harness/semantics.h"

// Debian's librapidcheck-dev ships the function (RapidCheck's own exit-time
// "To reproduce these, run with: RC_PARAMS=..." uses it) but not its header.
namespace rc {
namespace detail {
std::string reproduceMapToString(const std::unordered_map<std::string, Reproduce> &reproduceMap);
} // namespace detail
} // namespace rc

namespace props {

using harness::arg_type;
using harness::model;
using harness::op;
using harness::op_kind;

namespace {
failure_note g_note;
bool g_noted = false;
std::string g_inflight;	       // path of the in-flight file of the running property
std::string g_inflight_header; // its header
std::string g_inflight_text;   // header + the case running now

// abort() on any thread: write the case that was running, then die as before.
// Only async-signal-safe calls (open, write, close, raise).
void on_abort(int sig)
{
	if (!g_inflight.empty() && !g_inflight_text.empty()) {
		int fd = open(g_inflight.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			(void)!write(fd, g_inflight_text.data(), g_inflight_text.size());
			close(fd);
			static const char msg[] = "fencefuzz props: the run that died is in ";
			(void)!write(2, msg, sizeof(msg) - 1);
			(void)!write(2, g_inflight.data(), g_inflight.size());
			(void)!write(2, "\n", 1);
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}
} // namespace

std::string failure_dir()
{
	const char *env = getenv("FENCEFUZZ_PROPS_OUT");
	std::filesystem::path dir = env && *env ? std::filesystem::path(env)
						 : std::filesystem::current_path() / "props-failures";
	std::error_code ec;
	std::filesystem::create_directories(dir, ec);
	return dir.string();
}

void note_failure(failure_note n)
{
	g_note = std::move(n);
	g_noted = true;
}

bool failed_yet() { return g_noted; }

void inflight(const std::string &body)
{
	std::string text = g_inflight_header + body;
	g_inflight_text.swap(text);
}

const char *build_flavour()
{
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
	return "asan";
#elif __has_feature(thread_sanitizer)
	return "tsan";
#endif
#endif
	return "release";
}

namespace {

std::string self_exe()
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return "<props binary>";
	buf[n] = 0;
	return buf;
}

std::string today()
{
	char buf[32];
	time_t t = time(nullptr);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
	return buf;
}

std::string replace_all(std::string s, const std::string &from, const std::string &to)
{
	for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
		s.replace(p, from.size(), to);
	return s;
}

// A replay hint with FILE, BIN (this binary) and REPRO (this build's
// fence-repro, build/<preset>/tools/) filled in.
std::string fill_hint(const char *hint, const std::string &file)
{
	if (!hint)
		return "";
	const std::string self = self_exe();
	const std::string dir = self.substr(0, self.rfind('/'));
	std::string repro = dir + "/../tools/fence-repro";
	if (access(repro.c_str(), X_OK) != 0)
		repro = "fence-repro";
	else
		repro = std::filesystem::weakly_canonical(repro).string();
	return replace_all(replace_all(replace_all(hint, "FILE", file), "BIN", self), "REPRO", repro);
}

} // namespace

void check_property(const std::function<void()> &prop, const char *replay_hint)
{
	const auto *ti = ::testing::UnitTest::GetInstance()->current_test_info();
	const std::string suite = ti->test_suite_name(), name = ti->name();
	rc::detail::TestMetadata md;
	md.id = suite + "/" + name; // as checkGTest: RC_PARAMS="reproduce=..." keys on it
	md.description = name;
	g_note = {};
	g_noted = false;
	g_inflight = failure_dir() + "/" + suite + "." + name + ".inflight.prog";
	g_inflight_header = "# found-by: props " + suite + "." + name + " (RapidCheck, " +
			    build_flavour() + ") " + today() + "\n" +
			    "# symptom: the process died in this run (sanitizer report, WARN, trap); not shrunk\n" +
			    "# seed: " + std::to_string(rc::detail::configuration().testParams.seed) + "\n" +
			    "# replay: " + fill_hint(replay_hint, g_inflight) + "\n";

	const auto result = rc::detail::checkTestable(prop, md);
	g_inflight.clear();
	g_inflight_text.clear();
	if (result.is<rc::detail::SuccessResult>()) {
		const auto success = result.get<rc::detail::SuccessResult>();
		if (!success.distribution.empty()) {
			rc::detail::printResultMessage(result, std::cout);
			std::cout << std::endl;
		}
		return;
	}
	std::ostringstream msg;
	rc::detail::printResultMessage(result, msg);
	if (result.is<rc::detail::FailureResult>() && g_noted) {
		const auto &fail = result.get<rc::detail::FailureResult>();
		const std::string repro = rc::detail::reproduceMapToString({{md.id, fail.reproduce}});
		const uint64_t seed = rc::detail::configuration().testParams.seed;
		const std::string path =
			failure_dir() + "/" + suite + "." + name + "-" + std::to_string(seed) + ".prog";
		const std::string rerun = "RC_PARAMS=\"reproduce=" + repro + "\" " + self_exe() +
					  " --gtest_filter=" + suite + "." + name;
		const std::string replay = fill_hint(replay_hint, path);
		std::ofstream out(path);
		out << "# found-by: props " << suite << "." << name << " (RapidCheck, " << build_flavour()
		    << ") " << today() << "\n"
		    << "# symptom: " << g_note.symptom << "\n"
		    << "# ops: " << g_note.ops << "\n"
		    << "# seed: " << seed << "\n"
		    << "# rerun: " << rerun << "\n"
		    << "# replay: " << replay << "\n"
		    << g_note.body;
		out.close();
		msg << "\nfencefuzz props: counterexample (" << g_note.ops << " ops) written to " << path
		    << "\n  replay: " << replay << "\n  rerun:  " << rerun << "\n";
		std::cerr << "fencefuzz props: counterexample written to " << path << std::endl;
	}
	ADD_FAILURE() << msg.str();
	// The oracle behind the property: the model (a divergence the session
	// found, or a teardown leak), else the property's own assertion.
	const std::string &sym = g_note.symptom;
	const char *kind = !g_noted || sym.find("DIVERGENCE") == std::string::npos ? "props"
			   : sym.find("after teardown") != std::string::npos	       ? "leak"
										       : "model";
	fence_oracle(kind, (suite + "." + name + (g_noted ? "-" + sym.substr(0, 48) : "")).c_str());
}

// ---- generators ----------------------------------------------------------------------

int pick(int lo, int hi) { return *rc::gen::resize(100, rc::gen::inRange<int>(lo, hi)); }

// An entry's weight in this build: 0 for an op the core lacks (a kernel tree
// without dma_fence_check_and_signal(): harness/semantics.h).
static int weight_of(const std::pair<int, op_kind> &e)
{
	return harness::semantics().has[static_cast<int>(e.second)] ? e.first : 0;
}

op_kind pick_kind(const weights &w)
{
	int total = 0;
	for (auto &e : w)
		total += weight_of(e);
	int r = pick(0, total);
	for (auto &e : w) {
		if (r < weight_of(e))
			return e.second;
		r -= weight_of(e);
	}
	for (auto it = w.rbegin(); it != w.rend(); ++it)
		if (weight_of(*it))
			return it->second;
	return w.back().second;
}

uint64_t pick_seqno()
{
	switch (pick(0, 12)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		return static_cast<uint64_t>(pick(0, 16));
	case 6: case 7: // around 2^32: the 32-bit wrap of __dma_fence_is_later
		return (1ULL << 32) + static_cast<int64_t>(pick(-16, 16));
	case 8: case 9: // just below 2^64
		return 0ULL - static_cast<uint64_t>(pick(1, 17));
	case 10: // around 2^31: half the 32-bit circle
		return (1ULL << 31) + static_cast<int64_t>(pick(-4, 4));
	default:
		return *rc::gen::resize(100, rc::gen::arbitrary<uint64_t>());
	}
}

uint64_t pick_err()
{
	static const uint64_t kCommon[] = {1, 4095, 4, 19, 61, 62, 125, 110};
	if (pick(0, 4) == 0)
		return static_cast<uint64_t>(pick(1, 4096));
	return kCommon[pick(0, sizeof(kCommon) / sizeof(kCommon[0]))];
}

uint64_t pick_timeout()
{
	switch (pick(0, 8)) {
	case 0: case 1: return 0;
	case 2: case 3: return 255; // MAX_SCHEDULE_TIMEOUT
	case 4: return 1;
	case 5: return 254;
	default: return static_cast<uint64_t>(pick(0, 256));
	}
}

namespace {

std::vector<int> filled_fence_slots(const model &m)
{
	std::vector<int> v;
	for (int s = 0; s < harness::kFenceSlots; s++)
		if (m.fslot[s] >= 0)
			v.push_back(s);
	return v;
}

template <class Pred> int pick_slot(int n, Pred good, int percent_good = 90)
{
	std::vector<int> v;
	for (int i = 0; i < n; i++)
		if (good(i))
			v.push_back(i);
	if (!v.empty() && pick(0, 100) < percent_good)
		return v[pick(0, static_cast<int>(v.size()))];
	return pick(0, n);
}

bool is_dest_fence(op_kind k, int i)
{
	if (i != 0)
		return false;
	switch (k) {
	case op_kind::create:
	case op_kind::stub:
	case op_kind::private_stub:
	case op_kind::get:
	case op_kind::get_rcu_safe: return true;
	default: return false;
	}
}

// A hardware seqno for "irq m": often exactly a pending fence's seqno.
uint64_t pick_hw(const model &m, int mslot)
{
	if (mslot >= 0 && m.mslot[mslot] >= 0) {
		const auto &pend = m.modules[m.mslot[mslot]].pending;
		if (!pend.empty() && pick(0, 2) == 0)
			return m.fences[pend[pick(0, static_cast<int>(pend.size()))]].seqno +
			       static_cast<uint64_t>(pick(0, 2));
	}
	return pick_seqno();
}

// An increment for "inc m": small, up to a pending fence, or a big jump.
uint64_t pick_inc(const model &m, int mslot)
{
	if (mslot >= 0 && m.mslot[mslot] >= 0) {
		const auto &mod = m.modules[m.mslot[mslot]];
		if (!mod.pending.empty() && pick(0, 3) == 0) {
			uint64_t s = m.fences[mod.pending[pick(0, static_cast<int>(mod.pending.size()))]].seqno;
			if (s >= mod.hw)
				return s - mod.hw;
		}
	}
	if (pick(0, 4) == 0)
		return pick_seqno();
	return static_cast<uint64_t>(pick(0, 5));
}

} // namespace

op pick_op(const model &m, op_kind k, const arg_opts &opt)
{
	op o;
	o.kind = k;
	const harness::op_info &in = harness::info(k);
	for (int i = 0; i < in.nargs; i++) {
		uint64_t v = 0;
		switch (in.args[i]) {
		case arg_type::fence:
			if (is_dest_fence(k, i)) {
				v = pick(0, harness::kFenceSlots);
			} else if ((k == op_kind::is_later || k == op_kind::later) && i == 1 &&
				   m.fslot[o.a[0]] >= 0) {
				const uint64_t ctx = m.fences[m.fslot[o.a[0]]].context;
				v = pick_slot(harness::kFenceSlots, [&](int s) {
					return m.fslot[s] >= 0 && m.fences[m.fslot[s]].context == ctx;
				});
			} else {
				v = pick_slot(harness::kFenceSlots, [&](int s) { return m.fslot[s] >= 0; });
			}
			break;
		case arg_type::cb:
			if (k == op_kind::add_cb)
				v = pick_slot(harness::kCbSlots, [&](int c) { return !m.cb_pending[c]; });
			else
				v = pick_slot(harness::kCbSlots, [&](int c) { return m.cb_fence[c] >= 0; });
			break;
		case arg_type::module:
			if (k == op_kind::load)
				v = pick_slot(harness::kModuleSlots, [&](int s) { return m.mslot[s] < 0; }, 80);
			else
				v = pick_slot(harness::kModuleSlots, [&](int s) {
					if (m.mslot[s] < 0)
						return false;
					int kind = m.modules[m.mslot[s]].kind;
					if (k == op_kind::irq)
						return kind == harness::MK_HW;
					if (k == op_kind::inc)
						return kind == harness::MK_TIMELINE;
					return true;
				});
			break;
		case arg_type::rslot: v = pick(0, harness::kRcuSlots); break;
		case arg_type::model:
			v = opt.models[pick(0, static_cast<int>(opt.models.size()))];
			break;
		case arg_type::cflags:
			v = opt.cflags[pick(0, static_cast<int>(opt.cflags.size()))];
			break;
		case arg_type::intr: v = pick(0, 2); break;
		case arg_type::timeout: v = pick_timeout(); break;
		case arg_type::err: v = pick_err(); break;
		case arg_type::u64:
			if (k == op_kind::irq)
				v = pick_hw(m, static_cast<int>(o.a[0]));
			else if (k == op_kind::inc)
				v = pick_inc(m, static_cast<int>(o.a[0]));
			else
				v = pick_seqno();
			break;
		case arg_type::fset: {
			std::vector<int> filled = filled_fence_slots(m);
			uint64_t mask = 0;
			for (int s : filled)
				if (pick(0, 2))
					mask |= 1u << s;
			if (!mask)
				mask = filled.empty() ? 1u << pick(0, harness::kFenceSlots)
						      : 1u << filled[pick(0, static_cast<int>(filled.size()))];
			v = mask;
			break;
		}
		case arg_type::none: break;
		}
		o.a[i] = v;
	}
	return o;
}

void fresh_process_state()
{
	rcu_barrier();
	fence_signal_clear(current);
	fence_failslab_nth(0);
}

int props_main(int argc, char **argv, const char *defaults)
{
	std::string params = getenv("RC_PARAMS") ? getenv("RC_PARAMS") : "";
	auto has_key = [&](const std::string &key) {
		std::istringstream in(params);
		for (std::string w; in >> w;)
			if (w.compare(0, key.size() + 1, key + "=") == 0 || w == key)
				return true;
		return false;
	};
	std::istringstream in(defaults);
	for (std::string w; in >> w;)
		if (!has_key(w.substr(0, w.find('='))))
			params += (params.empty() ? "" : " ") + w;
	setenv("RC_PARAMS", params.c_str(), 1);
	harness::init_process();
	signal(SIGABRT, on_abort);
	::testing::InitGoogleTest(&argc, argv);
	return RUN_ALL_TESTS();
}

int status_of(const model &m, int f)
{
	const harness::mfence &x = m.fences[f];
	if (!x.signaled)
		return 0;
	return x.error ? x.error : 1;
}

std::string slot_ident(const model &m, int s)
{
	if (m.fslot[s] < 0)
		return "empty";
	const harness::mfence &x = m.fences[m.fslot[s]];
	return std::to_string(x.context) + ":" + std::to_string(x.seqno);
}

} // namespace props

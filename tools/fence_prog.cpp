// SPDX-License-Identifier: MIT
//
// fence-prog - convert, print and validate fencefuzz programs; run them for
// the semantic-coverage map (coverage) and the WARN sites they reach.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "fence/runtime.h"
#include "harness/concurrent.h"
#include "harness/coverage.h"
#include "harness/files.h"
#include "harness/interp.h"
#include "harness/program.h"
#include "harness/semantics.h"
#include "tool_util.h"

namespace {

const char kUsage[] =
	"usage: fence-prog [--harness api_fuzz|module_fuzz|concurrent_fuzz] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  to-binary IN OUT    text (or binary) program -> canonical binary\n"
	"  to-text IN [OUT]    binary (or text) program -> text (stdout without OUT)\n"
	"  print PATH...       print each program as text, with its header (folders recurse)\n"
	"  validate PATH...    check that text programs parse and do something; errors as\n"
	"                      FILE:LINE: message (folders recurse, their .prog files only)\n"
	"  list-ops            the operation catalog: names, arguments, meaning\n"
	"  semantics           the fence core this build drives (port or kernel tree) and\n"
	"                      what the model knows of it (harness/semantics.h)\n"
	"  coverage PATH...    run the programs (folders recurse) and print the semantic-\n"
	"                      coverage map: op x the state of its fence x sequential or\n"
	"                      concurrent (harness/coverage.h), and the legal cells no\n"
	"                      program reached. Options (after the command):\n"
	"                        --empty       list every empty legal cell\n"
	"                        --why         list the rules that make cells unreachable\n"
	"                        --cells FILE  write the reached cells, one per line\n"
	"                        --before FILE a --cells file of an earlier run: print\n"
	"                                      the cells gained and lost since\n"
	"                        --grow DIR    write seed programs aimed at the empty\n"
	"                                      legal cells: DIR/seq-STATE.prog (api_fuzz)\n"
	"                                      and DIR/conc-STATE.prog (concurrent_fuzz)\n"
	"                        --claim-unreachable OP:STATE\n"
	"                                      a rule of your own: OP never runs on a\n"
	"                                      fence in STATE (as the table spells it,\n"
	"                                      e.g. UCAE3P, or * for any); repeatable\n"
	"                      Exit status 1 if a reached cell breaks a rule.\n"
	"  warn-sites PATH...  run the programs and print each WARN site they reach\n"
	"                      (FILE:LINE, the op that drew it, how often): misuse ops\n"
	"                      WARN inside their expect_warn scope; any other WARN is a\n"
	"                      crash (panic_on_warn), as in the fuzzers\n"
	"\n"
	"fence-prog-tree is the same tool over the kernel tree backend (ktree/): its\n"
	"binary programs use the tree's opcode tables, which leave out the ops the\n"
	"tree lacks; a text program that names one is refused with the reason.\n"
	"\n"
	"Binary programs decode with a harness's opcode table: --harness, else the\n"
	"file's corpora/<harness>/ folder, else api_fuzz. Concurrent programs (text\n"
	"with \"thread N:\" sections, or binary for concurrent_fuzz) convert the same\n"
	"way (harness/concurrent.h). Exit status: 0 ok, 1 invalid input, 2 usage error.\n"
	"\n"
	"In binary, a u64 argument may be relative to the world at its op (another\n"
	"fence's seqno + -4..4, across 2^31 or 2^32, a timestamp, the op's module's\n"
	"newest fence or hardware seqno), and the second fence of is_later/later may\n"
	"pick a slot of argument 0's context; decoding resolves them on the model, so\n"
	"to-text and print show plain numbers and to-binary writes plain tags\n"
	"(README.md \"Programs, reproducers and the tools\" lists the tags).\n";

const char *arg_name(harness::arg_type t)
{
	using harness::arg_type;
	switch (t) {
	case arg_type::none: return "";
	case arg_type::fence: return "fN";
	case arg_type::cb: return "cN";
	case arg_type::module: return "mN";
	case arg_type::rslot: return "sN";
	case arg_type::model: return "names|hw|recycle|wait|deadline|timeline";
	case arg_type::cflags: return "-|ext|seqno64|ext,seqno64";
	case arg_type::intr: return "intr|nointr";
	case arg_type::timeout: return "0..254|max";
	case arg_type::err: return "-1..-4095";
	case arg_type::u64: return "u64";
	case arg_type::fset: return "fA,fB,...";
	}
	return "?";
}

int write_file(const std::string &path, const void *data, size_t n)
{
	std::ofstream out(path, std::ios::binary);
	if (!out.write(static_cast<const char *>(data), static_cast<std::streamsize>(n))) {
		fprintf(stderr, "fence-prog: cannot write '%s'\n", path.c_str());
		return 1;
	}
	return 0;
}

// ---- running programs: coverage, warn-sites ----------------------------------------

// Run @path (sequential or concurrent) on this build's core. Return false
// (with a message) if it cannot be loaded or run here; a divergence or a
// sanitizer report ends the process, as in fence-repro.
bool run_file(const std::string &path, const std::string &harness_flag)
{
	std::string err;
	bool text;
	if (tools::is_concurrent(path, harness_flag)) {
#ifdef FENCEFUZZ_TOOL_DSCHED
		harness::cprogram cp;
		if (!tools::load_concurrent(path, &cp, &text, &err)) {
			fprintf(stderr, "fence-prog: %s\n", err.c_str());
			return false;
		}
		harness::init_concurrent_process();
		harness::run_options opt;
		opt.source = path;
		harness::run_concurrent(cp, opt);
		return true;
#else
		fprintf(stderr, "fence-prog: %s: a concurrent program; this build has no deterministic "
				"scheduler (TSan): skipped\n",
			path.c_str());
		return false;
#endif
	}
	harness::program p;
	if (!tools::load_program(path, harness_flag, &p, &text, &err)) {
		fprintf(stderr, "fence-prog: %s\n", err.c_str());
		return false;
	}
	harness::init_process();
	harness::run_options opt;
	opt.source = path;
	harness::run(p, opt);
	return true;
}

// Progress on long runs (a fuzzing corpus holds thousands of files).
void progress(size_t done, size_t total)
{
	if (total >= 500 && (done % 500 == 0 || done == total))
		fprintf(stderr, "fence-prog: %zu of %zu programs run\n", done, total);
}

std::mutex g_cov_lock;
harness::coverage_map *g_cov;
void cov_observer(const harness::op &o, const harness::fence_state &s, bool in_thread)
{
	std::lock_guard<std::mutex> g(g_cov_lock);
	g_cov->hit(o, s, in_thread);
}

std::vector<std::string> read_lines(const std::string &path, bool *ok)
{
	std::ifstream in(path);
	std::vector<std::string> v;
	*ok = static_cast<bool>(in);
	for (std::string l; std::getline(in, l);)
		if (!l.empty())
			v.push_back(l.substr(0, l.rfind(' '))); // without the count
	return v;
}

bool grow_seeds(const harness::coverage_map &map, const std::string &dir);

int coverage(const std::vector<std::string> &files, const std::string &harness_flag, bool empty,
	     bool why, const std::string &cells_out, const std::string &before, const std::string &grow)
{
	harness::coverage_map map;
	g_cov = &map;
	harness::set_op_observer(cov_observer);
	size_t ran = 0, skipped = 0;
	for (size_t i = 0; i < files.size(); i++) {
		(run_file(files[i], harness_flag) ? ran : skipped)++;
		progress(i + 1, files.size());
	}
	harness::set_op_observer(nullptr);
	printf("%zu programs run, %zu skipped\n", ran, skipped);
	fputs(map.format(empty).c_str(), stdout);
	if (why) {
		// Each rule once, with how many legal-looking cells it removes.
		std::map<std::string, long> rules;
		const auto &st = harness::coverage_map::states();
		for (int k = 0; k < harness::kOpKinds; k++)
			for (size_t i = 0; i < st.size(); i++)
				for (int t = 0; t < 2; t++) {
					std::string w = harness::coverage_map::unreachable(
						static_cast<harness::op_kind>(k), i, t);
					if (!w.empty())
						rules[w]++;
				}
		printf("\nunreachable cells, by rule (besides the states no fence can be in):\n");
		for (auto &r : rules)
			printf("  %5ld  %s\n", r.second, r.first.c_str());
	}
	const std::string now = map.cells();
	if (!cells_out.empty()) {
		std::ofstream out(cells_out);
		if (!(out << now)) {
			fprintf(stderr, "fence-prog: cannot write '%s'\n", cells_out.c_str());
			return 2;
		}
	}
	if (!before.empty()) {
		bool ok;
		std::vector<std::string> old = read_lines(before, &ok);
		if (!ok) {
			fprintf(stderr, "fence-prog: cannot read '%s' (a --cells file)\n", before.c_str());
			return 2;
		}
		std::istringstream in(now);
		std::vector<std::string> cur;
		for (std::string l; std::getline(in, l);)
			cur.push_back(l.substr(0, l.rfind(' ')));
		long gained = 0, lost = 0;
		for (auto &c : cur)
			if (std::find(old.begin(), old.end(), c) == old.end())
				gained++;
		for (auto &c : old)
			if (std::find(cur.begin(), cur.end(), c) == cur.end()) {
				lost++;
				printf("  lost: %s\n", c.c_str());
			}
		printf("change since %s: %ld cells gained, %ld lost (%zu before, %zu now)\n", before.c_str(),
		       gained, lost, old.size(), cur.size());
	}
	if (!grow.empty() && !grow_seeds(map, grow))
		return 2;
	return map.rule_errors().empty() ? 0 : 1;
}

// ---- coverage --grow: seeds aimed at the empty cells ----------------------------------

// A fence in state @s in slot f0 (and f1 of the same context, f2 of another),
// spelled as ops. Modules: m0 pins its fences or not, as @s says; m1 hw;
// m2 timeline; m3 free for load.
std::string grow_setup(const harness::fence_state &s, int n)
{
	std::string flags = s.ext && s.seq64 ? "ext,seqno64" : s.ext ? "ext" : s.seq64 ? "seqno64" : "-";
	std::string o;
	const std::string seq = std::to_string(n * 4 + 1);
	if (n)
		o += "drop_cb c0\n"; // the last block's callback, if it left one
	if (s.mod == harness::fence_state::none) {
		// Private stubs share context 0: f1 is another, f2 a module's.
		o += "private_stub f1 " + std::to_string(n * 4 + 2) + "\n";
		o += "create f2 m1 " + std::to_string(n * 4 + 3) + " -\n";
		o += "private_stub f0 " + seq + "\n";
	} else {
		o += "create f1 m0 " + std::to_string(n * 4 + 2) + " " + flags + "\n";
		o += "create f2 m1 " + std::to_string(n * 4 + 3) + " -\n";
		o += "create f0 m0 " + seq + " " + flags + "\n";
		if (s.cbs) // c7 may still be queued on the last block's fence
			o += (n ? "remove_cb c7\n" : "") + std::string("add_cb f0 c7\n");
		if (s.signaled)
			o += "signal f0\n";
	}
	return o;
}

// The op @k on fence slot @f (a state @s fence), its other arguments chosen
// to be legal where they can: @same a fence of f's context, @other one of
// another, @c a free callback slot.
std::string grow_op(harness::op_kind k, const harness::fence_state &s, const std::string &f,
		    const std::string &same, const std::string &other, const std::string &c)
{
	using harness::arg_type;
	const harness::op_info &in = harness::info(k);
	const std::string name = in.name;
	std::string pre, line = name;
	bool first_fence = true;
	for (int i = 0; i < in.nargs; i++) {
		std::string a;
		switch (in.args[i]) {
		case arg_type::fence:
			if (i == 0 && k == harness::op_kind::get) {
				a = "f7"; // its destination
			} else if (first_fence) {
				a = f;
				first_fence = false;
			} else {
				a = name.find("xctx") != std::string::npos ? other : same;
			}
			break;
		case arg_type::cb:
			// What remove_cb/drop_cb act on: a callback added to f0 (and
			// removed again, for the states without queued callbacks).
			if (k != harness::op_kind::add_cb)
				pre += "add_cb " + f + " " + c + "\n" +
				       (s.cbs || s.signaled ? "" : "remove_cb " + c + "\n");
			a = c;
			break;
		case arg_type::module:
			a = k == harness::op_kind::irq ? "m1" : k == harness::op_kind::inc ? "m2"
			    : (k == harness::op_kind::load || k == harness::op_kind::load_so) ? "m3" : "m0";
			break;
		case arg_type::rslot: a = "s0"; break;
		case arg_type::model: a = "names"; break;
		case arg_type::cflags: a = "-"; break;
		case arg_type::intr: a = "nointr"; break;
		case arg_type::timeout: a = "0"; break;
		case arg_type::err: a = "-5"; break;
		case arg_type::u64: a = "1"; break;
		case arg_type::fset: a = f; break;
		case arg_type::none: break;
		}
		line += " " + a;
	}
	if (k == harness::op_kind::create)
		line = "create f7 m0 99 -";
	return pre + line + "\n";
}

// A sequential block's setup for fence slot @f alone: its f0 lines, renamed
// (the same- and other-context fences f1/f2 are f6/f7 in a concurrent
// program, and the callback slot c7 becomes the setup's cN for fN).
std::string replace_slot(const std::string &block, const std::string &f)
{
	std::istringstream in(block);
	std::string out;
	for (std::string l; std::getline(in, l);) {
		if (l.find(" f1 ") != std::string::npos || l.find(" f2 ") != std::string::npos ||
		    l.rfind("drop_cb", 0) == 0 || l.rfind("remove_cb", 0) == 0)
			continue;
		for (size_t p = 0; (p = l.find("f0", p)) != std::string::npos; p += f.size())
			l.replace(p, 2, f);
		for (size_t p = 0; (p = l.find("c7", p)) != std::string::npos; p += 2)
			l.replace(p, 2, "c" + f.substr(1));
		out += l + "\n";
	}
	return out;
}

bool grow_seeds(const harness::coverage_map &map, const std::string &dir)
{
	const auto &st = harness::coverage_map::states();
	const harness::fence_state *pin_state = nullptr;
	for (const auto &s : st)
		if (s.present && s.mod == harness::fence_state::pin)
			pin_state = &s;
	size_t files = 0, cells = 0;
	for (size_t i = 0; i < st.size(); i++)
		for (int t = 0; t < 2; t++) {
			std::vector<harness::op_kind> ops;
			for (int k = 0; k < harness::kOpKinds; k++) {
				const auto kind = static_cast<harness::op_kind>(k);
				if (harness::coverage_map::unreachable(kind, i, t).empty() && !map.count(kind, i, t))
					ops.push_back(kind);
			}
			if (ops.empty())
				continue;
			// "-" cells: the ops without a fence, after any fence's setup.
			const harness::fence_state &s = st[i].present ? st[i] : *pin_state;
			const std::string sname = st[i].present ? harness::state_name(st[i]) : "nofence";
			const char *pin_model = harness::semantics().pin_until_release ? "names" : "wait";
			std::string head = "# Grown by fence-prog coverage --grow: state " + sname +
					   (t ? " in a thread" : "") + ", for the cells no program reached.\n";
			std::string mods = std::string("load m0 ") +
					   (s.mod == harness::fence_state::pin ? pin_model : "names") +
					   "\nload m1 hw\nload m2 timeline\n";
			std::string text;
			if (!t) {
				// Files of at most kMaxOps ops (a seed must fit the binary form).
				auto nops = [](const std::string &x) {
					return static_cast<size_t>(std::count(x.begin(), x.end(), '\n'));
				};
				int n = 0, part = 0;
				std::string body;
				auto flush = [&]() {
					const std::string path = dir + "/seq-" + sname + "-" + std::to_string(part++) + ".prog";
					std::ofstream out(path);
					if (!(out << head << mods << body)) {
						fprintf(stderr, "fence-prog: cannot write '%s'\n", path.c_str());
						return false;
					}
					files++;
					body.clear();
					return true;
				};
				for (auto k : ops) {
					const std::string b = grow_setup(s, n++) + grow_op(k, s, "f0", "f1", "f2", "c0");
					if (nops(mods) + nops(body) + nops(b) > harness::kMaxOps && !flush())
						return false;
					body += b;
				}
				if (!body.empty() && !flush())
					return false;
				cells += ops.size();
				continue;
			} else {
				// Concurrent: six ops per program, each on its own fence of
				// the state (f0..f5); f6 is of the same context, f7 of
				// another. Thread 0 runs the ops, thread 1 only reads.
				// A signaled fence of a free module with its ops still
				// attached exists only inside a signal (between the SIGNALED
				// bit and the detach): thread 1 signals the unsignaled fences
				// while thread 0 runs the ops, under several schedules.
				const bool transient = s.signaled && s.attached && s.mod == harness::fence_state::free_;
				harness::fence_state before = s;
				before.signaled = false;
				for (size_t g = 0; g < ops.size() * (transient ? 4 : 1); g += 6) {
					std::string setup = mods, th, racer;
					for (size_t j = 0; j < 6 && g % ops.size() + j < ops.size(); j++) {
						const std::string f = "f" + std::to_string(j);
						std::string b = grow_setup(transient ? before : s, static_cast<int>(g + j));
						if (transient)
							racer += "signal " + f + "\n";
						// grow_setup() builds f0 (with f1, f2): rename to f<j>.
						b = replace_slot(b, f);
						setup += b;
						th += grow_op(ops[g % ops.size() + j], s, f, "f6", "f7", "c" + std::to_string(j));
					}
					// f6: of f0..f5's context (for a stub: another stub).
					setup += (s.mod == harness::fence_state::none
							  ? "private_stub f6 " + std::to_string(1000 + g)
							  : "create f6 m0 " + std::to_string(1000 + g) + " -") +
						 "\ncreate f7 m1 " + std::to_string(1001 + g) + " -\n";
					text = head + "schedule: random 0x" + std::to_string(g + 1) + "\n" + setup +
					       "thread 0:\n" + th + "thread 1:\n" + (transient ? racer : "is_signaled f6\n");
					const std::string path = dir + "/conc-" + sname + "-" + std::to_string(g / 6) +
								 ".prog";
					std::ofstream out(path);
					if (!(out << text)) {
						fprintf(stderr, "fence-prog: cannot write '%s'\n", path.c_str());
						return false;
					}
					files++;
				}
				cells += ops.size();
				continue;
			}
		}
	printf("grew %zu programs in %s, aimed at %zu empty cells\n", files, dir.c_str(), cells);
	return true;
}

// WARN sites: "file:line" of each WARN, with the op that was running.
std::mutex g_warn_lock;
std::map<std::string, std::map<std::string, long>> g_sites;
thread_local const char *t_op = "(none)";
void site_observer(const harness::op &o, const harness::fence_state &, bool)
{
	t_op = harness::info(o.kind).name;
}
void warn_hook(const char *msg) noexcept
{
	// "WARNING: PATH:LINE: WARN_ON(...)": the site is PATH's base name and LINE.
	const char *p = strstr(msg, "WARNING: ");
	if (!p)
		return;
	p += 9;
	const char *colon = strchr(p, ':');
	if (!colon)
		return;
	const char *colon2 = strchr(colon + 1, ':');
	std::string path(p, colon), line(colon + 1, colon2 ? colon2 : colon + 1);
	const size_t slash = path.rfind('/');
	std::lock_guard<std::mutex> g(g_warn_lock);
	g_sites[(slash == std::string::npos ? path : path.substr(slash + 1)) + ":" + line][t_op]++;
}

int warn_sites(const std::vector<std::string> &files, const std::string &harness_flag)
{
	harness::set_op_observer(site_observer);
	fence::set_warn_hook(warn_hook);
	size_t ran = 0;
	for (size_t i = 0; i < files.size(); i++) {
		ran += run_file(files[i], harness_flag);
		progress(i + 1, files.size());
	}
	fence::set_warn_hook(nullptr);
	harness::set_op_observer(nullptr);
	printf("# %zu programs run; WARN sites reached: FILE:LINE OP COUNT\n", ran);
	for (auto &site : g_sites)
		for (auto &op : site.second)
			printf("%s %s %ld\n", site.first.c_str(), op.first.c_str(), op.second);
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	std::string harness_flag, cov_cells, cov_before, cov_grow;
	bool cov_empty = false, cov_why = false, cov_claims = false;
	std::vector<std::string> args;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "-h" || a == "--help") {
			fputs(kUsage, stdout);
			return 0;
		} else if (a == "--harness") {
			if (i + 1 >= argc) {
				fprintf(stderr, "fence-prog: --harness needs a value (api_fuzz, module_fuzz "
						"or concurrent_fuzz)\n");
				return 2;
			}
			harness_flag = argv[++i];
			if (!harness::find_profile(harness_flag)) {
				fprintf(stderr, "fence-prog: unknown harness '%s' (api_fuzz, module_fuzz or "
						"concurrent_fuzz)\n",
					harness_flag.c_str());
				return 2;
			}
		} else if (a == "--empty" || a == "--why") {
			(a == "--empty" ? cov_empty : cov_why) = true;
		} else if (a == "--claim-unreachable") {
			if (i + 1 >= argc) {
				fprintf(stderr, "fence-prog: --claim-unreachable needs OP:STATE\n");
				return 2;
			}
			const std::string c = argv[++i];
			const size_t colon = c.find(':');
			int k = -1;
			for (int j = 0; colon != std::string::npos && j < harness::kOpKinds; j++)
				if (c.substr(0, colon) == harness::info(static_cast<harness::op_kind>(j)).name)
					k = j;
			if (k < 0) {
				fprintf(stderr, "fence-prog: --claim-unreachable '%s': expected OP:STATE with an op of "
						"list-ops\n",
					c.c_str());
				return 2;
			}
			const std::string st = c.substr(colon + 1);
			bool known = st == "*" || st == "-";
			for (const auto &x : harness::coverage_map::states())
				known = known || harness::state_name(x) == st;
			if (!known) {
				fprintf(stderr, "fence-prog: --claim-unreachable '%s': no state '%s' (the map's "
						"columns, e.g. UCAE3P, or *)\n",
					c.c_str(), st.c_str());
				return 2;
			}
			harness::coverage_map::claim_unreachable(static_cast<harness::op_kind>(k), st);
			cov_claims = true;
		} else if (a == "--cells" || a == "--before" || a == "--grow") {
			if (i + 1 >= argc) {
				fprintf(stderr, "fence-prog: %s needs a file\n", a.c_str());
				return 2;
			}
			(a == "--cells" ? cov_cells : a == "--before" ? cov_before : cov_grow) = argv[++i];
		} else if (a.rfind("--", 0) == 0) {
			fprintf(stderr, "fence-prog: unknown option '%s' (try --help)\n", a.c_str());
			return 2;
		} else {
			args.push_back(a);
		}
	}
	if (args.empty()) {
		fputs(kUsage, stderr);
		return 2;
	}
	const std::string cmd = args[0];
	args.erase(args.begin());
	if ((cov_empty || cov_why || cov_claims || !cov_cells.empty() || !cov_before.empty() ||
	     !cov_grow.empty()) &&
	    cmd != "coverage") {
		fprintf(stderr, "fence-prog: --empty, --why, --cells, --before, --grow and "
				"--claim-unreachable are coverage's options\n");
		return 2;
	}

	if (cmd == "list-ops") {
		for (int k = 0; k < harness::kOpKinds; k++) {
			const harness::op_info &in = harness::info(static_cast<harness::op_kind>(k));
			std::string sig = in.name;
			for (int i = 0; i < in.nargs; i++)
				sig += std::string(" ") + arg_name(in.args[i]);
			if (harness::semantics().has[k])
				printf("%-44s %s\n", sig.c_str(), in.help);
			else
				printf("%-44s %s (not in this core: %s)\n", sig.c_str(), in.help,
				       harness::semantics().why_missing[k]);
		}
		printf("\nu64: decimal or 0x hex; in binary also relative to a fence's seqno or\n"
		       "timestamp (resolved when decoded: fence-prog --help).\n");
		return 0;
	}
	if (cmd == "semantics") {
		const harness::core_semantics &s = harness::semantics();
		auto yn = [](bool b) { return b ? "yes" : "no"; };
		printf("core: %s\n", harness::describe_backend().c_str());
		printf("ops detach at signal:                  %s\n", yn(s.detach_on_signal));
		printf("names of a signaled fence:             %s\n",
		       s.name_getters ? "detached-driver / signaled-timeline" : "the driver's own");
		printf("dma_fence_describe():                  %s\n",
		       s.describe_ctx_seq ? "ctx:seq TIMELINE DRIVER [un]signalled"
					  : "DRIVER TIMELINE seq N [un]signalled");
		printf("a module's fences pin it:              %s\n",
		       s.pin_until_release ? "every one, until released (driver contract before 7.1)"
					   : "only ->release/->wait ones (driver contract 7.1)");
		for (int k = 0; k < harness::kOpKinds; k++)
			if (!s.has[k])
				printf("left out: %-28s %s\n", harness::info(static_cast<harness::op_kind>(k)).name,
				       s.why_missing[k]);
		return 0;
	}

	auto load = [&](const std::string &path, harness::program *p) {
		bool text;
		std::string err;
		if (!tools::load_program(path, harness_flag, p, &text, &err)) {
			fprintf(stderr, "fence-prog: %s\n", err.c_str());
			return false;
		}
		return true;
	};

	// Concurrent programs: same commands, their own format.
	auto load_c = [&](const std::string &path, harness::cprogram *p) {
		bool text;
		std::string err;
		if (!tools::load_concurrent(path, p, &text, &err)) {
			fprintf(stderr, "fence-prog: %s\n", err.c_str());
			return false;
		}
		return true;
	};
	if (((cmd == "to-binary" && args.size() == 2) ||
	     (cmd == "to-text" && (args.size() == 1 || args.size() == 2))) &&
	    tools::is_concurrent(args[0], harness_flag)) {
		harness::cprogram p;
		if (!load_c(args[0], &p))
			return 1;
		if (cmd == "to-binary") {
			auto bytes = harness::encode_concurrent(p);
			return write_file(args[1], bytes.data(), bytes.size());
		}
		std::string text = harness::format_concurrent(p);
		if (args.size() == 1) {
			fputs(text.c_str(), stdout);
			return 0;
		}
		return write_file(args[1], text.data(), text.size());
	}

	if (cmd == "to-binary" && args.size() == 2) {
		harness::program p;
		if (!load(args[0], &p))
			return 1;
		if (p.ops.size() > harness::kMaxOps)
			fprintf(stderr,
				"fence-prog: warning: %s has %zu ops; a binary program holds at most %zu "
				"(the rest is ignored when it is decoded)\n",
				args[0].c_str(), p.ops.size(), harness::kMaxOps);
		auto bytes = harness::encode(p, tools::profile_for(args[1], &p, harness_flag));
		return write_file(args[1], bytes.data(), bytes.size());
	}
	if (cmd == "to-text" && (args.size() == 1 || args.size() == 2)) {
		harness::program p;
		if (!load(args[0], &p))
			return 1;
		std::string text = harness::format(p);
		if (args.size() == 1) {
			fputs(text.c_str(), stdout);
			return 0;
		}
		return write_file(args[1], text.data(), text.size());
	}
	// print and validate take files and folders (recursively; in a folder,
	// validate looks at the .prog files only). A path that does not exist is
	// an error (exit 2).
	auto expand = [&](bool progs_only, std::vector<std::string> *out) {
		for (const std::string &a : args) {
			std::vector<std::string> found;
			std::string err;
			if (!harness::list_inputs({a}, &found, &err)) {
				fprintf(stderr, "fence-prog: %s\n", err.c_str());
				return false;
			}
			const bool folder = found.size() != 1 || found[0] != a;
			for (auto &f : found)
				if (!progs_only || !folder || tools::ends_with(f, ".prog"))
					out->push_back(f);
		}
		return true;
	};
	if (cmd == "print" && !args.empty()) {
		int rc = 0;
		std::vector<std::string> files;
		if (!expand(false, &files))
			return 2;
		for (auto &f : files) {
			std::string text;
			bool ok;
			if (tools::is_concurrent(f, harness_flag)) {
				harness::cprogram cp;
				if ((ok = load_c(f, &cp)))
					text = harness::format_concurrent(cp);
			} else {
				harness::program p;
				if ((ok = load(f, &p)))
					text = harness::format(p);
			}
			if (!ok) {
				rc = 1;
				continue;
			}
			if (files.size() > 1)
				printf("==> %s <==\n", f.c_str());
			fputs(text.c_str(), stdout);
		}
		return rc;
	}
	if (cmd == "validate" && !args.empty()) {
		int bad = 0;
		std::vector<std::string> files;
		if (!expand(true, &files))
			return 2;
		for (auto &f : files) {
			std::vector<uint8_t> data;
			std::string err;
			harness::program p;
			harness::cprogram cp;
			bool ok = tools::read_bytes(f, &data, &err);
			const std::string t(data.begin(), data.end());
			if (ok) // concurrent programs have "thread N:" sections
				ok = harness::looks_concurrent(t) ? harness::parse_concurrent(t, &cp, &err)
								  : harness::parse(t, &p, &err);
			if (ok && !harness::looks_concurrent(t) && p.ops.empty()) {
				ok = false; // a reproducer that does nothing is a mistake
				err = "no operations (an empty program)";
			}
			if (!ok) {
				fprintf(stderr, "%s:%s\n", f.c_str(),
					err.rfind("line ", 0) == 0 ? err.substr(5).c_str() : (" " + err).c_str());
				bad++;
			}
		}
		printf("fence-prog: %zu valid, %d invalid\n", files.size() - bad, bad);
		return bad ? 1 : 0;
	}
	if ((cmd == "coverage" || cmd == "warn-sites") && !args.empty()) {
		std::vector<std::string> files;
		if (!expand(false, &files))
			return 2;
		return cmd == "coverage" ? coverage(files, harness_flag, cov_empty, cov_why, cov_cells,
						    cov_before, cov_grow)
					 : warn_sites(files, harness_flag);
	}
	fprintf(stderr, "fence-prog: bad command or arguments: '%s' (try --help)\n", cmd.c_str());
	return 2;
}

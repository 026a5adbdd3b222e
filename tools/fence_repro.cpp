// SPDX-License-Identifier: MIT
//
// fence-repro - replay reproducers step by step under the current build.
//
// For each FILE it prints the program, then runs it in a child process
// (this binary again, with --child) that prints every op, its result, the
// callbacks it ran and the trace events it caused. The child dies at the
// first divergence from the model or sanitizer report, which it prints; the
// parent then says REPRODUCED. Exit status: 0 if no file reproduced, 1 if at
// least one did, 2 on bad usage or unreadable input.
//
// --minimize wraps libFuzzer's -minimize_crash: it converts FILE to binary,
// runs the harness's libFuzzer binary (from the fuzz preset) to shrink it, and
// writes FILE's minimized text form next to it as <name>.min.prog.
//
// --search N tries N deterministic schedules of a concurrent program (the
// file's own first, then random and PCT ones in turn, seeds 1, 2, ...), each
// in a child, and reports the first that reproduces with its replay string:
// the way from a free-running report (fence_torture) to an exact replay.
//
// fence-repro-tree is this source over the kernel tree backend (ktree/,
// FENCEFUZZ_TOOL_TREE): the same replay against the tree's own dma-fence.c;
// --driver-contract picks the simulated drivers' contract there.
//
// Concurrent programs (harness/concurrent.h) run in fence-repro-dsched, this
// source built over the deterministic scheduler (FENCEFUZZ_TOOL_DSCHED), next
// to this binary: the child prints every thread's ops as they start and end,
// the schedule, and the sequential order that explains them.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "harness/concurrent.h"
#include "harness/files.h"
#include "harness/interp.h"
#include "harness/program.h"
#include "harness/semantics.h"
#include "tool_util.h"

extern char **environ;

namespace {

const char kUsage[] =
	"usage: fence-repro [options] FILE|FOLDER...   (folders recurse)\n"
	"\n"
	"Replays fencefuzz reproducers (text .prog or binary) in this build's\n"
	"instrumentation, printing each op, its result, callbacks and trace events,\n"
	"and the first divergence from the model or the sanitizer report.\n"
	"\n"
	"Options:\n"
	"  --harness NAME   api_fuzz, module_fuzz or concurrent_fuzz, for binary inputs\n"
	"                   (default: from the file's header or corpora/<harness>/\n"
	"                   folder, else api_fuzz); concurrent programs run in\n"
	"                   fence-repro-dsched (next to this binary); set\n"
	"                   FENCEFUZZ_SCHEDULE=SPEC to replay one with another schedule\n"
	"  --quiet          only the verdict per file\n"
	"  --minimize       shrink each FILE with libFuzzer -minimize_crash and write\n"
	"                   <FILE without extension>.min.prog (needs --fuzzer or the\n"
	"                   fuzz preset's binary next to this one)\n"
	"  --fuzzer PATH    the harness's libFuzzer binary (default: ../fuzz/<harness>\n"
	"                   relative to this binary)\n"
	"  --runs N         libFuzzer -runs for --minimize (default 20000)\n"
	"  --driver-contract 7.1|6.12\n"
	"                   fence-repro-tree: the contract the simulated drivers follow\n"
	"                   (FENCEFUZZ_DRIVER_CONTRACT; default: the file's \"# driver-contract:\"\n"
	"                   header line, else the tree's own rule)\n"
	"  --search N       concurrent programs: try N deterministic schedules (the\n"
	"                   file's own, then random and PCT, seeds 1, 2, ...) and print\n"
	"                   the first that reproduces, with its replay command\n"
	"\n"
	"Exit status: 0 nothing reproduced, 1 at least one FILE reproduced (--search:\n"
	"a schedule reproduced), 2 usage or input error. With --minimize: 0 every FILE\n"
	"was minimized, 1 some FILE does not crash in this build (nothing to minimize).\n";

// This source over the deterministic scheduler, next to this binary: it
// runs the concurrent programs.
#ifdef FENCEFUZZ_TOOL_TREE
[[maybe_unused]] const char kDschedRunner[] = "/fence-repro-tree-dsched";
#else
[[maybe_unused]] const char kDschedRunner[] = "/fence-repro-dsched";
#endif

std::string self_path()
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return "fence-repro";
	buf[n] = 0;
	return buf;
}

std::string dir_of(const std::string &p)
{
	size_t s = p.rfind('/');
	return s == std::string::npos ? "." : p.substr(0, s);
}

// Run argv (with @extra_env added, and its output thrown away if @silent),
// wait; return the raw wait status (or -1).
int spawn_wait(const std::vector<std::string> &args, const std::vector<std::string> &extra_env = {},
	       bool silent = false)
{
	std::vector<char *> argv;
	for (auto &a : args)
		argv.push_back(const_cast<char *>(a.c_str()));
	argv.push_back(nullptr);
	std::vector<char *> envp;
	for (auto &e : extra_env)
		envp.push_back(const_cast<char *>(e.c_str()));
	for (char **e = environ; *e; e++) {
		bool shadowed = false;
		for (auto &x : extra_env)
			shadowed |= strncmp(*e, x.c_str(), x.find('=') + 1) == 0;
		if (!shadowed)
			envp.push_back(*e);
	}
	envp.push_back(nullptr);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (silent) {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	}
	pid_t pid;
	const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	return status;
}

std::string verdict(int status)
{
	if (status == -1)
		return "could not start";
	if (WIFSIGNALED(status))
		return std::string("REPRODUCED: killed by signal ") + std::to_string(WTERMSIG(status)) +
		       " (" + strsignal(WTERMSIG(status)) + ")";
	if (WEXITSTATUS(status) != 0)
		return "REPRODUCED: exit status " + std::to_string(WEXITSTATUS(status));
	return "not reproduced: ran clean";
}

int child(const std::string &path, const std::string &harness_flag, bool quiet)
{
	if (tools::is_concurrent(path, harness_flag)) {
#ifdef FENCEFUZZ_TOOL_DSCHED
		harness::cprogram cp;
		bool text;
		std::string err;
		if (!tools::load_concurrent(path, &cp, &text, &err)) {
			fprintf(stderr, "fence-repro: %s\n", err.c_str());
			return 2;
		}
		harness::init_concurrent_process();
		harness::run_options opt;
		opt.source = path;
		opt.full_check_every = 1; // a replay compares every slot after every op
		if (!quiet)
			opt.log = &std::cout;
		std::cout.setf(std::ios::unitbuf);
		harness::run_concurrent(cp, opt);
		return 0;
#else
		fprintf(stderr, "fence-repro: %s is a concurrent program; this build has no "
				"fence-repro-dsched (not built under TSan)\n",
			path.c_str());
		return 2;
#endif
	}
	harness::program p;
	bool text;
	std::string err;
	if (!tools::load_program(path, harness_flag, &p, &text, &err)) {
		fprintf(stderr, "fence-repro: %s\n", err.c_str());
		return 2;
	}
	harness::init_process();
	harness::run_options opt;
	opt.source = path;
	opt.full_check_every = 1; // a replay compares every slot after every op
	if (!quiet)
		opt.log = &std::cout;
	std::cout.setf(std::ios::unitbuf); // interleave correctly with stderr reports
	harness::run(p, opt);
	return 0;
}

// Set header @key to @value, replacing the line it had (a minimized file
// kept the original's "# harness:" and got a second one).
void set_header(std::vector<std::pair<std::string, std::string>> *h, const std::string &key,
		const std::string &value)
{
	for (auto &kv : *h)
		if (kv.first == key) {
			kv.second = value;
			return;
		}
	h->emplace_back(key, value);
}

// --minimize for a concurrent program: the same, with concurrent_fuzz and
// the concurrent binary and text forms (ops and schedule shrink together).
// The part of --minimize both program kinds share: check the libFuzzer
// binary, write @bytes next to @path, run -minimize_crash on it. Return: the
// path of the minimized input (empty if libFuzzer produced none, after saying
// so) and the ".min.prog" base in *base; *usage_error on a missing fuzzer.
std::string run_minimizer(const std::string &path, const std::string &fuzzer,
			  const std::string &runs, const std::vector<uint8_t> &bytes,
			  std::string *base, bool *usage_error)
{
	*usage_error = false;
	if (access(fuzzer.c_str(), X_OK) != 0) {
		fprintf(stderr,
			"fence-repro: --minimize needs the libFuzzer binary '%s' (build the fuzz "
			"preset: cmake --workflow --preset fuzz, or pass --fuzzer PATH)\n",
			fuzzer.c_str());
		*usage_error = true;
		return "";
	}
	*base = path;
	for (const char *ext : {".prog", ".bin"})
		if (tools::ends_with(*base, ext))
			*base = base->substr(0, base->size() - strlen(ext));
	const std::string tmp_in = *base + ".min-input.bin", tmp_out = *base + ".min-output.bin";
	{
		std::ofstream o(tmp_in, std::ios::binary);
		o.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
	}
	printf("fence-repro: minimizing %s with %s (-runs=%s)\n", path.c_str(), fuzzer.c_str(), runs.c_str());
	fflush(stdout);
	int st = spawn_wait({fuzzer, "-minimize_crash=1", "-runs=" + runs,
			     "-exact_artifact_path=" + tmp_out, tmp_in});
	unlink(tmp_in.c_str());
	if (access(tmp_out.c_str(), R_OK) != 0) {
		fprintf(stderr, "fence-repro: libFuzzer produced no minimized input (%s); does %s "
				"crash at all in this build?\n",
			verdict(st).c_str(), path.c_str());
		return "";
	}
	return tmp_out;
}

int minimize_concurrent(const std::string &path, std::string fuzzer, const std::string &runs)
{
	harness::cprogram p;
	bool text, usage_error;
	std::string err, base;
	if (!tools::load_concurrent(path, &p, &text, &err)) {
		fprintf(stderr, "fence-repro: %s\n", err.c_str());
		return 2;
	}
	if (fuzzer.empty())
#ifdef FENCEFUZZ_TOOL_TREE
		fuzzer = dir_of(self_path()) + "/concurrent_fuzz_tree";
#else
		fuzzer = dir_of(self_path()) + "/../fuzz/concurrent_fuzz";
#endif
	std::string tmp_out =
		run_minimizer(path, fuzzer, runs, harness::encode_concurrent(p), &base, &usage_error);
	harness::cprogram min;
	if (tmp_out.empty() || !tools::load_concurrent(tmp_out, &min, &text, &err))
		return usage_error ? 2 : 1;
	unlink(tmp_out.c_str());
	min.header = p.header;
	set_header(&min.header, "harness", "concurrent_fuzz");
	set_header(&min.header, "minimized-from", path);
	const std::string out = base + ".min.prog";
	std::ofstream o(out);
	o << harness::format_concurrent(min);
	printf("fence-repro: wrote %s\n  replay: %s %s\n", out.c_str(), self_path().c_str(), out.c_str());
	return 0;
}

int minimize(const std::string &path, const std::string &harness_flag, std::string fuzzer,
	     const std::string &runs)
{
	if (tools::is_concurrent(path, harness_flag))
		return minimize_concurrent(path, fuzzer, runs);
	harness::program p;
	bool text, usage_error;
	std::string err, base;
	if (!tools::load_program(path, harness_flag, &p, &text, &err)) {
		fprintf(stderr, "fence-repro: %s\n", err.c_str());
		return 2;
	}
	const harness::profile &prof = tools::profile_for(path, &p, harness_flag);
	if (fuzzer.empty())
#ifdef FENCEFUZZ_TOOL_TREE
		fuzzer = dir_of(self_path()) + "/" + prof.name + "_tree";
#else
		fuzzer = dir_of(self_path()) + "/../fuzz/" + prof.name;
#endif
	std::string tmp_out =
		run_minimizer(path, fuzzer, runs, harness::encode(p, prof), &base, &usage_error);
	harness::program min;
	if (tmp_out.empty() || !tools::load_program(tmp_out, prof.name, &min, &text, &err))
		return usage_error ? 2 : 1;
	unlink(tmp_out.c_str());
	min.header = p.header;
	set_header(&min.header, "harness", prof.name);
	set_header(&min.header, "minimized-from", path + " (" + std::to_string(p.ops.size()) + " ops)");
	const std::string out = base + ".min.prog";
	std::ofstream o(out);
	o << harness::format(min);
	printf("fence-repro: wrote %s (%zu ops)\n  replay: %s %s\n", out.c_str(), min.ops.size(),
	       self_path().c_str(), out.c_str());
	return 0;
}

// The @k-th schedule --search tries (k >= 1): random and PCT in turn, with
// PCT depths 1..4 and the default step span.
std::string search_schedule(unsigned long k)
{
	char buf[64];
	const unsigned long seed = (k + 1) / 2;
	if (k % 2)
		snprintf(buf, sizeof(buf), "random 0x%lx", seed);
	else
		snprintf(buf, sizeof(buf), "pct 0x%lx %lu 256", seed, 1 + seed % 4);
	return buf;
}

// The driver contract a reproducer was found under ("# driver-contract: 7.1"),
// as the environment its replays need; --driver-contract or the caller's
// FENCEFUZZ_DRIVER_CONTRACT wins. *@contract: the effective one, or "".
std::vector<std::string> contract_env(const std::vector<std::pair<std::string, std::string>> &header,
				      std::string *contract)
{
	const char *e = getenv("FENCEFUZZ_DRIVER_CONTRACT");
	*contract = e ? e : "";
	for (const auto &kv : header)
		if (kv.first == "driver-contract" && contract->empty()) {
			*contract = kv.second;
			return {"FENCEFUZZ_DRIVER_CONTRACT=" + kv.second};
		}
	return {};
}

// --search N FILE (a concurrent program): the first schedule of N that
// reproduces. Return: 1 found, 0 none, 2 bad input.
int search(const std::string &path, const std::string &runner, unsigned long n)
{
	std::string err;
	harness::cprogram cp;
	bool text;
	if (!tools::load_concurrent(path, &cp, &text, &err)) {
		fprintf(stderr, "fence-repro: %s\n", err.c_str());
		return 2;
	}
	std::string contract;
	const std::vector<std::string> base_env = contract_env(cp.header, &contract);
	printf("fence-repro: searching %lu deterministic schedules of %s%s\n", n, path.c_str(),
	       contract.empty() ? "" : (" (driver contract " + contract + ")").c_str());
	fflush(stdout);
	for (unsigned long k = 0; k < n; k++) {
		// k == 0: the program's own schedule (no override).
		const std::string spec = k == 0 ? harness::format_schedule(cp.schedule) : search_schedule(k);
		std::vector<std::string> env = base_env;
		if (k)
			env.push_back("FENCEFUZZ_SCHEDULE=" + spec);
		const int st = spawn_wait({runner, "--child", path, "--quiet"}, env, true);
		if (st == -1) {
			fprintf(stderr, "fence-repro: cannot run %s\n", runner.c_str());
			return 2;
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == 2) {
			fprintf(stderr, "fence-repro: %s cannot be replayed (run it without --search)\n",
				path.c_str());
			return 2;
		}
		const std::string v = verdict(st);
		if (v.rfind("REPRODUCED", 0) == 0) {
			printf("fence-repro: schedule %lu of %lu reproduces (%s): %s\n"
			       "  replay: FENCEFUZZ_SCHEDULE='%s' %s %s\n",
			       k + 1, n, v.c_str(), spec.c_str(), spec.c_str(), self_path().c_str(),
			       path.c_str());
			return 1;
		}
		if ((k + 1) % 200 == 0) {
			printf("fence-repro: %lu of %lu schedules ran clean\n", k + 1, n);
			fflush(stdout);
		}
	}
	printf("fence-repro: none of %lu schedules reproduces %s\n", n, path.c_str());
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	std::string harness_flag, fuzzer, runs = "20000", child_file, search_n;
	bool quiet = false, do_min = false;
	std::vector<std::string> files;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto value = [&](std::string *v) {
			if (i + 1 >= argc) {
				fprintf(stderr, "fence-repro: %s needs a value\n", a.c_str());
				exit(2);
			}
			*v = argv[++i];
		};
		if (a == "-h" || a == "--help") {
			fputs(kUsage, stdout);
			return 0;
		} else if (a == "--harness") {
			value(&harness_flag);
			if (!harness::find_profile(harness_flag)) {
				fprintf(stderr, "fence-repro: unknown harness '%s' (api_fuzz, module_fuzz or "
						"concurrent_fuzz)\n",
					harness_flag.c_str());
				return 2;
			}
		} else if (a == "--quiet") {
			quiet = true;
		} else if (a == "--minimize") {
			do_min = true;
		} else if (a == "--fuzzer") {
			value(&fuzzer);
		} else if (a == "--runs") {
			value(&runs);
			if (runs.empty() || runs.find_first_not_of("0123456789") != std::string::npos) {
				fprintf(stderr, "fence-repro: --runs takes a number, not '%s'\n", runs.c_str());
				return 2;
			}
		} else if (a == "--driver-contract") {
			std::string c;
			value(&c);
#ifndef FENCEFUZZ_TOOL_TREE
			fprintf(stderr, "fence-repro: --driver-contract is for fence-repro-tree; this build's "
					"core is the port, whose drivers follow 7.1\n");
			return 2;
#endif
			if (c != "7.1" && c != "6.12") {
				fprintf(stderr, "fence-repro: --driver-contract takes 7.1 or 6.12, not '%s'\n",
					c.c_str());
				return 2;
			}
			setenv("FENCEFUZZ_DRIVER_CONTRACT", c.c_str(), 1); // the children inherit it
		} else if (a == "--child") {
			value(&child_file);
		} else if (a == "--search") {
			value(&search_n);
			if (search_n.empty() || search_n.find_first_not_of("0123456789") != std::string::npos ||
			    std::stoul(search_n) == 0) {
				fprintf(stderr, "fence-repro: --search takes a positive number, not '%s'\n",
					search_n.c_str());
				return 2;
			}
		} else if (a.rfind("-", 0) == 0) {
			fprintf(stderr, "fence-repro: unknown option '%s' (try --help)\n", a.c_str());
			return 2;
		} else {
			files.push_back(a);
		}
	}
	if (!child_file.empty())
		return child(child_file, harness_flag, quiet);
	{ // folders recurse; a path that does not exist is an input error
		std::vector<std::string> expanded;
		std::string err;
		if (!harness::list_inputs(files, &expanded, &err)) {
			fprintf(stderr, "fence-repro: %s\n", err.c_str());
			return 2;
		}
		files.swap(expanded);
	}
	if (files.empty()) {
		fputs(kUsage, stderr);
		return 2;
	}
	int reproduced = 0, bad = 0, not_minimized = 0;
	for (const auto &f : files) {
		if (!search_n.empty()) {
			if (!tools::is_concurrent(f, harness_flag)) {
				fprintf(stderr, "fence-repro: --search is for concurrent programs; %s is a "
						"sequential one (it has one schedule)\n",
					f.c_str());
				bad++;
				continue;
			}
			std::string runner = self_path();
#ifndef FENCEFUZZ_TOOL_DSCHED
			runner = dir_of(runner) + kDschedRunner;
#endif
			const int rc = search(f, runner, std::stoul(search_n));
			bad += rc == 2;
			reproduced += rc == 1;
			continue;
		}
		if (do_min) {
			int rc = minimize(f, harness_flag, fuzzer, runs);
			bad += rc == 2;
			not_minimized += rc == 1;
			continue;
		}
		bool text;
		std::string err;
		std::string runner = self_path();
		std::vector<std::pair<std::string, std::string>> header;
		if (tools::is_concurrent(f, harness_flag)) {
			harness::cprogram cp;
			if (!tools::load_concurrent(f, &cp, &text, &err)) {
				fprintf(stderr, "fence-repro: %s\n", err.c_str());
				bad++;
				continue;
			}
			header = cp.header;
			size_t n = cp.setup.size();
			for (auto &t : cp.threads)
				n += t.size();
			if (!quiet)
				printf("==== %s (%s, concurrent, %zu threads, %zu ops) ====\n%s", f.c_str(),
				       text ? "text" : "binary", cp.threads.size(), n,
				       harness::format_concurrent(cp).c_str());
#ifndef FENCEFUZZ_TOOL_DSCHED
			runner = dir_of(runner) + kDschedRunner;
#endif
		} else {
			harness::program p;
			if (!tools::load_program(f, harness_flag, &p, &text, &err)) {
				fprintf(stderr, "fence-repro: %s\n", err.c_str());
				bad++;
				continue;
			}
			header = p.header;
			if (!quiet)
				printf("==== %s (%s, %zu ops) ====\n%s", f.c_str(), text ? "text" : "binary",
				       p.ops.size(), harness::format(p).c_str());
		}
		// A reproducer found under a driver contract says so in its header
		// ("# driver-contract: 7.1"); --driver-contract or the environment wins.
		std::string contract;
		const std::vector<std::string> env = contract_env(header, &contract);
		if (!quiet)
			printf("==== core: %s (Linux %s)%s ====\n", harness::semantics().backend,
			       harness::semantics().version,
			       contract.empty() ? "" : (", driver contract " + contract).c_str());
		fflush(stdout);
		std::vector<std::string> args = {runner, "--child", f};
		if (!harness_flag.empty())
			args.insert(args.end(), {"--harness", harness_flag});
		if (quiet)
			args.push_back("--quiet");
		int st = spawn_wait(args, env);
		if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 2) {
			bad++;
			continue;
		}
		std::string v = verdict(st);
		reproduced += v.rfind("REPRODUCED", 0) == 0;
		printf("==== %s: %s ====\n", f.c_str(), v.c_str());
	}
	if (bad)
		return 2;
	if (do_min)
		return not_minimized ? 1 : 0;
	return reproduced ? 1 : 0;
}

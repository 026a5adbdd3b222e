// SPDX-License-Identifier: MIT
//
// fence-prog - convert, print and validate fencefuzz programs.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "harness/files.h"
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

} // namespace

int main(int argc, char **argv)
{
	std::string harness_flag;
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
	fprintf(stderr, "fence-prog: bad command or arguments: '%s' (try --help)\n", cmd.c_str());
	return 2;
}

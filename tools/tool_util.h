// SPDX-License-Identifier: MIT
//
// tools/tool_util.h - reading program files for fence-prog and fence-repro.
#pragma once

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "harness/concurrent.h"
#include "harness/files.h"
#include "harness/program.h"

namespace tools {

inline bool read_bytes(const std::string &path, std::vector<uint8_t> *out, std::string *err)
{
	return harness::read_input_file(path, out, err);
}

inline bool ends_with(const std::string &s, const std::string &suffix)
{
	return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The harness a file belongs to: --harness, else a "harness:" header, else the
// corpora/<harness>/ folder it sits in, else api_fuzz.
inline const harness::profile &profile_for(const std::string &path, const harness::program *prog,
					   const std::string &flag)
{
	if (!flag.empty())
		if (auto *p = harness::find_profile(flag))
			return *p;
	if (prog)
		for (auto &[k, v] : prog->header)
			if (k == "harness")
				if (auto *p = harness::find_profile(v))
					return *p;
	// (also ci/fuzz's work folders, build/*/work/<harness>[_tree...]/)
	if (path.find("module_fuzz") != std::string::npos)
		return harness::module_profile();
	if (path.find("concurrent_fuzz") != std::string::npos)
		return harness::concurrent_profile();
	return harness::api_profile();
}

// Is @path a concurrent program (harness/concurrent.h)? Text: if it has
// "thread N:" sections or a "schedule:" line. Binary: with --harness
// concurrent_fuzz, or without --harness in a folder of that name (corpora/
// concurrent_fuzz/, ci/fuzz's work/concurrent_fuzz*/).
// (A sequential text program with --harness concurrent_fuzz encodes with the
// concurrent opcode table: tools/make-dict uses that.)
inline bool is_concurrent(const std::string &path, const std::string &flag)
{
	std::vector<uint8_t> data;
	std::string err;
	if (!read_bytes(path, &data, &err))
		return false;
	if (harness::looks_like_text(data.data(), data.size()))
		return harness::looks_concurrent(std::string(data.begin(), data.end()));
	if (!flag.empty())
		return harness::find_profile(flag) == &harness::concurrent_profile();
	return path.find("concurrent_fuzz") != std::string::npos;
}

// Load a program of either kind: .prog files (and printable files that
// parse) as text with @parse_text, everything else as binary with
// @decode_bin. Text errors come back as "path:line: message".
template <typename Prog, typename Parse, typename Decode>
bool load_any(const std::string &path, Prog *out, bool *was_text, std::string *err,
	      Parse parse_text, Decode decode_bin)
{
	std::vector<uint8_t> data;
	if (!read_bytes(path, &data, err))
		return false;
	const bool want_text = ends_with(path, ".prog");
	if (want_text || harness::looks_like_text(data.data(), data.size())) {
		std::string perr;
		if (parse_text(std::string(data.begin(), data.end()), out, &perr)) {
			*was_text = true;
			return true;
		}
		if (want_text) {
			*err = path + ":" + perr.substr(5);
			return false;
		}
	}
	*was_text = false;
	*out = decode_bin(data);
	return true;
}

// Load a concurrent program: text if it parses as one (a .prog must), else binary.
inline bool load_concurrent(const std::string &path, harness::cprogram *out, bool *was_text,
			    std::string *err)
{
	return load_any(path, out, was_text, err, harness::parse_concurrent,
			[](const std::vector<uint8_t> &d) {
				return harness::decode_concurrent(d.data(), d.size());
			});
}

// Load a sequential program (binary ones decode with the harness's profile).
inline bool load_program(const std::string &path, const std::string &harness_flag,
			 harness::program *out, bool *was_text, std::string *err)
{
	return load_any(path, out, was_text, err, harness::parse,
			[&](const std::vector<uint8_t> &d) {
				return harness::decode(d.data(), d.size(),
						       profile_for(path, nullptr, harness_flag));
			});
}

} // namespace tools

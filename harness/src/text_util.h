// SPDX-License-Identifier: MIT
//
// harness/src/text_util.h - the small parsing helpers both text formats
// (program.cpp, concurrent.cpp) use. Internal to harness/.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace harness::text {

// An unsigned number, decimal or 0x hex, nothing else on the word.
inline bool parse_u64(const std::string &s, uint64_t *v)
{
	if (s.empty() || s[0] == '-' || s[0] == '+')
		return false;
	errno = 0;
	char *end = nullptr;
	unsigned long long x = strtoull(s.c_str(), &end, 0);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

inline std::string trim(const std::string &s)
{
	size_t b = s.find_first_not_of(" \t\r");
	if (b == std::string::npos)
		return "";
	size_t e = s.find_last_not_of(" \t\r");
	return s.substr(b, e - b + 1);
}

} // namespace harness::text

// SPDX-License-Identifier: MIT
//
// harness/src/format_util.h - the small helpers both program formats
// (program.cpp, concurrent.cpp) use: a byte reader that reads zeros past
// the end, number parsing and trimming. Internal to harness/.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace harness {

// Reads a binary program: past the end every byte is 0 (any string decodes).
struct byte_reader {
	const uint8_t *p, *end;
	uint8_t byte() noexcept { return p < end ? *p++ : 0; }
	uint64_t le(int n) noexcept
	{
		uint64_t v = 0;
		for (int i = 0; i < n; i++)
			v |= static_cast<uint64_t>(byte()) << (8 * i);
		return v;
	}
};

namespace text {

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

} // namespace text
} // namespace harness

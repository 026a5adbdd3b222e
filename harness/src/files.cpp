// SPDX-License-Identifier: MIT
//
// files.cpp - see harness/files.h.
#include "harness/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace harness {

namespace {

bool ends_with(const std::string &s, const char *suffix)
{
	const size_t n = strlen(suffix);
	return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

bool walk(const std::string &path, std::vector<std::string> *out, std::string *err)
{
	struct stat st;
	if (stat(path.c_str(), &st) != 0) {
		*err = "cannot open '" + path + "': " + strerror(errno);
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		out->push_back(path);
		return true;
	}
	DIR *d = opendir(path.c_str());
	if (!d) {
		*err = "cannot read folder '" + path + "': " + strerror(errno);
		return false;
	}
	std::vector<std::string> names;
	while (struct dirent *e = readdir(d))
		if (e->d_name[0] != '.')
			names.push_back(e->d_name);
	closedir(d);
	std::sort(names.begin(), names.end());
	const std::string base = ends_with(path, "/") ? path : path + "/";
	for (const std::string &n : names) {
		const std::string p = base + n;
		struct stat s2;
		if (stat(p.c_str(), &s2) == 0 && !S_ISDIR(s2.st_mode) &&
		    (ends_with(n, ".txt") || ends_with(n, ".md")))
			continue; // notes beside the inputs, not inputs
		if (!walk(p, out, err))
			return false;
	}
	return true;
}

} // namespace

bool read_input_file(const std::string &path, std::vector<uint8_t> *out, std::string *err)
{
	struct stat st;
	if (stat(path.c_str(), &st) != 0) {
		*err = "cannot open '" + path + "': " + strerror(errno);
		return false;
	}
	if (S_ISDIR(st.st_mode)) {
		*err = "'" + path + "' is a folder, not a program file";
		return false;
	}
	const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = "cannot open '" + path + "': " + strerror(errno);
		return false;
	}
	out->clear();
	uint8_t buf[65536];
	for (;;) {
		const ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = "cannot read '" + path + "': " + strerror(errno);
			close(fd);
			return false;
		}
		if (n == 0)
			break;
		out->insert(out->end(), buf, buf + n);
	}
	close(fd);
	return true;
}

bool list_inputs(const std::vector<std::string> &paths, std::vector<std::string> *out,
		 std::string *err)
{
	for (const std::string &p : paths)
		if (!walk(p, out, err))
			return false;
	return true;
}

} // namespace harness

// SPDX-License-Identifier: MIT
//
// harness/files.h - reading inputs from the command line, for every tool and
// replay binary: files are read whole, folders recurse, and a path that is
// neither (or cannot be read) is an error with a message, never an exception.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace harness {

// Read the regular file @path into *out. Return false with *err set
// ("PATH: is a folder", "cannot open 'PATH': No such file or directory").
bool read_input_file(const std::string &path, std::vector<uint8_t> *out, std::string *err);

// Expand @paths into the input files they name: a file as it is, a folder
// recursively in sorted order, leaving out dot files and sidecar notes
// (*.txt, *.md: a crashes/ folder's README.txt, a binary input's <file>.txt).
// Return false with *err set at the first path that does not exist.
bool list_inputs(const std::vector<std::string> &paths, std::vector<std::string> *out,
		 std::string *err);

} // namespace harness

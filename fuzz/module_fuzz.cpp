// SPDX-License-Identifier: MIT
//
// module_fuzz - module lifecycles: load, issue, signal, detach and unload
// across several modules, with fences outliving their modules. The opcode
// table (harness::module_profile) weights those ops; every op is still
// reachable, so any program encodes. Oracle: see fuzz_target.h.
#include "fuzz_target.h"

FENCEFUZZ_TARGET(harness::module_profile)

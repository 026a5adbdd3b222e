// SPDX-License-Identifier: MIT
//
// api_fuzz - the whole op catalog, sequentially, against the model.
// Oracle: see fuzz_target.h (model divergence, sanitizers, WARN, module trap).
#include "fuzz_target.h"

FENCEFUZZ_TARGET(harness::api_profile)

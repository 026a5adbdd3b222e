// SPDX-License-Identifier: MIT
//
// fence_mod_names.so - the names-only driver model (the selftests' mock) as
// a real loadable module: its fences carry only get_driver_name and
// get_timeline_name, so they detach when they signal and the module can be
// unloaded (dlclose) while they live on.
#include "so_module.h"

FENCE_SO_MODULE(FENCE_MODEL_NAMES, "names", {})

/* SPDX-License-Identifier: MIT */
/* linux/mmu_notifier.h (shim): no MMU notifiers (CONFIG_MMU_NOTIFIER is off). */
#include <linux/types.h>

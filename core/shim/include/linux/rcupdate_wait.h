/* SPDX-License-Identifier: MIT */
#include <linux/rcupdate.h>

/* SPDX-License-Identifier: MIT */
/* linux/timer.h (shim) - timer_list callbacks run on the runtime's timer thread at their jiffy. */
#ifndef _FENCEFUZZ_SHIM_LINUX_TIMER_H
#define _FENCEFUZZ_SHIM_LINUX_TIMER_H
#include <linux/jiffies.h>
#include <linux/container_of.h>
#include <fencefuzz/ktree-runtime.h>
#define timer_setup(t, fn, flags) ktree_timer_setup((t), (fn), (flags))
#define timer_setup_on_stack timer_setup
#define destroy_timer_on_stack(t) do { (void)(t); } while (0)
#define mod_timer(t, expires) ktree_mod_timer((t), (expires))
#define add_timer(t) ((void)ktree_mod_timer((t), (t)->expires))
#define del_timer(t) ktree_del_timer((t), false)
#define del_timer_sync(t) ktree_del_timer((t), true)
#define timer_delete del_timer
#define timer_delete_sync del_timer_sync
#define timer_pending(t) ktree_timer_pending(t)
#define from_timer(var, callback_timer, timer_fieldname) \
	container_of(callback_timer, typeof(*var), timer_fieldname)
#endif

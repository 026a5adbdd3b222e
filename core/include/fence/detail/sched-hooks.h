/* SPDX-License-Identifier: MIT */
/*
 * fence/detail/sched-hooks.h - instrumentation points for a deterministic
 * scheduler. Internal: included by core headers, never by users.
 *
 * Every place where a thread switch could change the outcome of a race
 * (lock and unlock, atomic flag and refcount operations, RCU read-side
 * boundaries, calls into ops and callbacks, grace-period waits) calls
 * FENCE_SCHED_POINT(). In normal builds the macro expands to nothing, so
 * the hooks cost nothing; a scheduler build (FENCE_DSCHED) routes them to
 * fence_sched_point(), which may switch to another logical thread.
 */
#pragma once

enum fence_sched_kind {
	FENCE_SP_LOCK,
	FENCE_SP_UNLOCK,
	FENCE_SP_ATOMIC,
	FENCE_SP_REF,
	FENCE_SP_RCU_LOCK,
	FENCE_SP_RCU_UNLOCK,
	FENCE_SP_OPS_CALL,
	FENCE_SP_CB_CALL,
	FENCE_SP_GRACE_PERIOD,
};

#ifdef FENCE_DSCHED
void fence_sched_point(enum fence_sched_kind kind, const void *addr) noexcept;
#define FENCE_SCHED_POINT(kind, addr) fence_sched_point((kind), (addr))
#else
#define FENCE_SCHED_POINT(kind, addr) ((void)0)
#endif

/* SPDX-License-Identifier: MIT */
/*
 * linux/tracepoint.h (shim) - tracepoints as in a kernel where nobody has
 * enabled them: trace_<event>() is an empty inline with the event's
 * prototype (so calls are type-checked), trace_<event>_enabled() is false,
 * and the event's fields, assignments and format are not compiled.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_TRACEPOINT_H
#define _FENCEFUZZ_SHIM_LINUX_TRACEPOINT_H
#include <linux/types.h>
#define TP_PROTO(args...) args
#define TP_ARGS(args...) args
#define DECLARE_EVENT_CLASS(name, proto, args, tstruct, assign, print)
#define DEFINE_EVENT(template, name, proto, args)                    \
	static inline void trace_##name(proto) {}                    \
	static inline bool trace_##name##_enabled(void) { return false; }
#define TRACE_EVENT(name, proto, args, tstruct, assign, print) DEFINE_EVENT(name, name, PARAMS(proto), PARAMS(args))
#define DECLARE_TRACE(name, proto, args) DEFINE_EVENT(name, name, PARAMS(proto), PARAMS(args))
#define PARAMS(args...) args
#define EXPORT_TRACEPOINT_SYMBOL(name)
#define EXPORT_TRACEPOINT_SYMBOL_GPL(name)
#endif

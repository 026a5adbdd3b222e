/* SPDX-License-Identifier: MIT */
/* trace/define_trace.h (shim) - nothing to instantiate: tracepoints are disabled inlines. */

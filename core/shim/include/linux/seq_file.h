/* SPDX-License-Identifier: MIT */
/*
 * linux/seq_file.h (shim) - seq_printf() and seq_puts() into a caller's
 * buffer (dma_fence_describe(), dma_resv_describe()); output past the end
 * is dropped and counted in @overflow.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_SEQ_FILE_H
#define _FENCEFUZZ_SHIM_LINUX_SEQ_FILE_H
#include <stdarg.h>
#include <stdio.h>
#include <linux/types.h>
struct seq_file {
	char *buf;
	size_t size;
	size_t count;
	size_t overflow;
};
static inline __printf(2, 0) void seq_vprintf(struct seq_file *m, const char *fmt, va_list ap)
{
	size_t room = m->size > m->count ? m->size - m->count : 0;
	int n = vsnprintf(m->buf ? m->buf + m->count : NULL, room, fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= room) {
		m->overflow += (size_t)n - (room ? room - 1 : 0);
		m->count += room ? room - 1 : 0;
	} else {
		m->count += (size_t)n;
	}
}
static inline __printf(2, 3) void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	seq_vprintf(m, fmt, ap);
	va_end(ap);
}
static inline void seq_puts(struct seq_file *m, const char *s) { seq_printf(m, "%s", s); }
static inline void seq_putc(struct seq_file *m, char c) { seq_printf(m, "%c", c); }
#endif

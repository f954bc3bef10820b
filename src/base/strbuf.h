/* SPDX-License-Identifier: MIT */
#ifndef HK_BASE_STRBUF_H
#define HK_BASE_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A growable string. After any failed append the buffer is marked failed
 * and later appends do nothing, so a writer checks once at the end with
 * hk_strbuf_error().
 */
typedef struct hk_strbuf {
	char *buf;
	size_t len;
	size_t cap;
	int error;
} hk_strbuf;

#define HK_STRBUF_INIT                                                                             \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

/* The out-of-line part of hk_strbuf_append(): growth and errors. */
void hk_strbuf_append_slow(hk_strbuf *sb, const char *s, size_t n);

/*
 * Appends in line while the buffer has room: a JSON document is thousands
 * of short appends, and the call and the growth check were a sixth of a
 * large topology's user time.
 */
static inline void hk_strbuf_append(hk_strbuf *sb, const char *s, size_t n)
{
	if (__builtin_expect(!sb->error && n < sb->cap - sb->len, 1)) {
		__builtin_memcpy(sb->buf + sb->len, s, n);
		sb->len += n;
		sb->buf[sb->len] = '\0';
		return;
	}
	hk_strbuf_append_slow(sb, s, n);
}

static inline void hk_strbuf_putc(hk_strbuf *sb, char c)
{
	hk_strbuf_append(sb, &c, 1);
}

void hk_strbuf_puts(hk_strbuf *sb, const char *s);
void hk_strbuf_printf(hk_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hk_strbuf_vprintf(hk_strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Appends spaces until the text written since offset @from is @width bytes (table cells). */
void hk_strbuf_pad(hk_strbuf *sb, size_t from, size_t width);
/* 0, or -ENOMEM when an append failed. */
int hk_strbuf_error(const hk_strbuf *sb);
/* The NUL-terminated contents ("" when empty); valid until the next append. */
const char *hk_strbuf_str(hk_strbuf *sb);
/* Hands the buffer on (caller frees) and empties @sb. */
char *hk_strbuf_steal(hk_strbuf *sb);
void hk_strbuf_done(hk_strbuf *sb);

#endif

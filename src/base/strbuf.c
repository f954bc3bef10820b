/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Most strings (a value, a table row) fit in the first allocation. */
#define STRBUF_MIN_CAP 64

static bool strbuf_fail(hk_strbuf *sb)
{
	sb->error = -ENOMEM;
	return false;
}

/*
 * Makes room for @extra more bytes and the NUL. The capacity doubles, so a
 * string built from many small appends is copied O(1) times per byte.
 */
static bool strbuf_reserve(hk_strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (sb->error)
		return false;
	if (extra > SIZE_MAX - 1 - sb->len)
		return strbuf_fail(sb);
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return true;

	cap = sb->cap ? sb->cap : STRBUF_MIN_CAP;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(sb->buf, cap);
	if (!p)
		return strbuf_fail(sb);
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void hk_strbuf_append_slow(hk_strbuf *sb, const char *s, size_t n)
{
	if (n == 0 || !strbuf_reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void hk_strbuf_puts(hk_strbuf *sb, const char *s)
{
	hk_strbuf_append(sb, s, strlen(s));
}

void hk_strbuf_vprintf(hk_strbuf *sb, const char *fmt, va_list ap)
{
	size_t avail;
	va_list aq;
	int n;

	if (sb->error)
		return;

	/* Try the spare capacity first: usually it is enough and one pass will do. */
	avail = sb->cap - sb->len;
	va_copy(aq, ap);
	n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, avail, fmt, aq);
	va_end(aq);
	if (n >= 0 && (size_t)n < avail) {
		sb->len += (size_t)n;
		return;
	}

	/* A partial or failed write may have clobbered the terminator. */
	if (sb->buf)
		sb->buf[sb->len] = '\0';
	if (n < 0) {
		strbuf_fail(sb);
		return;
	}
	if (!strbuf_reserve(sb, (size_t)n))
		return;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void hk_strbuf_printf(hk_strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hk_strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
}

void hk_strbuf_pad(hk_strbuf *sb, size_t from, size_t width)
{
	size_t used = from < sb->len ? sb->len - from : 0;
	size_t n;

	if (used >= width)
		return;
	n = width - used;
	if (!strbuf_reserve(sb, n))
		return;
	memset(sb->buf + sb->len, ' ', n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

int hk_strbuf_error(const hk_strbuf *sb)
{
	return sb->error;
}

const char *hk_strbuf_str(hk_strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

char *hk_strbuf_steal(hk_strbuf *sb)
{
	char *p;

	/* Half a string would pass for a whole one: a failed buffer gives nothing. */
	if (sb->error) {
		hk_strbuf_done(sb);
		return NULL;
	}
	p = sb->buf ? sb->buf : strdup("");
	*sb = (hk_strbuf)HK_STRBUF_INIT;
	return p;
}

void hk_strbuf_done(hk_strbuf *sb)
{
	free(sb->buf);
	*sb = (hk_strbuf)HK_STRBUF_INIT;
}

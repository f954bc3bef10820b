/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "hostkit/common.h"

/*
 * Cuts a string truncated to @len bytes back to a character boundary: the
 * message may be shown on a terminal or written as JSON, and half a UTF-8
 * character would come out as garbage there.
 */
static void utf8_trim(char *s, size_t len)
{
	size_t i = len, need;
	unsigned char lead;

	while (i > 0 && len - i < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return;
	lead = (unsigned char)s[i - 1];
	if (lead >= 0xf0)
		need = 4;
	else if (lead >= 0xe0)
		need = 3;
	else if (lead >= 0xc0)
		need = 2;
	else
		return;
	if (i - 1 + need > len)
		s[i - 1] = '\0';
}

void hk_diag_clear(hk_diag *diag)
{
	if (diag)
		memset(diag, 0, sizeof(*diag));
}

int hk_diag_setv(hk_diag *diag, int error, const char *path, const char *fmt, va_list ap)
{
	bool truncated;
	size_t len;
	int n;

	if (!diag)
		return error;

	diag->error = error;
	diag->line = 0;
	diag->column = 0;

	if (!path)
		path = "";
	len = strnlen(path, sizeof(diag->path));
	truncated = len >= sizeof(diag->path);
	if (truncated)
		len = sizeof(diag->path) - 1;
	/* memmove: a caller may pass diag->path back in. */
	memmove(diag->path, path, len);
	diag->path[len] = '\0';
	if (truncated)
		utf8_trim(diag->path, len);

	n = vsnprintf(diag->message, sizeof(diag->message), fmt, ap);
	if (n < 0)
		diag->message[0] = '\0';
	else if ((size_t)n >= sizeof(diag->message))
		utf8_trim(diag->message, sizeof(diag->message) - 1);
	return error;
}

int hk_diag_set(hk_diag *diag, int error, const char *path, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = hk_diag_setv(diag, error, path, fmt, ap);
	va_end(ap);
	return r;
}

const char *hk_version(void)
{
	return HK_VERSION;
}

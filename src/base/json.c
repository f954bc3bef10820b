/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/*
 * Levels: while containers are open, state[depth - 1] and is_object[depth - 1]
 * describe the innermost one. At depth 0 no container uses state[0], so it
 * records whether the top-level value is complete: a document holds exactly
 * one value.
 */
enum {
	JSON_EMPTY = 0,
	JSON_MEMBER = 1,
	JSON_AFTER_KEY = 2,
};

void hk_json_init(hk_json *j, hk_strbuf *out, bool pretty)
{
	*j = (hk_json){.out = out, .pretty = pretty};
}

static bool json_misuse(hk_json *j)
{
	j->error = -EINVAL;
	return false;
}

static void json_newline(hk_json *j, unsigned level)
{
	static const char spaces[] = "                                ";
	size_t n = (size_t)level * 2;

	hk_strbuf_putc(j->out, '\n');
	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		hk_strbuf_append(j->out, spaces, k);
		n -= k;
	}
}

/*
 * Checks that a key (@key) or a value is due here and writes what goes before
 * it: a comma after an earlier member and, when pretty, a line break. A value
 * after a key needs neither.
 */
static bool json_slot(hk_json *j, bool key)
{
	unsigned lvl;

	if (j->error)
		return false;
	if (j->depth == 0) {
		if (key || j->state[0] != JSON_EMPTY)
			return json_misuse(j);
		return true;
	}

	lvl = j->depth - 1;
	if (j->is_object[lvl]) {
		bool after_key = j->state[lvl] == JSON_AFTER_KEY;

		/* Members alternate: key, value, key, value. */
		if (key == after_key)
			return json_misuse(j);
		if (!key)
			return true;
	} else if (key) {
		return json_misuse(j);
	}

	if (j->state[lvl] == JSON_MEMBER)
		hk_strbuf_putc(j->out, ',');
	if (j->pretty)
		json_newline(j, j->depth);
	return true;
}

/* Records that a value is complete at the current level. */
static void json_filled(hk_json *j)
{
	j->state[j->depth ? j->depth - 1 : 0] = JSON_MEMBER;
}

static void json_raw(hk_json *j, const char *s, size_t n)
{
	if (!json_slot(j, false))
		return;
	hk_strbuf_append(j->out, s, n);
	json_filled(j);
}

/*
 * Scans the UTF-8 sequence at @s (whose first byte is >= 0x80) and returns
 * how many bytes it covers. When it is ill-formed (*valid false), that is the
 * maximal subpart which the caller replaces by one U+FFFD, the practice
 * Unicode recommends (chapter 3, "U+FFFD Substitution of Maximal Subparts").
 */
static size_t utf8_scan(const unsigned char *s, size_t n, bool *valid)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		if (s[0] == 0xe0)
			lo = 0xa0; /* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f; /* UTF-16 surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		if (s[0] == 0xf0)
			lo = 0x90; /* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f; /* beyond U+10FFFF */
	} else {
		*valid = false;
		return 1;
	}

	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*valid = false;
			return i;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	*valid = true;
	return need;
}

static void json_escape(hk_strbuf *out, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t start = 0, i = 0;

	hk_strbuf_putc(out, '"');
	while (i < len) {
		unsigned char c = s[i];
		char ubuf[7];
		const char *esc;
		size_t skip = 1;

		if (c >= 0x80) {
			bool valid;

			skip = utf8_scan(s + i, len - i, &valid);
			if (valid) {
				i += skip;
				continue;
			}
			esc = "\\ufffd";
		} else if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		} else {
			switch (c) {
			case '"':
				esc = "\\\"";
				break;
			case '\\':
				esc = "\\\\";
				break;
			case '\b':
				esc = "\\b";
				break;
			case '\f':
				esc = "\\f";
				break;
			case '\n':
				esc = "\\n";
				break;
			case '\r':
				esc = "\\r";
				break;
			case '\t':
				esc = "\\t";
				break;
			default:
				memcpy(ubuf, "\\u00", 4);
				ubuf[4] = hex[c >> 4];
				ubuf[5] = hex[c & 0xf];
				ubuf[6] = '\0';
				esc = ubuf;
				break;
			}
		}
		hk_strbuf_append(out, str + start, i - start);
		hk_strbuf_puts(out, esc);
		i += skip;
		start = i;
	}
	hk_strbuf_append(out, str + start, i - start);
	hk_strbuf_putc(out, '"');
}

static void json_begin(hk_json *j, bool object)
{
	if (!j->error && j->depth >= HK_JSON_MAX_DEPTH) {
		json_misuse(j);
		return;
	}
	if (!json_slot(j, false))
		return;
	hk_strbuf_putc(j->out, object ? '{' : '[');
	j->state[j->depth] = JSON_EMPTY;
	j->is_object[j->depth] = object;
	j->depth++;
}

static void json_end(hk_json *j, bool object)
{
	unsigned lvl;

	if (j->error)
		return;
	if (j->depth == 0) {
		json_misuse(j);
		return;
	}
	lvl = j->depth - 1;
	if (j->is_object[lvl] != object || j->state[lvl] == JSON_AFTER_KEY) {
		json_misuse(j);
		return;
	}
	if (j->pretty && j->state[lvl] == JSON_MEMBER)
		json_newline(j, lvl);
	hk_strbuf_putc(j->out, object ? '}' : ']');
	j->depth--;
	json_filled(j);
}

void hk_json_object_begin(hk_json *j)
{
	json_begin(j, true);
}

void hk_json_object_end(hk_json *j)
{
	json_end(j, true);
}

void hk_json_array_begin(hk_json *j)
{
	json_begin(j, false);
}

void hk_json_array_end(hk_json *j)
{
	json_end(j, false);
}

void hk_json_key(hk_json *j, const char *key)
{
	if (!key) {
		if (!j->error)
			json_misuse(j);
		return;
	}
	if (!json_slot(j, true))
		return;
	json_escape(j->out, key, strlen(key));
	hk_strbuf_puts(j->out, j->pretty ? ": " : ":");
	j->state[j->depth - 1] = JSON_AFTER_KEY;
}

void hk_json_string_len(hk_json *j, const char *s, size_t len)
{
	if (!s) {
		hk_json_null(j);
		return;
	}
	if (!json_slot(j, false))
		return;
	json_escape(j->out, s, len);
	json_filled(j);
}

void hk_json_string(hk_json *j, const char *s)
{
	hk_json_string_len(j, s, s ? strlen(s) : 0);
}

/* Decimal digits of @v, right-aligned ending at @end; returns the first. */
static char *format_u64(char *end, uint64_t v)
{
	char *p = end;
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return p;
}

/* Numbers are most of a topology document: formatted by hand, not snprintf(). */
void hk_json_u64(hk_json *j, uint64_t v)
{
	char buf[24];
	char *end = buf + sizeof(buf);
	char *p = format_u64(end, v);

	json_raw(j, p, (size_t)(end - p));
}

void hk_json_s64(hk_json *j, int64_t v)
{
	char buf[24];
	char *end = buf + sizeof(buf);
	/* The magnitude of INT64_MIN only fits unsigned. */
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char *p = format_u64(end, mag);

	if (v < 0)
		*--p = '-';
	json_raw(j, p, (size_t)(end - p));
}

void hk_json_bool(hk_json *j, bool v)
{
	if (v)
		json_raw(j, "true", 4);
	else
		json_raw(j, "false", 5);
}

void hk_json_null(hk_json *j)
{
	json_raw(j, "null", 4);
}

void hk_json_s64_or_null(hk_json *j, int64_t v)
{
	if (v < 0)
		hk_json_null(j);
	else
		hk_json_s64(j, v);
}

int hk_json_finish(hk_json *j)
{
	if (j->error)
		return j->error;
	if (j->depth != 0 || j->state[0] != JSON_MEMBER) {
		json_misuse(j);
		return j->error;
	}
	if (j->pretty)
		hk_strbuf_putc(j->out, '\n');
	return hk_strbuf_error(j->out);
}

void hk_json_kv_string(hk_json *j, const char *key, const char *s)
{
	hk_json_key(j, key);
	hk_json_string(j, s);
}

void hk_json_kv_u64(hk_json *j, const char *key, uint64_t v)
{
	hk_json_key(j, key);
	hk_json_u64(j, v);
}

void hk_json_kv_s64(hk_json *j, const char *key, int64_t v)
{
	hk_json_key(j, key);
	hk_json_s64(j, v);
}

void hk_json_kv_bool(hk_json *j, const char *key, bool v)
{
	hk_json_key(j, key);
	hk_json_bool(j, v);
}

void hk_json_kv_s64_or_null(hk_json *j, const char *key, int64_t v)
{
	hk_json_key(j, key);
	hk_json_s64_or_null(j, v);
}

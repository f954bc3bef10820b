/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"
#include "tests/host/json-reader.h"

void jv_free(jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		jv_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->string);
	free(v);
}

#define JSON_MAX_DEPTH 64

typedef struct jparser {
	const char *p, *end;
	unsigned depth;
	bool lenient;	 /* read a bare '-' as null (lscpu writes one for "no value") */
	unsigned quirks; /* how many bare '-' were read */
	const char *error;
} jparser;

static int jfail(jparser *jp, const char *msg)
{
	if (!jp->error)
		jp->error = msg;
	return -EINVAL;
}

static void skip_ws(jparser *jp)
{
	while (jp->p < jp->end &&
	       (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static int hex4(const char *p, uint32_t *ret)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* At an opening quote: decodes the string. The decoded form is never longer. */
static int parse_string(jparser *jp, char **ret)
{
	const char *s = ++jp->p, *q = s;

	while (q < jp->end && *q != '"')
		q += *q == '\\' ? 2 : 1;
	if (q >= jp->end)
		return jfail(jp, "unterminated string");

	_cleanup_free_ char *out = malloc((size_t)(q - s) + 1);
	size_t n = 0;
	if (!out)
		return -ENOMEM;
	while (jp->p < q) {
		unsigned char c = (unsigned char)*jp->p++;
		uint32_t cp, lo;

		if (c < 0x20)
			return jfail(jp, "control character in string");
		if (c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		switch (*jp->p++) {
		case '"':
			out[n++] = '"';
			break;
		case '\\':
			out[n++] = '\\';
			break;
		case '/':
			out[n++] = '/';
			break;
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'u':
			if (q - jp->p < 4 || hex4(jp->p, &cp) < 0)
				return jfail(jp, "bad \\u escape");
			jp->p += 4;
			if (cp == 0)
				return jfail(jp, "\\u0000 in string");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return jfail(jp, "lone low surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (q - jp->p < 6 || jp->p[0] != '\\' || jp->p[1] != 'u' ||
				    hex4(jp->p + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
					return jfail(jp, "lone high surrogate");
				jp->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			n += put_utf8(out + n, cp);
			break;
		default:
			return jfail(jp, "bad escape");
		}
	}
	jp->p = q + 1;
	out[n] = 0;
	*ret = TAKE_PTR(out);
	return 0;
}

static bool is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static int parse_number(jparser *jp, jv *v)
{
	const char *s = jp->p, *p = s, *end = jp->end;
	bool integral = true;
	char buf[64];

	if (*p == '-')
		p++;
	if (!is_digit(p, end)) {
		if (jp->lenient && *s == '-') {
			jp->p = p;
			jp->quirks++;
			v->type = JV_NULL;
			return 0;
		}
		return jfail(jp, "bad number");
	}
	if (*p == '0')
		p++;
	else
		while (is_digit(p, end))
			p++;
	if (p < end && *p == '.') {
		p++;
		if (!is_digit(p, end))
			return jfail(jp, "bad fraction");
		while (is_digit(p, end))
			p++;
		integral = false;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			return jfail(jp, "bad exponent");
		while (is_digit(p, end))
			p++;
		integral = false;
	}
	size_t len = (size_t)(p - s);
	if (len >= sizeof(buf))
		return jfail(jp, "number too long");
	memcpy(buf, s, len);
	buf[len] = 0;
	v->type = JV_NUMBER;
	v->number = strtod(buf, NULL);
	v->is_int = integral && hk_parse_s64(buf, len, &v->integer) >= 0;
	jp->p = p;
	return 0;
}

/* Appends to an array or object; takes @key and @item even on failure. */
static int push_item(jv *c, char *key, jv *item)
{
	if ((c->n & (c->n - 1)) == 0) {
		size_t cap = c->n ? c->n * 2 : 4;
		jv **items = reallocarray(c->items, cap, sizeof(*items));
		if (items)
			c->items = items;
		if (items && c->type == JV_OBJECT) {
			char **keys = reallocarray(c->keys, cap, sizeof(*keys));
			if (keys)
				c->keys = keys;
			else
				items = NULL;
		}
		if (!items) {
			free(key);
			jv_free(item);
			return -ENOMEM;
		}
	}
	if (c->type == JV_OBJECT)
		c->keys[c->n] = key;
	c->items[c->n++] = item;
	return 0;
}

static bool take_literal(jparser *jp, const char *lit)
{
	size_t len = strlen(lit);

	if ((size_t)(jp->end - jp->p) < len || memcmp(jp->p, lit, len) != 0)
		return false;
	jp->p += len;
	return true;
}

static int parse_value(jparser *jp, jv **ret)
{
	_cleanup_jv_ jv *v = calloc(1, sizeof(*v));
	int r;

	if (!v)
		return -ENOMEM;
	skip_ws(jp);
	if (jp->p == jp->end)
		return jfail(jp, "unexpected end of input");

	char c = *jp->p;
	if (c == '{' || c == '[') {
		bool obj = c == '{';
		char close = obj ? '}' : ']';

		if (++jp->depth > JSON_MAX_DEPTH)
			return jfail(jp, "nested too deep");
		v->type = obj ? JV_OBJECT : JV_ARRAY;
		jp->p++;
		skip_ws(jp);
		if (jp->p < jp->end && *jp->p == close) {
			jp->p++;
		} else {
			for (;;) {
				_cleanup_free_ char *key = NULL;
				jv *item;

				if (obj) {
					skip_ws(jp);
					if (jp->p == jp->end || *jp->p != '"')
						return jfail(jp, "expected a key");
					r = parse_string(jp, &key);
					if (r < 0)
						return r;
					skip_ws(jp);
					if (jp->p == jp->end || *jp->p != ':')
						return jfail(jp, "expected ':'");
					jp->p++;
				}
				r = parse_value(jp, &item);
				if (r < 0)
					return r;
				r = push_item(v, TAKE_PTR(key), item);
				if (r < 0)
					return r;
				skip_ws(jp);
				if (jp->p < jp->end && *jp->p == ',') {
					jp->p++;
					continue;
				}
				if (jp->p < jp->end && *jp->p == close) {
					jp->p++;
					break;
				}
				return jfail(jp,
					     obj ? "expected ',' or '}'" : "expected ',' or ']'");
			}
		}
		jp->depth--;
	} else if (c == '"') {
		v->type = JV_STRING;
		r = parse_string(jp, &v->string);
		if (r < 0)
			return r;
	} else if (take_literal(jp, "true")) {
		v->type = JV_BOOL;
		v->boolean = true;
	} else if (take_literal(jp, "false")) {
		v->type = JV_BOOL;
	} else if (take_literal(jp, "null")) {
		v->type = JV_NULL;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		r = parse_number(jp, v);
		if (r < 0)
			return r;
	} else {
		return jfail(jp, "unexpected character");
	}
	*ret = TAKE_PTR(v);
	return 0;
}

int json_parse(const char *buf, size_t len, bool lenient, jv **ret, unsigned *ret_quirks, char *err,
	       size_t errsize)
{
	jparser jp = {.p = buf, .end = buf + len, .lenient = lenient};
	jv *v = NULL;

	int r = parse_value(&jp, &v);
	if (r >= 0) {
		skip_ws(&jp);
		if (jp.p != jp.end) {
			jv_free(v);
			r = jfail(&jp, "trailing data");
		}
	}
	if (r < 0) {
		snprintf(err, errsize, "%s at byte %zu", jp.error ? jp.error : strerror(-r),
			 (size_t)(jp.p - buf));
		return r;
	}
	if (ret_quirks)
		*ret_quirks = jp.quirks;
	*ret = v;
	return 0;
}

const jv *jv_get(const jv *obj, const char *key)
{
	if (!obj || obj->type != JV_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
	return NULL;
}

const jv *jv_path(const jv *v, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);

	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && v;
	     k = strtok_r(NULL, ".", &save)) {
		if (v->type == JV_ARRAY) {
			char *end;
			unsigned long i = strtoul(k, &end, 10);
			v = (*end == 0 && i < v->n) ? v->items[i] : NULL;
		} else {
			v = jv_get(v, k);
		}
	}
	return v;
}

const char *jv_type_name(jv_type type)
{
	static const char *const names[] = {
	    [JV_NULL] = "null",	    [JV_BOOL] = "boolean", [JV_NUMBER] = "number",
	    [JV_STRING] = "string", [JV_ARRAY] = "array",  [JV_OBJECT] = "object",
	};
	return (unsigned)type < ELEMENTSOF(names) ? names[type] : "value";
}

int jv_get_int(const jv *obj, const char *key, int64_t *ret)
{
	const jv *v = jv_get(obj, key);

	if (!v)
		return -ENOENT;
	if (v->type == JV_NULL)
		return -ENODATA;
	if (v->type == JV_NUMBER && v->is_int) {
		*ret = v->integer;
		return 0;
	}
	/* lscpu writes some numbers as strings ("one-size": "49152"). */
	if (v->type == JV_STRING && hk_parse_s64(v->string, strlen(v->string), ret) >= 0)
		return 0;
	return -EINVAL;
}

const char *jv_get_str(const jv *obj, const char *key)
{
	const jv *v = jv_get(obj, key);
	return v && v->type == JV_STRING ? v->string : NULL;
}

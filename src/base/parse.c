/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/parse.h"

/* The value of @c as a digit, or UINT_MAX when it is none (so it fails any base check). */
static unsigned digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a') + 10;
	if (c >= 'A' && c <= 'F')
		return (unsigned)(c - 'A') + 10;
	return UINT_MAX;
}

/*
 * Reads digits of @base from the start of (buf, len) and stops at the first
 * byte that is not one. Overflow does not stop the scan, so the caller can
 * tell "too big" from "trailing junk" and can report how much was a number.
 * Returns the count of digits read; *overflow says whether the value wrapped.
 */
static size_t scan_digits(const char *buf, size_t len, unsigned base, uint64_t *value,
			  bool *overflow)
{
	uint64_t v = 0;
	bool over = false;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned d = digit_value(buf[i]);

		if (d >= base)
			break;
		if (!over && (v > (UINT64_MAX - d) / base))
			over = true;
		if (!over)
			v = v * base + d;
	}

	*value = v;
	*overflow = over;
	return i;
}

/* Whole-buffer number in @base (8, 10 or 16): no prefix, no sign, nothing after. */
static int parse_digits(const char *buf, size_t len, unsigned base, uint64_t *ret)
{
	uint64_t v;
	bool over;
	size_t n;

	if (len == 0)
		return -EINVAL;

	n = scan_digits(buf, len, base, &v, &over);
	/* Junk wins over overflow: "99999999999999999999x" is not a number at all. */
	if (n != len)
		return -EINVAL;
	if (over)
		return -ERANGE;

	*ret = v;
	return 0;
}

static bool has_hex_prefix(const char *buf, size_t len)
{
	return len >= 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
}

int hk_parse_u64(const char *buf, size_t len, unsigned base, uint64_t *ret)
{
	uint64_t v;
	int r;

	if (!buf && len > 0)
		return -EINVAL;

	switch (base) {
	case 0:
		/*
		 * Only "0x" switches base: a leading zero stays decimal, because
		 * "010" in a sysfs or config value means ten, not eight.
		 */
		if (has_hex_prefix(buf, len))
			r = parse_digits(buf + 2, len - 2, 16, &v);
		else
			r = parse_digits(buf, len, 10, &v);
		break;
	case 16:
		/* Many sysfs ids are written "0x8086"; accept it as strtoul() does. */
		if (has_hex_prefix(buf, len))
			r = parse_digits(buf + 2, len - 2, 16, &v);
		else
			r = parse_digits(buf, len, 16, &v);
		break;
	case 8:
	case 10:
		r = parse_digits(buf, len, base, &v);
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return r;

	if (ret)
		*ret = v;
	return 0;
}

int hk_parse_s64(const char *buf, size_t len, int64_t *ret)
{
	bool negative = false;
	uint64_t mag;
	int64_t v;
	int r;

	if (!buf && len > 0)
		return -EINVAL;

	if (len > 0 && buf[0] == '-') {
		negative = true;
		buf++;
		len--;
	}

	r = parse_digits(buf, len, 10, &mag);
	if (r < 0)
		return r;

	if (negative) {
		/* -INT64_MIN does not fit in int64_t: handle its magnitude apart. */
		if (mag > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return -ERANGE;
		v = (int64_t)mag;
	}

	if (ret)
		*ret = v;
	return 0;
}

int hk_parse_u32(const char *buf, size_t len, uint32_t *ret)
{
	uint64_t v;
	int r;

	r = hk_parse_u64(buf, len, 10, &v);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;

	if (ret)
		*ret = (uint32_t)v;
	return 0;
}

int hk_parse_int(const char *buf, size_t len, int *ret)
{
	int64_t v;
	int r;

	r = hk_parse_s64(buf, len, &v);
	if (r < 0)
		return r;
	if (v < INT_MIN || v > INT_MAX)
		return -ERANGE;

	if (ret)
		*ret = (int)v;
	return 0;
}

int hk_parse_unsigned_range(const char *buf, size_t len, unsigned min, unsigned max, unsigned *ret)
{
	uint64_t v;
	int r;

	/* An empty range is the caller's bug; say so rather than reject every value. */
	if (min > max)
		return -EINVAL;

	r = hk_parse_u64(buf, len, 10, &v);
	if (r < 0)
		return r;
	if (v < min || v > max)
		return -ERANGE;

	if (ret)
		*ret = (unsigned)v;
	return 0;
}

static bool word_eq(const char *buf, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(buf, word, len) == 0;
}

int hk_parse_bool(const char *buf, size_t len, bool *ret)
{
	static const char *const yes[] = {"1", "y", "yes", "on", "true"};
	static const char *const no[] = {"0", "n", "no", "off", "false"};

	if (!buf || len == 0)
		return -EINVAL;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (word_eq(buf, len, yes[i])) {
			if (ret)
				*ret = true;
			return 0;
		}
		if (word_eq(buf, len, no[i])) {
			if (ret)
				*ret = false;
			return 0;
		}
	}

	return -EINVAL;
}

int hk_parse_u64_prefix(const char *buf, size_t len, uint64_t *ret)
{
	uint64_t v;
	bool over;
	size_t n;

	if (!buf && len > 0)
		return -EINVAL;

	n = scan_digits(buf, len, 10, &v, &over);
	if (n == 0)
		return -EINVAL;
	/* The count is returned as int; a run of 2 GiB of digits cannot be a u64 anyway. */
	if (over || n > INT_MAX)
		return -ERANGE;

	if (ret)
		*ret = v;
	return (int)n;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void hk_trim(const char **buf, size_t *len)
{
	const char *b = *buf;
	size_t l = *len;

	if (!b)
		return;

	while (l > 0 && is_blank(b[0])) {
		b++;
		l--;
	}
	while (l > 0 && is_blank(b[l - 1]))
		l--;

	*buf = b;
	*len = l;
}

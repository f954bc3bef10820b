/* SPDX-License-Identifier: MIT */
/*
 * Feeds the checked number parsers arbitrary bytes and compares them with
 * libc's strtoull()/strtoll() run on a NUL-terminated copy: where libc sees a
 * whole, plain number, ours must agree on the value and on overflow.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool all_digits(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

static void check_u64(const char *buf, size_t size, const char *str)
{
	uint64_t v = 0, w;
	int r = hk_parse_u64(buf, size, 10, &v);
	char out[32];

	if (r != 0 && r != -EINVAL && r != -ERANGE)
		__builtin_trap();
	if (all_digits(buf, size)) {
		unsigned long long ref;
		char *end;

		errno = 0;
		ref = strtoull(str, &end, 10);
		if (end != str + size)
			__builtin_trap();
		if (errno == ERANGE ? r != -ERANGE : (r != 0 || v != ref))
			__builtin_trap();
	} else if (r == 0) {
		__builtin_trap();
	}

	if (r == 0) {
		int n = snprintf(out, sizeof(out), "%" PRIu64, v);

		if (hk_parse_u64(out, (size_t)n, 0, &w) != 0 || w != v)
			__builtin_trap();
		n = snprintf(out, sizeof(out), "0x%" PRIx64, v);
		if (hk_parse_u64(out, (size_t)n, 0, &w) != 0 || w != v)
			__builtin_trap();
	}

	/* The other bases only have to stay in bounds and say something sane. */
	for (unsigned base = 0; base <= 16; base += 8) {
		r = hk_parse_u64(buf, size, base, &w);
		if (r != 0 && r != -EINVAL && r != -ERANGE)
			__builtin_trap();
	}
}

static void check_s64(const char *buf, size_t size, const char *str)
{
	int64_t v = 0;
	int r = hk_parse_s64(buf, size, &v);
	bool neg = size > 0 && buf[0] == '-';

	if (all_digits(buf + neg, size - neg)) {
		long long ref;
		char *end;

		errno = 0;
		ref = strtoll(str, &end, 10);
		if (end != str + size)
			__builtin_trap();
		if (errno == ERANGE ? r != -ERANGE : (r != 0 || v != ref))
			__builtin_trap();
	} else if (r == 0) {
		__builtin_trap();
	}

	if (r == 0) {
		char out[32];
		int n = snprintf(out, sizeof(out), "%" PRId64, v);
		int64_t w;
		int iv;

		if (hk_parse_s64(out, (size_t)n, &w) != 0 || w != v)
			__builtin_trap();
		r = hk_parse_int(buf, size, &iv);
		if ((v >= INT32_MIN && v <= INT32_MAX) ? (r != 0 || iv != v) : r != -ERANGE)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char *str;

	/* The parsers get the fuzzer's exact-size buffer; libc gets a terminated copy. */
	str = malloc(size + 1);
	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';

	check_u64(buf, size, str);
	check_s64(buf, size, str);

	{
		uint32_t u;
		unsigned ur;
		bool b;
		uint64_t p, q;
		int n;

		(void)hk_parse_u32(buf, size, &u);
		(void)hk_parse_unsigned_range(buf, size, 10, 1000, &ur);
		if (hk_parse_bool(buf, size, &b) == 0 && (size == 0 || size > 5))
			__builtin_trap();

		n = hk_parse_u64_prefix(buf, size, &p);
		if (n > 0) {
			if ((size_t)n > size || hk_parse_u64(buf, (size_t)n, 10, &q) != 0 || q != p)
				__builtin_trap();
			if ((size_t)n < size && buf[n] >= '0' && buf[n] <= '9')
				__builtin_trap();
		} else if (n != -EINVAL && n != -ERANGE) {
			__builtin_trap();
		}
	}

	{
		const char *t = buf;
		size_t l = size;

		hk_trim(&t, &l);
		if (t < buf || t + l > buf + size)
			__builtin_trap();
		/* memchr, not strchr: strchr() would find a NUL byte in the set's terminator. */
		if (l > 0 && (memchr(" \t\n\r\v\f", t[0], 6) || memchr(" \t\n\r\v\f", t[l - 1], 6)))
			__builtin_trap();
	}

	free(str);
	return 0;
}

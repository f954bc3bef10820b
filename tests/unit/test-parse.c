/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <stdint.h>

#include "base/parse.h"
#include "tests/test.h"

/* Literal as (buf, len), without its NUL. */
#define S(lit) (lit), (sizeof(lit) - 1)

static void test_u64(void)
{
	uint64_t v;

	CHECK_OK(hk_parse_u64(S("0"), 10, &v));
	CHECK_EQ_U64(v, 0);
	CHECK_OK(hk_parse_u64(S("42"), 10, &v));
	CHECK_EQ_U64(v, 42);
	CHECK_OK(hk_parse_u64(S("007"), 10, &v));
	CHECK_EQ_U64(v, 7);
	CHECK_OK(hk_parse_u64(S("18446744073709551615"), 10, &v));
	CHECK_EQ_U64(v, UINT64_MAX);
	CHECK_OK(hk_parse_u64(S("000000000000000000000018446744073709551615"), 10, &v));
	CHECK_EQ_U64(v, UINT64_MAX);

	/* 2^64 and beyond. */
	CHECK_ERR(hk_parse_u64(S("18446744073709551616"), 10, &v), -ERANGE);
	CHECK_ERR(hk_parse_u64(S("18446744073709551620"), 10, &v), -ERANGE);
	CHECK_ERR(hk_parse_u64(S("99999999999999999999999999"), 10, &v), -ERANGE);
	CHECK_ERR(hk_parse_u64(S("10000000000000000000000000000000000000000"), 0, &v), -ERANGE);
	CHECK_ERR(hk_parse_u64(S("0x10000000000000000"), 0, &v), -ERANGE);
	CHECK_ERR(hk_parse_u64(S("2000000000000000000000"), 8, &v), -ERANGE);
	/* Junk wins over overflow. */
	CHECK_ERR(hk_parse_u64(S("99999999999999999999999999x"), 10, &v), -EINVAL);

	/* Empty, junk, blanks, signs. */
	CHECK_ERR(hk_parse_u64("", 0, 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(NULL, 0, 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S(" 1"), 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("1 "), 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("1\n"), 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("+1"), 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("-1"), 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("12kB"), 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("1.5"), 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("abc"), 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("1\0"), 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("\0\5x1f"), 0, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("\0"), 0, &v), -EINVAL);

	/* Bases. */
	CHECK_OK(hk_parse_u64(S("0x1f"), 0, &v));
	CHECK_EQ_U64(v, 31);
	CHECK_OK(hk_parse_u64(S("0XFF"), 0, &v));
	CHECK_EQ_U64(v, 255);
	CHECK_OK(hk_parse_u64(S("0xffffffffffffffff"), 0, &v));
	CHECK_EQ_U64(v, UINT64_MAX);
	CHECK_OK(hk_parse_u64(S("010"), 0, &v)); /* decimal, not octal */
	CHECK_EQ_U64(v, 10);
	CHECK_OK(hk_parse_u64(S("0"), 0, &v));
	CHECK_EQ_U64(v, 0);
	CHECK_ERR(hk_parse_u64(S("0x"), 0, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("0xg"), 0, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("ff"), 0, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("x1"), 0, &v), -EINVAL);
	CHECK_OK(hk_parse_u64(S("deadBEEF"), 16, &v));
	CHECK_EQ_U64(v, 0xdeadbeef);
	CHECK_OK(hk_parse_u64(S("0x8086"), 16, &v));
	CHECK_EQ_U64(v, 0x8086);
	CHECK_ERR(hk_parse_u64(S("0x"), 16, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("10000000000000000"), 16, &v), -ERANGE);
	CHECK_OK(hk_parse_u64(S("0755"), 8, &v));
	CHECK_EQ_U64(v, 0755);
	CHECK_ERR(hk_parse_u64(S("8"), 8, &v), -EINVAL);
	CHECK_OK(hk_parse_u64(S("1777777777777777777777"), 8, &v));
	CHECK_EQ_U64(v, UINT64_MAX);
	CHECK_ERR(hk_parse_u64(S("a"), 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("1"), 2, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("1"), 36, &v), -EINVAL);

	/* Never reads past len: the digits after it do not count. */
	CHECK_OK(hk_parse_u64("123456", 3, 10, &v));
	CHECK_EQ_U64(v, 123);
	CHECK_OK(hk_parse_u64("0x1fzz", 4, 0, &v));
	CHECK_EQ_U64(v, 31);
	CHECK_OK(hk_parse_u64("0x1fzz", 3, 0, &v));
	CHECK_EQ_U64(v, 1);
	CHECK_ERR(hk_parse_u64("0x1fzz", 2, 0, &v), -EINVAL);

	/* ret is written only on success. */
	v = 77;
	CHECK_ERR(hk_parse_u64(S("x"), 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_u64(S("18446744073709551616"), 10, &v), -ERANGE);
	CHECK_EQ_U64(v, 77);
	CHECK_OK(hk_parse_u64(S("5"), 10, NULL));
}

static void test_s64(void)
{
	int64_t v;

	CHECK_OK(hk_parse_s64(S("0"), &v));
	CHECK_EQ_S64(v, 0);
	CHECK_OK(hk_parse_s64(S("-0"), &v));
	CHECK_EQ_S64(v, 0);
	CHECK_OK(hk_parse_s64(S("-42"), &v));
	CHECK_EQ_S64(v, -42);
	CHECK_OK(hk_parse_s64(S("9223372036854775807"), &v));
	CHECK_EQ_S64(v, INT64_MAX);
	CHECK_OK(hk_parse_s64(S("-9223372036854775808"), &v));
	CHECK_EQ_S64(v, INT64_MIN);
	CHECK_OK(hk_parse_s64(S("-9223372036854775807"), &v));
	CHECK_EQ_S64(v, INT64_MIN + 1);
	CHECK_ERR(hk_parse_s64(S("9223372036854775808"), &v), -ERANGE);
	CHECK_ERR(hk_parse_s64(S("-9223372036854775809"), &v), -ERANGE);
	CHECK_ERR(hk_parse_s64(S("18446744073709551616"), &v), -ERANGE);
	CHECK_ERR(hk_parse_s64(S("-18446744073709551616"), &v), -ERANGE);
	CHECK_ERR(hk_parse_s64(S("-"), &v), -EINVAL);
	CHECK_ERR(hk_parse_s64(S("--1"), &v), -EINVAL);
	CHECK_ERR(hk_parse_s64(S("+1"), &v), -EINVAL);
	CHECK_ERR(hk_parse_s64(S(" -1"), &v), -EINVAL);
	CHECK_ERR(hk_parse_s64(S("- 1"), &v), -EINVAL);
	CHECK_ERR(hk_parse_s64(S("1-"), &v), -EINVAL);
	CHECK_ERR(hk_parse_s64(S("0x10"), &v), -EINVAL);
	CHECK_ERR(hk_parse_s64("", 0, &v), -EINVAL);
	CHECK_OK(hk_parse_s64("-12-", 3, &v));
	CHECK_EQ_S64(v, -12);

	v = 5;
	CHECK_ERR(hk_parse_s64(S("9223372036854775808"), &v), -ERANGE);
	CHECK_EQ_S64(v, 5);
}

static void test_u32_int(void)
{
	uint32_t u;
	int i;

	CHECK_OK(hk_parse_u32(S("4294967295"), &u));
	CHECK_EQ_U64(u, UINT32_MAX);
	CHECK_ERR(hk_parse_u32(S("4294967296"), &u), -ERANGE);
	CHECK_ERR(hk_parse_u32(S("-1"), &u), -EINVAL);
	CHECK_ERR(hk_parse_u32(S("0x10"), &u), -EINVAL);
	CHECK_ERR(hk_parse_u32(S(""), &u), -EINVAL);
	CHECK_OK(hk_parse_u32(S("0"), &u));
	CHECK_EQ_U64(u, 0);

	CHECK_OK(hk_parse_int(S("2147483647"), &i));
	CHECK_EQ_S64(i, INT_MAX);
	CHECK_OK(hk_parse_int(S("-2147483648"), &i));
	CHECK_EQ_S64(i, INT_MIN);
	CHECK_ERR(hk_parse_int(S("2147483648"), &i), -ERANGE);
	CHECK_ERR(hk_parse_int(S("-2147483649"), &i), -ERANGE);
	CHECK_ERR(hk_parse_int(S("1x"), &i), -EINVAL);
	i = 3;
	CHECK_ERR(hk_parse_int(S("99999999999"), &i), -ERANGE);
	CHECK_EQ_S64(i, 3);
}

static void test_range(void)
{
	unsigned v;

	CHECK_OK(hk_parse_unsigned_range(S("5"), 1, 10, &v));
	CHECK_EQ_U64(v, 5);
	CHECK_OK(hk_parse_unsigned_range(S("1"), 1, 10, &v));
	CHECK_EQ_U64(v, 1);
	CHECK_OK(hk_parse_unsigned_range(S("10"), 1, 10, &v));
	CHECK_EQ_U64(v, 10);
	CHECK_ERR(hk_parse_unsigned_range(S("0"), 1, 10, &v), -ERANGE);
	CHECK_ERR(hk_parse_unsigned_range(S("11"), 1, 10, &v), -ERANGE);
	CHECK_OK(hk_parse_unsigned_range(S("4294967295"), 0, UINT_MAX, &v));
	CHECK_EQ_U64(v, UINT_MAX);
	CHECK_ERR(hk_parse_unsigned_range(S("4294967296"), 0, UINT_MAX, &v), -ERANGE);
	CHECK_ERR(hk_parse_unsigned_range(S("18446744073709551616"), 0, UINT_MAX, &v), -ERANGE);
	CHECK_ERR(hk_parse_unsigned_range(S("5x"), 1, 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_unsigned_range(S("-5"), 0, 10, &v), -EINVAL);
	CHECK_ERR(hk_parse_unsigned_range(S(""), 0, 10, &v), -EINVAL);
	/* An empty range is a caller bug. */
	CHECK_ERR(hk_parse_unsigned_range(S("5"), 10, 1, &v), -EINVAL);
}

static void test_bool(void)
{
	static const char *const yes[] = {"1",	 "y",  "Y",  "yes",  "YES",
					  "Yes", "on", "ON", "true", "True"};
	static const char *const no[] = {"0", "n", "N", "no", "NO", "off", "Off", "false", "FALSE"};
	static const char *const bad[] = {"",	" 1",  "1 ",	"1\n", "2",  "yess", "ye",    "o",
					  "of", "tru", "truex", "-1",  "00", "10",   "enable"};
	bool b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		CHECK_OK(hk_parse_bool(yes[i], strlen(yes[i]), &b));
		CHECK(b == true);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = true;
		CHECK_OK(hk_parse_bool(no[i], strlen(no[i]), &b));
		CHECK(b == false);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = true;
		if (hk_parse_bool(bad[i], strlen(bad[i]), &b) != -EINVAL) {
			fprintf(stderr, "%s:%d: bool \"%s\" accepted\n", __FILE__, __LINE__,
				bad[i]);
			test_failures++;
		}
		CHECK(b == true);
	}
	/* Length bounds the word: "yes" cut to 2 bytes is "ye". */
	CHECK_ERR(hk_parse_bool("yes", 2, &b), -EINVAL);
	CHECK_OK(hk_parse_bool("nonsense", 2, &b));
	CHECK(b == false);
	CHECK_ERR(hk_parse_bool(NULL, 0, &b), -EINVAL);
}

static void test_prefix(void)
{
	uint64_t v;

	CHECK_EQ_S64(hk_parse_u64_prefix(S("12 kB"), &v), 2);
	CHECK_EQ_U64(v, 12);
	CHECK_EQ_S64(hk_parse_u64_prefix(S("1-3"), &v), 1);
	CHECK_EQ_U64(v, 1);
	CHECK_EQ_S64(hk_parse_u64_prefix(S("123"), &v), 3);
	CHECK_EQ_U64(v, 123);
	CHECK_EQ_S64(hk_parse_u64_prefix(S("18446744073709551615\n"), &v), 20);
	CHECK_EQ_U64(v, UINT64_MAX);
	CHECK_EQ_S64(hk_parse_u64_prefix("98765", 2, &v), 2);
	CHECK_EQ_U64(v, 98);

	v = 9;
	CHECK_ERR(hk_parse_u64_prefix(S("18446744073709551616 kB"), &v), -ERANGE);
	CHECK_ERR(hk_parse_u64_prefix(S(""), &v), -EINVAL);
	CHECK_ERR(hk_parse_u64_prefix(S(" 1"), &v), -EINVAL);
	CHECK_ERR(hk_parse_u64_prefix(S("-1"), &v), -EINVAL);
	CHECK_ERR(hk_parse_u64_prefix(S("+1"), &v), -EINVAL);
	CHECK_ERR(hk_parse_u64_prefix(S("kB"), &v), -EINVAL);
	CHECK_ERR(hk_parse_u64_prefix(NULL, 0, &v), -EINVAL);
	CHECK_EQ_U64(v, 9);
}

static void check_trim(const char *in, size_t len, const char *want, size_t wlen)
{
	const char *b = in;
	size_t l = len;

	hk_trim(&b, &l);
	if (l != wlen || memcmp(b, want, l) != 0 || b < in || b + l > in + len) {
		fprintf(stderr, "%s:%d: trim of \"%.*s\" gave \"%.*s\", expected \"%.*s\"\n",
			__FILE__, __LINE__, (int)len, in, (int)l, b, (int)wlen, want);
		test_failures++;
	}
}

static void test_trim(void)
{
	check_trim(S(""), S(""));
	check_trim(S("\n"), S(""));
	check_trim(S(" \t\r\n "), S(""));
	check_trim(S("abc"), S("abc"));
	check_trim(S("abc\n"), S("abc"));
	check_trim(S("  a b  \n"), S("a b"));
	check_trim(S("\ta\tb\t"), S("a\tb"));
	check_trim(S("\n\nx\n\n"), S("x"));
	/* A NUL is not a blank (found by fuzz-number: "\0\5x1f"). */
	check_trim("\0\5x1f", 5, S("\0\5x1f"));
	check_trim(" \0 ", 3, S("\0"));
	/* Only len counts: the blank after it is outside. */
	check_trim("x y", 2, S("x"));

	const char *b = NULL;
	size_t l = 0;
	hk_trim(&b, &l);
	CHECK(b == NULL && l == 0);
}

/* Every prefix of every length of a buffer with no NUL: ASan/valgrind watch the reads. */
static void test_no_overread(void)
{
	static const char *const inputs[] = {
	    "18446744073709551615", "0x1f", "-9223372036854775808", "yes", "false", "12 kB"};

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		size_t n = strlen(inputs[i]);

		for (size_t l = 0; l <= n; l++) {
			char *p = malloc(l ? l : 1);
			uint64_t u;
			int64_t s;
			bool b;
			const char *tb = p;
			size_t tl = l;

			CHECK(p);
			if (!p)
				return;
			memcpy(p, inputs[i], l);
			(void)hk_parse_u64(p, l, 0, &u);
			(void)hk_parse_u64(p, l, 16, &u);
			(void)hk_parse_s64(p, l, &s);
			(void)hk_parse_bool(p, l, &b);
			(void)hk_parse_u64_prefix(p, l, &u);
			hk_trim(&tb, &tl);
			free(p);
		}
	}
}

int main(void)
{
	test_u64();
	test_s64();
	test_u32_int();
	test_range();
	test_bool();
	test_prefix();
	test_trim();
	test_no_overread();
	TEST_DONE();
}

/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <sched.h>
#include <stdint.h>

#include <hostkit/cpuset.h>

#include "base/macro.h"
#include "tests/test.h"

#define S(lit) (lit), (sizeof(lit) - 1)

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_cpuset *, hk_cpuset_free)
#define _cleanup_cpuset_ _cleanup_(hk_cpuset_freep)

/* The set's list form, in a static buffer (tests are single threaded). */
static const char *list_of(const hk_cpuset *s)
{
	static char buf[40000];

	hk_cpuset_format_list(s, buf, sizeof(buf));
	return buf;
}

static hk_cpuset *set_of(const char *list)
{
	hk_cpuset *s = hk_cpuset_new();

	if (!s || hk_cpuset_parse_list(s, list, strlen(list)) < 0) {
		fprintf(stderr, "cannot build set '%s'\n", list);
		exit(1);
	}
	return s;
}

/* Parses @in as a list; @want is the formatted result, or NULL when @err is expected. */
static void check_list(int line, const char *in, size_t len, int err, const char *want)
{
	_cleanup_cpuset_ hk_cpuset *s = set_of("4242");
	int r = hk_cpuset_parse_list(s, in, len);

	if (r != err) {
		fprintf(stderr,
			"test-cpuset.c:%d: parse_list(\"%.*s\") = %d (%s), expected %d (%s)\n",
			line, (int)len, in, r, test_errname(r), err, test_errname(err));
		test_failures++;
		return;
	}
	if (err < 0) {
		/* A failed parse leaves the set as it was. */
		if (strcmp(list_of(s), "4242") != 0) {
			fprintf(stderr, "test-cpuset.c:%d: parse_list(\"%.*s\") changed the set\n",
				line, (int)len, in);
			test_failures++;
		}
		return;
	}
	if (strcmp(list_of(s), want) != 0) {
		fprintf(stderr,
			"test-cpuset.c:%d: parse_list(\"%.*s\") gave \"%s\", expected \"%s\"\n",
			line, (int)len, in, list_of(s), want);
		test_failures++;
	}
}

static void check_mask(int line, const char *in, size_t len, int err, const char *want)
{
	_cleanup_cpuset_ hk_cpuset *s = set_of("4242");
	int r = hk_cpuset_parse_mask(s, in, len);

	if (r != err) {
		fprintf(
		    stderr, "test-cpuset.c:%d: parse_mask(\"%.*s\") = %d (%s), expected %d (%s)\n",
		    line, len > 80 ? 80 : (int)len, in, r, test_errname(r), err, test_errname(err));
		test_failures++;
		return;
	}
	if (err < 0) {
		if (strcmp(list_of(s), "4242") != 0) {
			fprintf(stderr, "test-cpuset.c:%d: parse_mask() changed the set\n", line);
			test_failures++;
		}
		return;
	}
	if (strcmp(list_of(s), want) != 0) {
		fprintf(stderr,
			"test-cpuset.c:%d: parse_mask(\"%.*s\") gave \"%s\", expected \"%s\"\n",
			line, len > 80 ? 80 : (int)len, in, list_of(s), want);
		test_failures++;
	}
}

#define LIST_OK(in, want) check_list(__LINE__, S(in), 0, want)
#define LIST_ERR(in, err) check_list(__LINE__, S(in), err, NULL)
#define MASK_OK(in, want) check_mask(__LINE__, S(in), 0, want)
#define MASK_ERR(in, err) check_mask(__LINE__, S(in), err, NULL)

static void test_basic(void)
{
	_cleanup_cpuset_ hk_cpuset *s = hk_cpuset_new();
	unsigned seen[8], n = 0;

	CHECK(s);
	if (!s)
		return;
	CHECK(hk_cpuset_is_empty(s));
	CHECK_EQ_U64(hk_cpuset_count(s), 0);
	CHECK_ERR(hk_cpuset_first(s), -ENOENT);
	CHECK_ERR(hk_cpuset_last(s), -ENOENT);
	CHECK_ERR(hk_cpuset_next(s, 0), -ENOENT);
	CHECK(!hk_cpuset_test(s, 0));
	CHECK(!hk_cpuset_test(s, UINT_MAX));
	hk_cpuset_remove(s, 5000); /* beyond capacity: nothing to do */
	CHECK_STREQ(list_of(s), "");

	CHECK_OK(hk_cpuset_add(s, 3));
	CHECK_OK(hk_cpuset_add(s, 3));
	CHECK_OK(hk_cpuset_add(s, 64));
	CHECK_OK(hk_cpuset_add(s, 0));
	CHECK_OK(hk_cpuset_add(s, 8191));
	CHECK_ERR(hk_cpuset_add(s, 8192), -ERANGE);
	CHECK_ERR(hk_cpuset_add(s, UINT_MAX), -ERANGE);
	CHECK(!hk_cpuset_is_empty(s));
	CHECK_EQ_U64(hk_cpuset_count(s), 4);
	CHECK(hk_cpuset_test(s, 3) && hk_cpuset_test(s, 64) && hk_cpuset_test(s, 8191));
	CHECK(!hk_cpuset_test(s, 63) && !hk_cpuset_test(s, 65) && !hk_cpuset_test(s, 8192));
	CHECK_EQ_S64(hk_cpuset_first(s), 0);
	CHECK_EQ_S64(hk_cpuset_next(s, 0), 3);
	CHECK_EQ_S64(hk_cpuset_next(s, 3), 64);
	CHECK_EQ_S64(hk_cpuset_next(s, 4), 64);
	CHECK_EQ_S64(hk_cpuset_next(s, 64), 8191);
	CHECK_ERR(hk_cpuset_next(s, 8191), -ENOENT);
	CHECK_ERR(hk_cpuset_next(s, 8192), -ENOENT);
	CHECK_ERR(hk_cpuset_next(s, UINT_MAX), -ENOENT);
	CHECK_EQ_S64(hk_cpuset_last(s), 8191);

	HK_CPUSET_FOREACH (cpu, s) {
		if (n < 8)
			seen[n] = (unsigned)cpu;
		n++;
	}
	CHECK_EQ_U64(n, 4);
	CHECK(seen[0] == 0 && seen[1] == 3 && seen[2] == 64 && seen[3] == 8191);

	hk_cpuset_remove(s, 8191);
	hk_cpuset_remove(s, 0);
	CHECK_EQ_S64(hk_cpuset_last(s), 64);
	CHECK_EQ_S64(hk_cpuset_first(s), 3);
	CHECK_STREQ(list_of(s), "3,64");

	hk_cpuset_clear(s);
	CHECK(hk_cpuset_is_empty(s));
	CHECK_ERR(hk_cpuset_last(s), -ENOENT);

	CHECK_OK(hk_cpuset_add_range(s, 2, 2));
	CHECK_OK(hk_cpuset_add_range(s, 60, 130));
	CHECK_OK(hk_cpuset_add_range(s, 8128, 8191));
	CHECK_ERR(hk_cpuset_add_range(s, 3, 1), -EINVAL);
	CHECK_ERR(hk_cpuset_add_range(s, 9000, 1), -EINVAL);
	CHECK_ERR(hk_cpuset_add_range(s, 8000, 8192), -ERANGE);
	CHECK_ERR(hk_cpuset_add_range(s, 0, UINT_MAX), -ERANGE);
	CHECK_STREQ(list_of(s), "2,60-130,8128-8191");
	CHECK_EQ_U64(hk_cpuset_count(s), 1 + 71 + 64);
	CHECK_OK(hk_cpuset_add_range(s, 0, 8191));
	CHECK_EQ_U64(hk_cpuset_count(s), 8192);
	CHECK_STREQ(list_of(s), "0-8191");

	hk_cpuset_free(NULL);
}

static void test_algebra(void)
{
	_cleanup_cpuset_ hk_cpuset *small = set_of("0-2");
	_cleanup_cpuset_ hk_cpuset *big = set_of("2,5000");
	_cleanup_cpuset_ hk_cpuset *d = NULL;
	_cleanup_cpuset_ hk_cpuset *wide_empty = set_of("8000");
	_cleanup_cpuset_ hk_cpuset *empty = hk_cpuset_new();

	/* A set whose capacity outgrew its contents equals a small one. */
	hk_cpuset_remove(wide_empty, 8000);
	CHECK(hk_cpuset_is_empty(wide_empty));
	CHECK(hk_cpuset_equal(wide_empty, empty));
	CHECK(hk_cpuset_equal(empty, wide_empty));
	CHECK_OK(hk_cpuset_add(wide_empty, 1));
	CHECK(!hk_cpuset_equal(wide_empty, small));
	CHECK(hk_cpuset_is_subset(wide_empty, small));
	CHECK(!hk_cpuset_is_subset(small, wide_empty));
	CHECK(hk_cpuset_intersects(wide_empty, small));
	CHECK(hk_cpuset_intersects(small, wide_empty));
	CHECK(!hk_cpuset_intersects(empty, small));
	CHECK(hk_cpuset_is_subset(empty, small));
	CHECK(hk_cpuset_is_subset(empty, empty));
	CHECK(!hk_cpuset_is_subset(small, empty));

	CHECK(hk_cpuset_intersects(small, big));
	CHECK(!hk_cpuset_is_subset(small, big));
	CHECK(!hk_cpuset_is_subset(big, small));

	d = hk_cpuset_dup(small);
	CHECK(d && hk_cpuset_equal(d, small));
	if (!d)
		return;
	CHECK_OK(hk_cpuset_or(d, big));
	CHECK_STREQ(list_of(d), "0-2,5000");
	CHECK(hk_cpuset_is_subset(small, d) && hk_cpuset_is_subset(big, d));

	CHECK_OK(hk_cpuset_copy(d, small));
	hk_cpuset_and(d, big);
	CHECK_STREQ(list_of(d), "2");

	CHECK_OK(hk_cpuset_copy(d, big));
	hk_cpuset_and(d, small); /* big AND small: the high word must go */
	CHECK_STREQ(list_of(d), "2");
	CHECK_EQ_S64(hk_cpuset_last(d), 2);

	CHECK_OK(hk_cpuset_copy(d, big));
	hk_cpuset_andnot(d, small);
	CHECK_STREQ(list_of(d), "5000");
	CHECK_OK(hk_cpuset_copy(d, small));
	hk_cpuset_andnot(d, big);
	CHECK_STREQ(list_of(d), "0-1");

	/* Copying a small set over a big one clears the big one's high words. */
	CHECK_OK(hk_cpuset_copy(d, big));
	CHECK_OK(hk_cpuset_copy(d, small));
	CHECK(hk_cpuset_equal(d, small));
	CHECK_EQ_S64(hk_cpuset_last(d), 2);
	CHECK_OK(hk_cpuset_copy(d, d));
	CHECK(hk_cpuset_equal(d, small));
	CHECK_OK(hk_cpuset_or(d, d));
	CHECK(hk_cpuset_equal(d, small));
	hk_cpuset_and(d, d);
	CHECK(hk_cpuset_equal(d, small));
	hk_cpuset_andnot(d, d);
	CHECK(hk_cpuset_is_empty(d));

	CHECK_OK(hk_cpuset_or(d, empty));
	CHECK(hk_cpuset_is_empty(d));
	CHECK_OK(hk_cpuset_or(empty, empty));
	hk_cpuset_and(empty, big);
	CHECK(hk_cpuset_is_empty(empty));

	_cleanup_cpuset_ hk_cpuset *e2 = hk_cpuset_dup(empty);
	CHECK(e2 && hk_cpuset_is_empty(e2));
}

static void test_parse_list(void)
{
	LIST_OK("", "");
	LIST_OK("\n", "");
	LIST_OK("  \n", "");
	LIST_OK("0", "0");
	LIST_OK("0\n", "0");
	LIST_OK("  0-3 \n", "0-3");
	LIST_OK("\t0-3,8-11\n", "0-3,8-11");
	LIST_OK("0-3,8-11", "0-3,8-11");
	LIST_OK("0,1", "0-1");
	LIST_OK("1,0", "0-1");
	LIST_OK("0-1", "0-1");
	LIST_OK("3,3,3", "3");
	LIST_OK("0-5,2-3", "0-5");
	LIST_OK("007", "7");
	LIST_OK("0-0", "0");
	LIST_OK("8191", "8191");
	LIST_OK("0-8191", "0-8191");
	LIST_OK("63,64,127-128", "63-64,127-128");
	/* The stride form of bitmap_parselist(): groups start at the range's start. */
	LIST_OK("0-31:2/4", "0-1,4-5,8-9,12-13,16-17,20-21,24-25,28-29");
	LIST_OK("9-38:4/10", "9-12,19-22,29-32");
	LIST_OK("0-9:3/4", "0-2,4-6,8-9");
	LIST_OK("0-7:1/1", "0-7");
	LIST_OK("0-7:3/3", "0-7");
	LIST_OK("0-7:4/4", "0-7");
	LIST_OK("5-5:1/2", "5");
	LIST_OK("0-9:1/100000", "0");
	LIST_OK("0-9:1/18446744073709551615", "0");
	/* used == 0: the kernel's bitmap_check_region() accepts it and sets nothing. */
	LIST_OK("0-3:0/4", "");
	LIST_OK("1,0-3:0/4", "1");
	LIST_OK("0-1:2/4,8", "0-1,8");

	LIST_ERR("3-1", -EINVAL);
	LIST_ERR("9000-1", -EINVAL);
	LIST_ERR("a", -EINVAL);
	LIST_ERR("0-", -EINVAL);
	LIST_ERR("-1", -EINVAL);
	LIST_ERR("-", -EINVAL);
	LIST_ERR(",", -EINVAL);
	LIST_ERR("0,", -EINVAL);
	LIST_ERR(",0", -EINVAL);
	LIST_ERR("0,,1", -EINVAL);
	LIST_ERR("0 1", -EINVAL);
	LIST_ERR("0, 1", -EINVAL);
	LIST_ERR("0 ,1", -EINVAL);
	LIST_ERR("0\n1", -EINVAL);
	LIST_ERR("0 - 3", -EINVAL);
	LIST_ERR("0--3", -EINVAL);
	LIST_ERR("0-3-5", -EINVAL);
	LIST_ERR("1x", -EINVAL);
	LIST_ERR("0x1", -EINVAL);
	LIST_ERR("+1", -EINVAL);
	LIST_ERR("N", -EINVAL);
	LIST_ERR("all", -EINVAL);
	LIST_ERR("0-3:2", -EINVAL);
	LIST_ERR("0-3:2/", -EINVAL);
	LIST_ERR("0-3:/4", -EINVAL);
	LIST_ERR("0-3:2/4/", -EINVAL);
	LIST_ERR("0-3:2/4x", -EINVAL);
	LIST_ERR("0-3:2/4:1", -EINVAL);
	LIST_ERR("0-3:5/4", -EINVAL);
	LIST_ERR("0-3:1/0", -EINVAL);
	LIST_ERR("0-3:0/0", -EINVAL);
	LIST_ERR("5:1/2", -EINVAL);
	LIST_ERR("0-3,x", -EINVAL);
	check_list(__LINE__, "1\0", 2, -EINVAL, NULL);

	LIST_ERR("8192", -ERANGE);
	LIST_ERR("0-8192", -ERANGE);
	LIST_ERR("8191-8192", -ERANGE);
	LIST_ERR("0,1,100000", -ERANGE);
	LIST_ERR("99999999999999999999", -ERANGE);
	LIST_ERR("0-99999999999999999999", -ERANGE);
	/* 2^64 - 1 itself parses: the range check must not see last - first + 1 wrap to 0. */
	LIST_ERR("0-18446744073709551615", -ERANGE);
	LIST_ERR("1-18446744073709551615", -ERANGE);
	LIST_ERR("18446744073709551615", -ERANGE);
	LIST_ERR("0-18446744073709551615:1/2", -ERANGE);
	LIST_ERR("0-8192:1/2", -ERANGE);
	LIST_ERR("0-9:1/18446744073709551616", -ERANGE);
	/* Malformed text wins over a CPU out of range, wherever it is. */
	LIST_ERR("8192,x", -EINVAL);
	LIST_ERR("99999999999999999999x", -EINVAL);
	LIST_ERR("8192-1", -EINVAL);

	/* Never reads past len. */
	check_list(__LINE__, "0-3,5", 3, 0, "0-3");
	check_list(__LINE__, "12", 1, 0, "1");
	check_list(__LINE__, NULL, 0, 0, "");

	/* The stride form over the whole range. */
	_cleanup_cpuset_ hk_cpuset *s = set_of("0-8191:1/2");
	CHECK_EQ_U64(hk_cpuset_count(s), 4096);
	CHECK(hk_cpuset_test(s, 8190) && !hk_cpuset_test(s, 8191));
}

/* A mask of @words words, each @fill, with @top as the most significant word. */
static char *make_mask(size_t words, const char *top, const char *fill)
{
	size_t cap = words * 10 + 16;
	char *m = malloc(cap), *p = m;

	if (!m)
		exit(1);
	p += sprintf(p, "%s", top);
	for (size_t i = 1; i < words; i++)
		p += sprintf(p, ",%s", fill);
	return m;
}

static void test_parse_mask(void)
{
	MASK_OK("", "");
	MASK_OK("\n", "");
	MASK_OK("0", "");
	MASK_OK("00000000", "");
	MASK_OK("f", "0-3");
	MASK_OK("f\n", "0-3");
	MASK_OK(" f \n", "0-3");
	MASK_OK("F", "0-3");
	MASK_OK("0000000f", "0-3");
	MASK_OK("80000000", "31");
	MASK_OK("1,00000000", "32");
	MASK_OK("1,0", "32");
	MASK_OK("ff,00000001", "0,32-39");
	MASK_OK("00000000,0000000f\n", "0-3");
	MASK_OK("ffffffff,ffffffff", "0-63");
	MASK_OK("FFFFFFFF,FFFFFFFF,ffffffff", "0-95");
	MASK_OK("1,0,0,0", "96");
	MASK_OK("5555", "0,2,4,6,8,10,12,14");

	MASK_ERR(",f", -EINVAL);
	MASK_ERR("f,", -EINVAL);
	MASK_ERR("f,,f", -EINVAL);
	MASK_ERR(",", -EINVAL);
	MASK_ERR("g", -EINVAL);
	MASK_ERR("0x1", -EINVAL);
	MASK_ERR("123456789", -EINVAL);
	MASK_ERR("000000000", -EINVAL);
	MASK_ERR("f f", -EINVAL);
	MASK_ERR("f, f", -EINVAL);
	MASK_ERR("f ,f", -EINVAL);
	MASK_ERR("-1", -EINVAL);
	MASK_ERR("+1", -EINVAL);
	MASK_ERR("f\n\nf", -EINVAL);
	check_mask(__LINE__, "f\0", 2, -EINVAL, NULL);
	check_mask(__LINE__, "ff,1", 2, 0, "0-7");

	/* 256 words, the most HK_CPU_MAX needs. */
	char *m = make_mask(256, "80000000", "00000000");
	check_mask(__LINE__, m, strlen(m), 0, "8191");
	free(m);
	m = make_mask(256, "ffffffff", "ffffffff");
	check_mask(__LINE__, m, strlen(m), 0, "0-8191");
	free(m);
	/* A bit at 8192. */
	m = make_mask(257, "1", "00000000");
	check_mask(__LINE__, m, strlen(m), -ERANGE, NULL);
	free(m);
	m = make_mask(257, "80000000", "ffffffff");
	check_mask(__LINE__, m, strlen(m), -ERANGE, NULL);
	free(m);
	/* Zero words above the limit, as big NR_CPUS kernels print, are fine. */
	m = make_mask(9000, "00000000", "00000000");
	strcpy(m + strlen(m) - 8, "00000001");
	check_mask(__LINE__, m, strlen(m), 0, "0");
	free(m);
	m = make_mask(9000, "0", "0");
	check_mask(__LINE__, m, strlen(m), 0, "");
	free(m);
	/* Malformed wins over out of range. */
	m = make_mask(300, "1", "0");
	m[strlen(m) - 1] = 'x';
	check_mask(__LINE__, m, strlen(m), -EINVAL, NULL);
	free(m);
}

static void test_format_list(void)
{
	_cleanup_cpuset_ hk_cpuset *s = set_of("0-3,8,10-11,8191");
	const char *want = "0-3,8,10-11,8191";
	size_t wl = strlen(want);
	char buf[64];

	CHECK_EQ_U64(hk_cpuset_format_list(s, NULL, 0), wl);
	for (size_t size = 1; size <= wl + 2; size++) {
		memset(buf, 'Z', sizeof(buf));
		CHECK_EQ_U64(hk_cpuset_format_list(s, buf, size), wl);
		CHECK(strlen(buf) == (size - 1 < wl ? size - 1 : wl));
		CHECK(strncmp(buf, want, strlen(buf)) == 0);
		CHECK(buf[size] == 'Z'); /* nothing past size */
	}

	_cleanup_cpuset_ hk_cpuset *e = hk_cpuset_new();
	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ_U64(hk_cpuset_format_list(e, buf, sizeof(buf)), 0);
	CHECK_STREQ(buf, "");
	buf[0] = 'Z';
	CHECK_EQ_U64(hk_cpuset_format_list(s, buf, 1), wl);
	CHECK(buf[0] == '\0');

	char *l = hk_cpuset_to_list(s);
	CHECK_STREQ(l, want);
	free(l);
	l = hk_cpuset_to_list(e);
	CHECK_STREQ(l, "");
	free(l);

	_cleanup_cpuset_ hk_cpuset *pair = set_of("0,1,3,4,5,7");
	CHECK_STREQ(list_of(pair), "0-1,3-5,7");
}

static void test_format_mask(void)
{
	_cleanup_cpuset_ hk_cpuset *s = set_of("0-3");
	_cleanup_cpuset_ hk_cpuset *e = hk_cpuset_new();
	_cleanup_cpuset_ hk_cpuset *hi = set_of("40");
	char buf[4096];

	hk_cpuset_format_mask(e, 0, buf, sizeof(buf));
	CHECK_STREQ(buf, "00000000");
	CHECK_EQ_U64(hk_cpuset_format_mask(e, 64, buf, sizeof(buf)), 17);
	CHECK_STREQ(buf, "00000000,00000000");
	hk_cpuset_format_mask(s, 0, buf, sizeof(buf));
	CHECK_STREQ(buf, "0000000f");
	hk_cpuset_format_mask(s, 1, buf, sizeof(buf));
	CHECK_STREQ(buf, "0000000f");
	hk_cpuset_format_mask(s, 32, buf, sizeof(buf));
	CHECK_STREQ(buf, "0000000f");
	hk_cpuset_format_mask(s, 33, buf, sizeof(buf));
	CHECK_STREQ(buf, "00000000,0000000f");
	hk_cpuset_format_mask(s, 64, buf, sizeof(buf));
	CHECK_STREQ(buf, "00000000,0000000f");
	/* The highest CPU wins over a too small nbits. */
	hk_cpuset_format_mask(hi, 4, buf, sizeof(buf));
	CHECK_STREQ(buf, "00000100,00000000");
	hk_cpuset_format_mask(hi, 96, buf, sizeof(buf));
	CHECK_STREQ(buf, "00000000,00000100,00000000");

	_cleanup_cpuset_ hk_cpuset *m = set_of("0,31-32,63,64,95");
	hk_cpuset_format_mask(m, 0, buf, sizeof(buf));
	CHECK_STREQ(buf, "80000001,80000001,80000001");

	/* Truncation behaves as snprintf. */
	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ_U64(hk_cpuset_format_mask(s, 64, buf, 5), 17);
	CHECK_STREQ(buf, "0000");
	CHECK(buf[5] == 'Z');
	CHECK_EQ_U64(hk_cpuset_format_mask(s, 64, NULL, 0), 17);

	/* A full 8192-CPU mask: 256 words. */
	_cleanup_cpuset_ hk_cpuset *full = set_of("0-8191");
	_cleanup_cpuset_ hk_cpuset *back = hk_cpuset_new();
	char *big = malloc(256 * 9 + 1);
	CHECK(big);
	if (!big)
		return;
	CHECK_EQ_U64(hk_cpuset_format_mask(full, 8192, big, 256 * 9), 256 * 9 - 1);
	CHECK(strlen(big) == 256 * 9 - 1);
	CHECK(strncmp(big, "ffffffff,", 9) == 0);
	CHECK_OK(hk_cpuset_parse_mask(back, big, strlen(big)));
	CHECK(hk_cpuset_equal(full, back));
	CHECK_OK(hk_cpuset_parse_list(full, S("8191")));
	hk_cpuset_format_mask(full, 0, big, 256 * 9);
	CHECK(strlen(big) == 256 * 9 - 1);
	CHECK(strncmp(big, "80000000,00000000,", 18) == 0);
	CHECK_OK(hk_cpuset_parse_mask(back, big, strlen(big)));
	CHECK_STREQ(list_of(back), "8191");
	free(big);
}

/* xorshift64: deterministic, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_round_trip(void)
{
	_cleanup_cpuset_ hk_cpuset *back = hk_cpuset_new();
	_cleanup_free_ char *buf = malloc(40000);

	CHECK(back && buf);
	if (!back || !buf)
		return;

	for (unsigned iter = 0; iter < 1000; iter++) {
		_cleanup_cpuset_ hk_cpuset *s = hk_cpuset_new();
		unsigned limit = 1 + (unsigned)(rnd() % HK_CPU_MAX);
		unsigned mode = (unsigned)(rnd() % 4);
		size_t n;

		if (!s)
			exit(1);
		if (mode == 0) {
			/* sparse */
			for (unsigned k = (unsigned)(rnd() % 20); k > 0; k--)
				CHECK_OK(hk_cpuset_add(s, (unsigned)(rnd() % limit)));
		} else if (mode == 1) {
			/* runs */
			for (unsigned k = (unsigned)(rnd() % 10); k > 0; k--) {
				unsigned a = (unsigned)(rnd() % limit);
				unsigned b = a + (unsigned)(rnd() % 200);
				CHECK_OK(hk_cpuset_add_range(s, a, b < limit ? b : limit - 1));
			}
		} else {
			/* dense random bits, density 1/2 or 1/8 */
			unsigned shift = mode == 2 ? 1 : 3;
			for (unsigned c = 0; c < limit; c++)
				if ((rnd() & ((1u << shift) - 1)) == 0)
					CHECK_OK(hk_cpuset_add(s, c));
		}

		n = hk_cpuset_format_list(s, buf, 40000);
		CHECK(n < 40000);
		CHECK_OK(hk_cpuset_parse_list(back, buf, n));
		if (!hk_cpuset_equal(s, back)) {
			fprintf(stderr, "list round trip %u failed: %s\n", iter, buf);
			test_failures++;
		}

		unsigned nbits = (unsigned)(rnd() % (HK_CPU_MAX + 100));
		n = hk_cpuset_format_mask(s, nbits, buf, 40000);
		CHECK(n < 40000);
		CHECK_OK(hk_cpuset_parse_mask(back, buf, n));
		if (!hk_cpuset_equal(s, back)) {
			fprintf(stderr, "mask round trip %u failed: %.60s\n", iter, buf);
			test_failures++;
		}

		char *l = hk_cpuset_to_list(s);
		hk_cpuset_format_list(s, buf, 40000);
		CHECK_STREQ(l, buf);
		free(l);

		/* Iteration agrees with test() and count(). */
		unsigned cnt = 0;
		int prev = -1;
		HK_CPUSET_FOREACH (cpu, s) {
			CHECK(cpu > prev && hk_cpuset_test(s, (unsigned)cpu));
			prev = cpu;
			cnt++;
		}
		CHECK_EQ_U64(cnt, hk_cpuset_count(s));
		CHECK_EQ_S64(prev, hk_cpuset_is_empty(s) ? -1 : hk_cpuset_last(s));
	}
}

static void test_cpu_set(void)
{
	_cleanup_cpuset_ hk_cpuset *s = set_of("0,5,1023");
	_cleanup_cpuset_ hk_cpuset *back = hk_cpuset_new();
	cpu_set_t set;

	CHECK_OK(hk_cpuset_to_cpu_set(s, &set, sizeof(set)));
	CHECK(CPU_COUNT(&set) == 3);
	CHECK(CPU_ISSET(0, &set) && CPU_ISSET(5, &set) && CPU_ISSET(1023, &set));
	CHECK_OK(hk_cpuset_from_cpu_set(back, &set, sizeof(set)));
	CHECK(hk_cpuset_equal(s, back));

	/* 1024 does not fit a cpu_set_t: -ERANGE, the set untouched. */
	CHECK_OK(hk_cpuset_add(s, 1024));
	memset(&set, 0xa5, sizeof(set));
	CHECK_ERR(hk_cpuset_to_cpu_set(s, &set, sizeof(set)), -ERANGE);
	CHECK(((unsigned char *)&set)[0] == 0xa5);
	/* A setsize of 1 byte holds CPUs 0-7. */
	_cleanup_cpuset_ hk_cpuset *low = set_of("7");
	CHECK_OK(hk_cpuset_to_cpu_set(low, &set, 1));
	CHECK(CPU_ISSET_S(7, 1, &set));
	CHECK_OK(hk_cpuset_add(low, 8));
	CHECK_ERR(hk_cpuset_to_cpu_set(low, &set, 1), -ERANGE);

	/* Dynamic sets, as sched_getaffinity() on big machines. */
	size_t size = CPU_ALLOC_SIZE(9000);
	cpu_set_t *dyn = CPU_ALLOC(9000);
	CHECK(dyn);
	if (!dyn)
		return;
	CPU_ZERO_S(size, dyn);
	CPU_SET_S(8191, size, dyn);
	CPU_SET_S(1, size, dyn);
	CHECK_OK(hk_cpuset_from_cpu_set(back, dyn, size));
	CHECK_STREQ(list_of(back), "1,8191");
	CPU_SET_S(8192, size, dyn);
	CHECK_ERR(hk_cpuset_from_cpu_set(back, dyn, size), -ERANGE);
	CHECK_STREQ(list_of(back), "1,8191");
	CPU_ZERO_S(size, dyn);
	CPU_SET_S(8999, size, dyn);
	CHECK_ERR(hk_cpuset_from_cpu_set(back, dyn, size), -ERANGE);

	_cleanup_cpuset_ hk_cpuset *all = set_of("0-8191");
	CHECK_OK(hk_cpuset_to_cpu_set(all, dyn, size));
	CHECK(CPU_COUNT_S(size, dyn) == 8192);
	CHECK(!CPU_ISSET_S(8192, size, dyn));
	CHECK_OK(hk_cpuset_from_cpu_set(back, dyn, size));
	CHECK(hk_cpuset_equal(all, back));
	CPU_FREE(dyn);

	/* A zero-size set is empty. */
	CHECK_OK(hk_cpuset_from_cpu_set(back, &set, 0));
	CHECK(hk_cpuset_is_empty(back));
}

int main(void)
{
	test_basic();
	test_algebra();
	test_parse_list();
	test_parse_mask();
	test_format_list();
	test_format_mask();
	test_round_trip();
	test_cpu_set();
	TEST_DONE();
}

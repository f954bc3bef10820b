/* SPDX-License-Identifier: MIT */
#ifndef HK_TESTS_TEST_H
#define HK_TESTS_TEST_H

/*
 * A tiny test harness. A test program exits 0 when every check passed, 1
 * when one failed (it keeps going, so one run shows every failure), and 77
 * (skip) through SKIP() with the reason printed. Checks print the
 * expression, file:line and, for errors, the errno name.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;

static inline const char *test_errname(int e)
{
	if (e < 0)
		e = -e;
	const char *n = strerrorname_np(e);
	return n ? n : "?";
}

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		if (!(expr)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr);   \
			test_failures++;                                                           \
		}                                                                                  \
	} while (0)

/* An int-returning call that must succeed (>= 0). */
#define CHECK_OK(expr)                                                                             \
	({                                                                                         \
		long _r = (long)(expr);                                                            \
		if (_r < 0) {                                                                      \
			fprintf(stderr, "%s:%d: %s failed: %ld (%s)\n", __FILE__, __LINE__, #expr, \
				_r, test_errname((int)_r));                                        \
			test_failures++;                                                           \
		}                                                                                  \
		_r;                                                                                \
	})

/* An int-returning call that must return exactly @err: a negative errno, or a value. */
#define CHECK_ERR(expr, err)                                                                       \
	do {                                                                                       \
		long _r = (long)(expr), _e = (long)(err);                                          \
		if (_r != _e) {                                                                    \
			fprintf(stderr, "%s:%d: %s returned %ld (%s), expected %ld (%s)\n",        \
				__FILE__, __LINE__, #expr, _r,                                     \
				_r < 0 ? test_errname((int)_r) : "success", _e,                    \
				_e < 0 ? test_errname((int)_e) : "success");                       \
			test_failures++;                                                           \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                         \
	do {                                                                                       \
		uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);                                   \
		if (_a != _b) {                                                                    \
			fprintf(stderr, "%s:%d: %s == %s failed: %" PRIu64 " != %" PRIu64 "\n",    \
				__FILE__, __LINE__, #a, #b, _a, _b);                               \
			test_failures++;                                                           \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_S64(a, b)                                                                         \
	do {                                                                                       \
		int64_t _a = (int64_t)(a), _b = (int64_t)(b);                                      \
		if (_a != _b) {                                                                    \
			fprintf(stderr, "%s:%d: %s == %s failed: %" PRId64 " != %" PRId64 "\n",    \
				__FILE__, __LINE__, #a, #b, _a, _b);                               \
			test_failures++;                                                           \
		}                                                                                  \
	} while (0)

#define CHECK_STREQ(a, b)                                                                          \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                                           \
			fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,    \
				__LINE__, #a, #b, _a ? _a : "(null)", _b ? _b : "(null)");         \
			test_failures++;                                                           \
		}                                                                                  \
	} while (0)

/*
 * For the tests that print a line per comparison (the peer and host suites):
 * "ok    MESSAGE" or "FAIL  MESSAGE", a failure counted as a failed check.
 */
static inline __attribute__((format(printf, 2, 3))) void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%-5s ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		test_failures++;
}

/* A line that is not a check: "note  MESSAGE". */
static inline __attribute__((format(printf, 1, 2))) void note(const char *fmt, ...)
{
	va_list ap;

	printf("note  ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Stops the test as skipped, printing why. */
#define SKIP(...)                                                                                  \
	do {                                                                                       \
		printf("SKIP: ");                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		exit(77);                                                                          \
	} while (0)

/* Ends main(). */
#define TEST_DONE()                                                                                \
	do {                                                                                       \
		if (test_failures) {                                                               \
			fprintf(stderr, "%d check(s) failed\n", test_failures);                    \
			return 1;                                                                  \
		}                                                                                  \
		return 0;                                                                          \
	} while (0)

#endif

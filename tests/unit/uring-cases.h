/* SPDX-License-Identifier: MIT */
/*
 * What the runtime's unit tests (test-uring-loop, -ops, -recv, -safety)
 * share: loops made with the parameter set being run, a watchdog naming a
 * stuck case, and the driver running every case under every parameter set
 * (the default, and the fallbacks a kernel without the newer features
 * would take).
 */
#ifndef HK_TESTS_URING_CASES_H
#define HK_TESTS_URING_CASES_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hostkit/uring.h>

#include "base/macro.h"
#include "tests/test.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

DEFINE_TRIVIAL_CLEANUP_FUNC(hk_loop *, hk_loop_free)
#define _cleanup_loop_ _cleanup_(hk_loop_freep)

/* A case still running after this long is stuck: the watchdog ends the program. */
#define WATCHDOG_SECONDS 30

/* The HK_LOOP_* flags of the parameter set being run, and the case. */
static unsigned cur_flags;
static const char *volatile cur_case = "";

static inline void watchdog(int sig)
{
	static const char msg[] = "watchdog: stuck in case ";
	const char *name = cur_case;

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)!write(STDERR_FILENO, name, strlen(name));
	(void)!write(STDERR_FILENO, "\n", 1);
	_exit(1);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * HK_SEC + (uint64_t)ts.tv_nsec;
}

static inline unsigned opbit(int op)
{
	return op >= 0 && op < HK_CO_OPS ? 1u << op : 0;
}

/* A loop with @p and the current parameter set's flags, or NULL (counted as a failure). */
static inline hk_loop *loop_new(hk_loop_params p)
{
	hk_loop *loop = NULL;

	p.flags |= cur_flags;
	if (CHECK_OK(hk_loop_new(&p, &loop)) < 0)
		return NULL;
	return loop;
}

static inline hk_loop_stats stats_of(const hk_loop *loop)
{
	hk_loop_stats st;

	hk_loop_get_stats(loop, &st);
	return st;
}

static inline void close_pair(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	fds[0] = fds[1] = -EBADF;
}

typedef struct uring_case {
	const char *name;
	void (*fn)(void);
} uring_case;

/* Runs every case under every parameter set, one line each. */
static inline void uring_run_cases(const uring_case *cases, size_t n)
{
	static const struct {
		const char *name;
		unsigned flags;
	} params[] = {
	    {"default", 0},
	    {"no-taskrun-flags", HK_LOOP_NO_TASKRUN_FLAGS},
	    {"no-multishot", HK_LOOP_NO_MULTISHOT},
	};

	signal(SIGALRM, watchdog);
	for (size_t p = 0; p < ELEMENTSOF(params); p++) {
		cur_flags = params[p].flags;
		for (size_t c = 0; c < n; c++) {
			int failures = test_failures;
			uint64_t t0 = now_ns();

			cur_case = cases[c].name;
			alarm(WATCHDOG_SECONDS);
			cases[c].fn();
			alarm(0);
			printf("%-5s %s [%s] (%.0f ms)\n",
			       test_failures == failures ? "ok" : "FAIL", cases[c].name,
			       params[p].name, (double)(now_ns() - t0) / 1e6);
		}
	}
}

/*
 * The main() of a runtime test: line-buffered output, SIGPIPE ignored (a
 * peer that resets must not kill the test), skip when io_uring is
 * unavailable, then every case under every parameter set.
 */
static inline int uring_test_main(const uring_case *cases, size_t n)
{
	hk_loop *probe = NULL;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	r = hk_loop_new(&(hk_loop_params){0}, &probe);
	if (r == -ENOSYS || r == -EPERM)
		SKIP("io_uring is unavailable: %s", test_errname(r));
	CHECK_OK(r);
	hk_loop_free(probe);
	if (r < 0)
		TEST_DONE();

	uring_run_cases(cases, n);
	TEST_DONE();
}

#endif

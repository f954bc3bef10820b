/* SPDX-License-Identifier: MIT */
/*
 * The io_uring runtime's loop and coroutines, tested through
 * include/hostkit/uring.h alone: spawning, running and ending coroutines,
 * the order of yields, values kept across switches, hk_co_wait() with ALL,
 * ANY and masks and the seeds' wake-up combinations, dropping (fds closed
 * or forgotten, late completions ignored), the inactivity timeout, a full
 * submission queue, an overflowing completion queue, hk_loop_stop() from a
 * thread and from a signal handler, hk_loop_free() with live coroutines,
 * and the counters. Every case runs once per parameter set: the defaults,
 * and each fallback flag.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hostkit/uring.h>

#include "base/macro.h"
#include "tests/test.h"
#include "tests/unit/uring-cases.h"

/* Runs @fn as the one coroutine of a default loop; returns what it counted in its int argument. */
static int run_one(hk_co_fn *fn)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	int done = 0;

	if (!loop)
		return -1;
	CHECK_OK(hk_co_spawn(loop, fn, &done, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	return done;
}

/*
 * Waits for every op of @mask and stores each result in res[op]. An
 * HK_WAIT_ALL wait returns early when one op fails, so it goes round until
 * the mask is empty. Returns 0 or the wait's error.
 */
static int collect(hk_co *co, unsigned mask, int res[HK_CO_OPS])
{
	while (mask) {
		int m = hk_co_wait(co, mask, HK_WAIT_ALL);
		if (m < 0)
			return m;
		for (int op = 0; op < HK_CO_OPS; op++) {
			if (!(m & (1u << op)))
				continue;
			res[op] = hk_co_result(co, op);
			mask &= ~(1u << op);
		}
	}
	return 0;
}

/* Cancels op @op and returns its result once it is back. */
static int cancel_and_collect(hk_co *co, int op)
{
	int res[HK_CO_OPS];
	int r;

	if (op < 0)
		return op;
	CHECK_ERR(hk_op_cancel(co, op), 0);
	r = collect(co, opbit(op), res);
	return r < 0 ? r : res[op];
}

/*
 * Sleeps in 1 ms steps until at most @alive coroutines are alive and none
 * is a zombie (an ended coroutine whose operations the kernel still has).
 * False after 3 s.
 */
static bool settle(hk_co *co, uint64_t alive)
{
	uint64_t end = now_ns() + 3 * HK_SEC;

	for (;;) {
		hk_loop_stats st = stats_of(hk_co_loop(co));
		if (st.alive <= alive && st.zombies == 0)
			return true;
		if (now_ns() > end || hk_co_sleep(co, HK_MSEC) < 0)
			return false;
	}
}

static bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static bool fd_is_closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

static int count_fds(void)
{
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	return n;
}

/* ---- features and parameters ---- */

static void test_features(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	if (!loop)
		return;

	unsigned f = hk_loop_features(loop);
	char line[512] = "";
	for (unsigned bit = 1; bit; bit <<= 1) {
		const char *name = hk_uring_feature_name(bit);
		if (bit <= HK_URING_RECV_MULTISHOT)
			CHECK(name && *name);
		else
			CHECK(name == NULL);
		if ((f & bit) && name)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s", name);
	}
	CHECK(hk_uring_feature_name(0) == NULL);
	note("features:%s", line);

	/* The kernel refuses deferred task running without a single issuer. */
	if (f & HK_URING_DEFER_TASKRUN)
		CHECK(f & HK_URING_SINGLE_ISSUER);
	if (cur_flags & HK_LOOP_NO_TASKRUN_FLAGS)
		CHECK(!(f &
			(HK_URING_SINGLE_ISSUER | HK_URING_DEFER_TASKRUN | HK_URING_COOP_TASKRUN)));
	if (cur_flags & HK_LOOP_NO_MULTISHOT)
		CHECK(!(f & HK_URING_ACCEPT_MULTISHOT));

	/* Nothing to run: returns at once. */
	CHECK_ERR(hk_loop_run(loop), 0);

	/* Bad parameters, and the output left alone on failure. */
	hk_loop *sentinel = (hk_loop *)&sentinel, *out = sentinel;
	hk_loop_params bad = {.fixed_files = 2, .accept_slots = 3, .flags = cur_flags};
	CHECK_ERR(hk_loop_new(&bad, &out), -EINVAL);
	CHECK(out == sentinel);
	CHECK(hk_loop_free(NULL) == NULL);
}

/* ---- spawn, run, end ---- */

struct basic {
	hk_loop *loop;
	int ran;
	uint64_t id;
	int child_ran;
	int child_seen_after_spawn;
	int child_seen_after_yields;
};

static void co_child(hk_co *co, void *arg)
{
	struct basic *b = arg;
	b->child_ran++;
}

static void co_basic(hk_co *co, void *arg)
{
	struct basic *b = arg;

	b->ran++;
	b->id = hk_co_id(co);
	CHECK(hk_co_loop(co) == b->loop);
	CHECK_ERR(hk_co_dead(co), 0);
	CHECK(hk_co_pending(co) == 0 && hk_co_completed(co) == 0);

	/* A spawned coroutine starts in a later iteration, never inside the call. */
	CHECK_OK(hk_co_spawn(b->loop, co_child, b, NULL));
	b->child_seen_after_spawn = b->child_ran;
	CHECK_ERR(hk_co_yield(co), 0);
	CHECK_ERR(hk_co_yield(co), 0);
	b->child_seen_after_yields = b->child_ran;
}

static void test_spawn_run_end(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	struct basic b = {.loop = loop};
	hk_co *co = NULL;

	if (!loop)
		return;
	CHECK_OK(hk_co_spawn(loop, co_basic, &b, &co));
	CHECK(co != NULL);
	if (!co)
		return;
	uint64_t id = hk_co_id(co);
	CHECK_EQ_U64(b.ran, 0);
	hk_loop_stats st = stats_of(loop);
	CHECK_EQ_U64(st.spawned, 1);
	CHECK_EQ_U64(st.alive, 1);

	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(b.ran, 1);
	CHECK_EQ_U64(b.id, id);
	CHECK_EQ_U64(b.child_ran, 1);
	CHECK_EQ_U64(b.child_seen_after_spawn, 0);
	CHECK_EQ_U64(b.child_seen_after_yields, 1);

	st = stats_of(loop);
	CHECK_EQ_U64(st.spawned, 2);
	CHECK_EQ_U64(st.alive, 0);
	CHECK_EQ_U64(st.zombies, 0);
	CHECK_EQ_U64(st.dropped, 0);
	CHECK(st.switches >= 4);
	CHECK(st.iterations >= 3);

	/* The ended coroutine's id is known as ended. */
	CHECK_ERR(hk_loop_drop(loop, id), -ESRCH);
	CHECK_ERR(hk_loop_wake(loop, id), -ESRCH);
}

/* ---- many coroutines, ids, max_coroutines ---- */

#define MANY 1000

struct many {
	int done;
	uint64_t ids[MANY];
};

static void co_many(hk_co *co, void *arg)
{
	struct many *m = arg;
	uint64_t id = hk_co_id(co);

	for (int i = 0; i < 3; i++) {
		CHECK_ERR(hk_co_nop(co), 0);
		CHECK_ERR(hk_co_yield(co), 0);
	}
	CHECK_EQ_U64(hk_co_id(co), id);
	if (m->done < MANY)
		m->ids[m->done] = id;
	m->done++;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_many(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	_cleanup_free_ struct many *m = calloc(1, sizeof(*m));

	if (!loop || !m)
		return;
	for (int i = 0; i < MANY; i++)
		if (CHECK_OK(hk_co_spawn(loop, co_many, m, NULL)) < 0)
			return;
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(m->done, MANY);
	qsort(m->ids, MANY, sizeof(m->ids[0]), cmp_u64);
	int dup = 0;
	for (int i = 1; i < MANY; i++)
		dup += m->ids[i] == m->ids[i - 1];
	CHECK_EQ_U64(dup, 0);
	hk_loop_stats st = stats_of(loop);
	CHECK_EQ_U64(st.spawned, MANY);
	CHECK(st.cqes >= 3 * MANY);
	CHECK_EQ_U64(st.alive, 0);

	/* max_coroutines counts the living. */
	_cleanup_loop_ hk_loop *small = loop_new((hk_loop_params){.max_coroutines = 8});
	if (!small)
		return;
	struct many m2 = {0};
	for (int i = 0; i < 8; i++)
		CHECK_OK(hk_co_spawn(small, co_many, &m2, NULL));
	CHECK_ERR(hk_co_spawn(small, co_many, &m2, NULL), -EAGAIN);
	CHECK_ERR(hk_loop_run(small), 0);
	CHECK_EQ_U64(m2.done, 8);
	CHECK_OK(hk_co_spawn(small, co_many, &m2, NULL));
	CHECK_ERR(hk_loop_run(small), 0);
	CHECK_EQ_U64(m2.done, 9);
}

/* ---- yield order ---- */

#define ORDER_COS    3
#define ORDER_ROUNDS 4

struct order {
	int log[ORDER_COS * ORDER_ROUNDS + 4];
	int n;
};

struct order_arg {
	struct order *o;
	int idx;
};

static void co_order(hk_co *co, void *arg)
{
	struct order_arg *a = arg;

	for (int round = 0; round < ORDER_ROUNDS; round++) {
		if (a->o->n < (int)ELEMENTSOF(a->o->log))
			a->o->log[a->o->n++] = round * 16 + a->idx;
		CHECK_ERR(hk_co_yield(co), 0);
	}
}

static void test_yield_order(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	struct order o = {0};
	struct order_arg args[ORDER_COS];

	if (!loop)
		return;
	for (int i = 0; i < ORDER_COS; i++) {
		args[i] = (struct order_arg){.o = &o, .idx = i};
		CHECK_OK(hk_co_spawn(loop, co_order, &args[i], NULL));
	}
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(o.n, ORDER_COS * ORDER_ROUNDS);

	/* A yield resumes in the next iteration: every coroutine's round r runs
	 * before any round r + 1, each coroutine once per round. */
	for (int i = 0; i < o.n; i++) {
		int round = o.log[i] / 16;
		CHECK_EQ_U64(round, i / ORDER_COS);
	}
	for (int round = 0; round < ORDER_ROUNDS; round++) {
		unsigned seen = 0;
		for (int i = 0; i < ORDER_COS; i++)
			seen |= 1u << (o.log[round * ORDER_COS + i] % 16);
		CHECK_EQ_U64(seen, (1u << ORDER_COS) - 1);
	}
	CHECK(stats_of(loop).iterations >= ORDER_ROUNDS);
}

/* ---- switch correctness through the loop ---- */

/*
 * Mixes integers and doubles in locals that live across waits of three
 * kinds. With @co NULL it runs without waiting, as the reference.
 */
static uint64_t churn(hk_co *co, uint64_t seed, double *ret_d)
{
	uint64_t a = seed, b = seed ^ 0x9e3779b97f4a7c15ULL, c = 0;
	double d = (double)(seed & 0xff) / 7.0;

	for (int i = 0; i < 30; i++) {
		a = a * 6364136223846793005ULL + 1442695040888963407ULL;
		b ^= a >> 11;
		c += b * (uint64_t)(i + 1);
		d = d * 1.000001 + (double)(a & 0xffff) / 65536.0;
		if (!co)
			continue;
		int r;
		switch (i % 3) {
		case 0:
			r = hk_co_yield(co);
			break;
		case 1:
			r = hk_co_nop(co);
			break;
		default:
			r = hk_co_sleep(co, 10 * HK_USEC);
			break;
		}
		CHECK_ERR(r, 0);
	}
	*ret_d = d;
	return a ^ b ^ c;
}

struct values {
	uint64_t seed;
	uint64_t out;
	double d;
};

static void co_values(hk_co *co, void *arg)
{
	struct values *v = arg;

	v->out = churn(co, v->seed, &v->d);
}

#define CHAIN 10

struct chain {
	int count;
	int sum;
	uint64_t ids[CHAIN + 1];
};

struct chain_arg {
	struct chain *c;
	int depth;
};

static void co_chain(hk_co *co, void *arg)
{
	struct chain_arg *a = arg;
	int depth = a->depth;
	uint64_t me = hk_co_id(co);

	if (depth < CHAIN) {
		a[1] = (struct chain_arg){.c = a->c, .depth = depth + 1};
		CHECK_OK(hk_co_spawn(hk_co_loop(co), co_chain, &a[1], NULL));
	}
	CHECK_ERR(hk_co_nop(co), 0);
	CHECK_EQ_U64(hk_co_id(co), me);
	CHECK_EQ_U64(a->depth, depth);
	a->c->count++;
	a->c->sum += depth;
	a->c->ids[depth] = me;
}

static void test_switch_values(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	struct values v[8];

	if (!loop)
		return;
	for (unsigned i = 0; i < ELEMENTSOF(v); i++) {
		v[i] = (struct values){.seed = 0x1234567ULL * (i + 1)};
		CHECK_OK(hk_co_spawn(loop, co_values, &v[i], NULL));
	}
	struct chain c = {0};
	struct chain_arg args[CHAIN + 1] = {{.c = &c, .depth = 0}};
	CHECK_OK(hk_co_spawn(loop, co_chain, &args[0], NULL));
	CHECK_ERR(hk_loop_run(loop), 0);

	for (unsigned i = 0; i < ELEMENTSOF(v); i++) {
		double d;
		uint64_t want = churn(NULL, v[i].seed, &d);
		CHECK_EQ_U64(v[i].out, want);
		CHECK(v[i].d == d);
	}
	CHECK_EQ_U64(c.count, CHAIN + 1);
	CHECK_EQ_U64(c.sum, CHAIN * (CHAIN + 1) / 2);
	for (int i = 0; i <= CHAIN; i++)
		for (int j = i + 1; j <= CHAIN; j++)
			CHECK(c.ids[i] != c.ids[j]);
}

/* ---- hk_co_wait: ALL, ANY, masks ---- */

static void co_wait_modes(hk_co *co, void *arg)
{
	int *done = arg;

	/* ALL over three nops. */
	int a = CHECK_OK(hk_op_nop(co));
	int b = CHECK_OK(hk_op_nop(co));
	int c = CHECK_OK(hk_op_nop(co));
	if (a < 0 || b < 0 || c < 0)
		return;
	CHECK(a != b && b != c && a != c);
	unsigned abc = opbit(a) | opbit(b) | opbit(c);
	CHECK_EQ_U64(hk_co_pending(co), abc);
	CHECK_EQ_U64(hk_co_completed(co), 0);
	/* Queued, not submitted before this coroutine waits. */
	CHECK_ERR(hk_co_result(co, a), -EBUSY);
	CHECK_EQ_U64(hk_co_wait(co, abc, HK_WAIT_ALL), abc);
	CHECK_EQ_U64(hk_co_completed(co), abc);
	CHECK_EQ_U64(hk_co_pending(co), abc);
	CHECK_ERR(hk_co_result(co, a), 0);
	CHECK_ERR(hk_co_result(co, b), 0);
	CHECK_ERR(hk_co_result(co, c), 0);
	CHECK_EQ_U64(hk_co_pending(co), 0);
	CHECK_EQ_U64(hk_co_completed(co), 0);
	CHECK_ERR(hk_co_result(co, a), -EINVAL);
	CHECK_ERR(hk_co_wait(co, abc, HK_WAIT_ALL), -EINVAL);
	CHECK_ERR(hk_co_wait(co, 0, HK_WAIT_ANY), -EINVAL);

	/* ANY: the nop ends the wait, the long timeout stays started. */
	int t = CHECK_OK(hk_op_timeout(co, 10 * HK_SEC));
	int n = CHECK_OK(hk_op_nop(co));
	if (t < 0 || n < 0)
		return;
	uint64_t t0 = now_ns();
	CHECK_EQ_U64(hk_co_wait(co, opbit(t) | opbit(n), HK_WAIT_ANY), opbit(n));
	CHECK(now_ns() - t0 < HK_SEC);
	CHECK_ERR(hk_co_result(co, n), 0);
	CHECK_ERR(hk_co_result(co, t), -EBUSY);
	CHECK_EQ_U64(hk_co_pending(co), opbit(t));
	CHECK_ERR(cancel_and_collect(co, t), -ECANCELED);

	/* A mask narrower than what is started, then a wider one holding an
	 * op that has already completed. */
	n = CHECK_OK(hk_op_nop(co));
	t = CHECK_OK(hk_op_timeout(co, 20 * HK_MSEC));
	if (t < 0 || n < 0)
		return;
	t0 = now_ns();
	CHECK_EQ_U64(hk_co_wait(co, opbit(n), HK_WAIT_ALL), opbit(n));
	CHECK_EQ_U64(hk_co_pending(co), opbit(n) | opbit(t));
	CHECK_EQ_U64(hk_co_completed(co), opbit(n));
	CHECK_EQ_U64(hk_co_wait(co, opbit(n) | opbit(t), HK_WAIT_ALL), opbit(n) | opbit(t));
	CHECK(now_ns() - t0 >= 20 * HK_MSEC);
	CHECK_ERR(hk_co_result(co, n), 0);
	CHECK_ERR(hk_co_result(co, t), -ETIME);
	CHECK_EQ_U64(hk_co_pending(co), 0);
	(*done)++;
}

static void test_wait_modes(void)
{
	CHECK_EQ_U64(run_one(co_wait_modes), 1);
}

/* ---- the seeds' wake-up combinations ---- */

struct wake {
	int p1[2], p2[2];
	int s[2];
	bool reader_woke;
	bool reader_woke_early;
	int done;
};

/* Two reads: no wake while one has succeeded and the other is pending. */
static void co_two_reads(hk_co *co, void *arg)
{
	struct wake *w = arg;
	char b1[8], b2[8];
	int res[HK_CO_OPS];

	int r1 = CHECK_OK(hk_op_read(co, w->p1[0], b1, sizeof(b1), 0));
	int r2 = CHECK_OK(hk_op_read(co, w->p2[0], b2, sizeof(b2), 0));
	if (r1 < 0 || r2 < 0)
		return;
	int m = hk_co_wait(co, opbit(r1) | opbit(r2), HK_WAIT_ALL);
	w->reader_woke = true;
	CHECK_EQ_U64(m, opbit(r1) | opbit(r2));
	CHECK_ERR(hk_co_result(co, r1), 4);
	CHECK_ERR(hk_co_result(co, r2), 4);
	CHECK(memcmp(b1, "one1", 4) == 0);
	CHECK(memcmp(b2, "two2", 4) == 0);

	/* A recv of MSG_DONTWAIT on an idle socket gives -EAGAIN: not a
	 * failure that ends an ALL wait. */
	char c;
	int a = CHECK_OK(hk_op_recv(co, w->s[0], &c, 1, MSG_DONTWAIT));
	r1 = CHECK_OK(hk_op_read(co, w->p1[0], b1, sizeof(b1), 0));
	if (a < 0 || r1 < 0)
		return;
	uint64_t t0 = now_ns();
	m = hk_co_wait(co, opbit(a) | opbit(r1), HK_WAIT_ALL);
	CHECK_EQ_U64(m, opbit(a) | opbit(r1));
	CHECK(now_ns() - t0 >= 25 * HK_MSEC);
	CHECK_ERR(collect(co, opbit(a) | opbit(r1), res), 0);
	CHECK_ERR(res[a], -EAGAIN);
	CHECK_ERR(res[r1], 4);
	w->done++;
}

static void co_two_writes(hk_co *co, void *arg)
{
	struct wake *w = arg;

	CHECK_ERR(hk_co_sleep(co, 10 * HK_MSEC), 0);
	CHECK_ERR(write(w->p1[1], "one1", 4), 4);
	CHECK_ERR(hk_co_sleep(co, 40 * HK_MSEC), 0);
	w->reader_woke_early = w->reader_woke;
	CHECK_ERR(write(w->p2[1], "two2", 4), 4);

	/* For the -EAGAIN part: the pipe read completes 30 ms after. */
	while (!w->reader_woke)
		CHECK_ERR(hk_co_yield(co), 0);
	CHECK_ERR(hk_co_sleep(co, 30 * HK_MSEC), 0);
	CHECK_ERR(write(w->p1[1], "3333", 4), 4);
	w->done++;
}

/* One of two reads fails: wake at once, the other still started. */
static void co_read_fails(hk_co *co, void *arg)
{
	struct wake *w = arg;
	char b1[8], b2[8];

	int r1 = CHECK_OK(hk_op_read(co, w->p1[0], b1, sizeof(b1), 0));
	/* recv on a pipe: the kernel answers -ENOTSOCK. */
	int r2 = CHECK_OK(hk_op_recv(co, w->p2[0], b2, sizeof(b2), 0));
	if (r1 < 0 || r2 < 0)
		return;
	uint64_t t0 = now_ns();
	CHECK_EQ_U64(hk_co_wait(co, opbit(r1) | opbit(r2), HK_WAIT_ALL), opbit(r2));
	CHECK(now_ns() - t0 < HK_SEC);
	CHECK_ERR(hk_co_result(co, r2), -ENOTSOCK);
	CHECK_EQ_U64(hk_co_pending(co), opbit(r1));
	CHECK_ERR(cancel_and_collect(co, r1), -ECANCELED);

	/* A linked timeout fires on one of two reads: wake at once. */
	CHECK_ERR(hk_co_link_timeout(co, 20 * HK_MSEC), 0);
	r1 = CHECK_OK(hk_op_read(co, w->p1[0], b1, sizeof(b1), 0));
	r2 = CHECK_OK(hk_op_read(co, w->p2[0], b2, sizeof(b2), 0));
	if (r1 < 0 || r2 < 0)
		return;
	t0 = now_ns();
	CHECK_EQ_U64(hk_co_wait(co, opbit(r1) | opbit(r2), HK_WAIT_ALL), opbit(r1));
	uint64_t el = now_ns() - t0;
	CHECK(el >= 20 * HK_MSEC && el < HK_SEC);
	CHECK_ERR(hk_co_result(co, r1), -ETIME);
	CHECK_EQ_U64(hk_co_pending(co), opbit(r2));
	CHECK_ERR(cancel_and_collect(co, r2), -ECANCELED);
	w->done++;
}

/* The urgent mask: a nop that succeeds ends an ALL wait on it and a read. */
static void co_urgent(hk_co *co, void *arg)
{
	struct wake *w = arg;
	char b1[8];

	/* Without it, the wait lasts until the writer's bytes (30 ms). */
	int n = CHECK_OK(hk_op_nop(co));
	int r1 = CHECK_OK(hk_op_read(co, w->p1[0], b1, sizeof(b1), 0));
	if (n < 0 || r1 < 0)
		return;
	uint64_t t0 = now_ns();
	CHECK_EQ_U64(hk_co_wait(co, opbit(n) | opbit(r1), HK_WAIT_ALL), opbit(n) | opbit(r1));
	CHECK(now_ns() - t0 >= 25 * HK_MSEC);
	CHECK_ERR(hk_co_result(co, n), 0);
	CHECK_ERR(hk_co_result(co, r1), 4);

	n = CHECK_OK(hk_op_nop(co));
	r1 = CHECK_OK(hk_op_read(co, w->p1[0], b1, sizeof(b1), 0));
	if (n < 0 || r1 < 0)
		return;
	CHECK_EQ_U64(hk_co_set_urgent(co, opbit(n)), 0);
	t0 = now_ns();
	CHECK_EQ_U64(hk_co_wait(co, opbit(n) | opbit(r1), HK_WAIT_ALL), opbit(n));
	CHECK(now_ns() - t0 < 20 * HK_MSEC);
	CHECK_ERR(hk_co_result(co, n), 0);
	CHECK_EQ_U64(hk_co_set_urgent(co, 0), opbit(n));
	CHECK_ERR(cancel_and_collect(co, r1), -ECANCELED);
	w->done++;
}

static void co_urgent_writer(hk_co *co, void *arg)
{
	struct wake *w = arg;

	CHECK_ERR(hk_co_sleep(co, 30 * HK_MSEC), 0);
	CHECK_ERR(write(w->p1[1], "urg1", 4), 4);
}

struct wakeup {
	uint64_t sleeper;
	int wait_ret;
	int woken;
	int done;
};

/* hk_loop_wake(): the wait returns 0, nothing completed. */
static void co_wake_sleeper(hk_co *co, void *arg)
{
	struct wakeup *u = arg;

	int t = CHECK_OK(hk_op_timeout(co, 10 * HK_SEC));
	if (t < 0)
		return;
	uint64_t t0 = now_ns();
	u->wait_ret = hk_co_wait(co, opbit(t), HK_WAIT_ALL);
	CHECK(now_ns() - t0 < HK_SEC);
	CHECK_EQ_U64(hk_co_completed(co), 0);
	CHECK_ERR(hk_co_result(co, t), -EBUSY);
	CHECK_ERR(cancel_and_collect(co, t), -ECANCELED);
	u->done++;
}

static void co_waker(hk_co *co, void *arg)
{
	struct wakeup *u = arg;

	CHECK_ERR(hk_co_sleep(co, 5 * HK_MSEC), 0);
	u->woken = hk_loop_wake(hk_co_loop(co), u->sleeper);
	CHECK_ERR(hk_loop_wake(hk_co_loop(co), u->sleeper ^ (1ULL << 40)), -ESRCH);
	u->done++;
}

static void test_wake_combinations(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	struct wake w = {.p1 = {-EBADF, -EBADF}, .p2 = {-EBADF, -EBADF}, .s = {-EBADF, -EBADF}};

	if (!loop)
		return;
	if (CHECK_OK(pipe2(w.p1, O_CLOEXEC)) < 0 || CHECK_OK(pipe2(w.p2, O_CLOEXEC)) < 0 ||
	    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, w.s)) < 0)
		goto out;

	CHECK_OK(hk_co_spawn(loop, co_two_reads, &w, NULL));
	CHECK_OK(hk_co_spawn(loop, co_two_writes, &w, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(w.done, 2);
	CHECK(w.reader_woke && !w.reader_woke_early);

	CHECK_OK(hk_co_spawn(loop, co_read_fails, &w, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(w.done, 3);

	CHECK_OK(hk_co_spawn(loop, co_urgent, &w, NULL));
	CHECK_OK(hk_co_spawn(loop, co_urgent_writer, &w, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(w.done, 4);

	struct wakeup u = {.wait_ret = -1, .woken = -1};
	hk_co *sleeper = NULL;
	CHECK_OK(hk_co_spawn(loop, co_wake_sleeper, &u, &sleeper));
	if (sleeper) {
		u.sleeper = hk_co_id(sleeper);
		CHECK_OK(hk_co_spawn(loop, co_waker, &u, NULL));
		CHECK_ERR(hk_loop_run(loop), 0);
		CHECK_ERR(u.woken, 0);
		CHECK_ERR(u.wait_ret, 0);
		CHECK_EQ_U64(u.done, 2);
	}
out:
	close_pair(w.p1);
	close_pair(w.p2);
	close_pair(w.s);
}

/* ---- dropping ---- */

struct drop {
	int pa[2], pb[2], pc[2];
	uint64_t victim, spinner;
	int spin, spin_after_drop;
	bool drop_sent;
	int read_ret, dead, nop, yield, sleep, own_again, disown_unknown;
	bool victim_ended;
	bool closed, forgotten_open, disowned_open;
	int self_nop, self_dead;
	int done;
};

static void co_victim(hk_co *co, void *arg)
{
	struct drop *d = arg;
	char buf[8];

	/* pa[0] was handed over by the spawner; pb[0] is forgotten. */
	CHECK_ERR(hk_co_own(co, d->pb[0], HK_OWN_FORGET), 0);
	CHECK_ERR(hk_co_own(co, d->pc[0], HK_OWN_CLOSE), 0);
	d->own_again = hk_co_own(co, d->pa[0], HK_OWN_CLOSE);
	CHECK_ERR(hk_co_disown(co, d->pc[0]), 0);
	d->disown_unknown = hk_co_disown(co, d->pc[1]);

	d->read_ret = hk_co_read(co, d->pa[0], buf, sizeof(buf), 0);
	d->dead = hk_co_dead(co);
	d->nop = hk_op_nop(co);
	d->yield = hk_co_yield(co);
	d->sleep = hk_co_sleep(co, HK_MSEC);
	d->victim_ended = true;
}

static void co_self_drop(hk_co *co, void *arg)
{
	struct drop *d = arg;

	CHECK_ERR(hk_co_drop(co), 0);
	d->self_dead = hk_co_dead(co);
	d->self_nop = hk_co_nop(co);
}

/* Dropped while it waits on the run queue (a yield). */
static void co_spinner(hk_co *co, void *arg)
{
	struct drop *d = arg;

	for (int i = 0; i < 1000000 && d->spin == 0; i++) {
		d->spin = hk_co_yield(co);
		d->spin_after_drop += d->spin == 0 && d->drop_sent;
	}
}

static void co_dropper(hk_co *co, void *arg)
{
	struct drop *d = arg;
	hk_loop *loop = hk_co_loop(co);

	/* Let the victim's read reach the kernel. */
	CHECK_ERR(hk_co_sleep(co, 10 * HK_MSEC), 0);
	CHECK(fd_is_open(d->pa[0]));
	uint64_t dropped = stats_of(loop).dropped;
	CHECK_ERR(hk_loop_drop(loop, d->victim), 0);
	d->drop_sent = true;
	CHECK_ERR(hk_loop_drop(loop, d->spinner), 0);
	CHECK(settle(co, 1));
	/* Nothing was opened since: the numbers cannot have been reused. */
	d->closed = fd_is_closed(d->pa[0]);
	d->forgotten_open = fd_is_open(d->pb[0]);
	d->disowned_open = fd_is_open(d->pc[0]);
	CHECK(stats_of(loop).dropped >= dropped + 1);
	CHECK_ERR(hk_loop_drop(loop, d->victim), -ESRCH);
	CHECK_ERR(hk_loop_wake(loop, d->victim), -ESRCH);
	d->done++;
}

static void test_drop(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	struct drop d = {.pa = {-EBADF, -EBADF}, .pb = {-EBADF, -EBADF}, .pc = {-EBADF, -EBADF}};
	hk_co *victim = NULL, *spinner = NULL;

	if (!loop)
		return;
	if (CHECK_OK(pipe2(d.pa, O_CLOEXEC)) < 0 || CHECK_OK(pipe2(d.pb, O_CLOEXEC)) < 0 ||
	    CHECK_OK(pipe2(d.pc, O_CLOEXEC)) < 0)
		goto out;
	if (CHECK_OK(hk_co_spawn(loop, co_victim, &d, &victim)) < 0 ||
	    CHECK_OK(hk_co_spawn(loop, co_spinner, &d, &spinner)) < 0)
		goto out;
	d.spinner = hk_co_id(spinner);
	/* The spawner hands the coroutine a descriptor before it runs. */
	CHECK_ERR(hk_co_own(victim, d.pa[0], HK_OWN_CLOSE), 0);
	d.victim = hk_co_id(victim);
	CHECK_OK(hk_co_spawn(loop, co_dropper, &d, NULL));
	CHECK_OK(hk_co_spawn(loop, co_self_drop, &d, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);

	CHECK_EQ_U64(d.done, 1);
	CHECK(d.victim_ended);
	CHECK_ERR(d.own_again, -EEXIST);
	CHECK_ERR(d.disown_unknown, -ENOENT);
	CHECK_ERR(d.read_ret, -ECANCELED);
	CHECK_ERR(d.dead, -ECANCELED);
	CHECK_ERR(d.nop, -ECANCELED);
	CHECK_ERR(d.yield, -ECANCELED);
	CHECK_ERR(d.sleep, -ECANCELED);
	CHECK_ERR(d.spin, -ECANCELED);
	CHECK_EQ_U64(d.spin_after_drop, 0);
	CHECK(d.closed && d.forgotten_open && d.disowned_open);
	CHECK_ERR(d.self_dead, -ECANCELED);
	CHECK_ERR(d.self_nop, -ECANCELED);
	if (d.closed)
		d.pa[0] = -EBADF;
	hk_loop_stats st = stats_of(loop);
	CHECK(st.alive == 0 && st.zombies == 0 && st.dropped >= 3);
out:
	close_pair(d.pa);
	close_pair(d.pb);
	close_pair(d.pc);
}

/* ---- late completions ---- */

struct late {
	int s[2];
	uint64_t old_id;
	uint64_t late_before, late_after;
	int new_busy, new_nop, new_recv;
	char got[16];
	int done;
};

static void co_late_old(hk_co *co, void *arg)
{
	struct late *l = arg;
	/* The kernel may write here until the recv is back: the stack stays mapped until then. */
	char buf[16];

	l->old_id = hk_co_id(co);
	CHECK_OK(hk_op_recv(co, l->s[0], buf, sizeof(buf), 0));
	CHECK_OK(hk_op_nop(co));
	CHECK_OK(hk_op_timeout(co, 5 * HK_SEC));
	/* Returns with three ops outstanding. */
}

static void co_late_new(hk_co *co, void *arg)
{
	struct late *l = arg;

	l->new_busy = (int)(hk_co_pending(co) | hk_co_completed(co));
	l->new_nop = hk_co_nop(co);
	l->new_recv = hk_co_recv(co, l->s[0], l->got, sizeof(l->got), 0);
}

static void co_late_main(hk_co *co, void *arg)
{
	struct late *l = arg;
	hk_loop *loop = hk_co_loop(co);

	l->late_before = stats_of(loop).late_cqes;
	CHECK_OK(hk_co_spawn(loop, co_late_old, l, NULL));
	for (int i = 0; i < 3; i++)
		CHECK_ERR(hk_co_yield(co), 0);
	CHECK(settle(co, 1));
	l->late_after = stats_of(loop).late_cqes;
	CHECK_ERR(hk_loop_drop(loop, l->old_id), -ESRCH);

	/* max_coroutines is 2: the new coroutine takes the old one's place. */
	hk_co *fresh = NULL;
	if (CHECK_OK(hk_co_spawn(loop, co_late_new, l, &fresh)) < 0)
		return;
	CHECK(hk_co_id(fresh) != l->old_id);
	CHECK_ERR(hk_co_sleep(co, 5 * HK_MSEC), 0);
	/* The data the old recv asked for arrives now. */
	CHECK_ERR(send(l->s[1], "late-data", 9, 0), 9);
	CHECK(settle(co, 1));
	l->done++;
}

static void test_late_completions(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){.max_coroutines = 2});
	struct late l = {.s = {-EBADF, -EBADF}, .new_busy = -1};

	if (!loop || CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, l.s)) < 0)
		return;
	CHECK_OK(hk_co_spawn(loop, co_late_main, &l, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(l.done, 1);
	/* The old coroutine's completions came after it ended. */
	CHECK(l.late_after > l.late_before);
	CHECK_EQ_U64(l.new_busy, 0);
	CHECK_ERR(l.new_nop, 0);
	CHECK_ERR(l.new_recv, 9);
	CHECK(memcmp(l.got, "late-data", 9) == 0);
	hk_loop_stats st = stats_of(loop);
	CHECK(st.zombies == 0 && st.cqes >= st.late_cqes);
	close_pair(l.s);
}

/* ---- the inactivity timeout ---- */

struct idle {
	int s[2];
	int recv, dead;
	uint64_t elapsed;
	int sleeps_ok, yields_ok, alive_dead, off_sleep;
	int done;
};

static void co_idle(hk_co *co, void *arg)
{
	struct idle *i = arg;
	char c;

	/* Before the call: the deadline is counted from inside it. */
	uint64_t t0 = now_ns();
	CHECK_ERR(hk_co_set_inactivity(co, 30 * HK_MSEC), 0);
	i->recv = hk_co_recv(co, i->s[0], &c, 1, 0);
	i->elapsed = now_ns() - t0;
	i->dead = hk_co_dead(co);
}

static void co_busy(hk_co *co, void *arg)
{
	struct idle *i = arg;

	/* Completions every 15 ms keep a 50 ms inactivity timeout away. */
	CHECK_ERR(hk_co_set_inactivity(co, 50 * HK_MSEC), 0);
	for (int n = 0; n < 8; n++)
		i->sleeps_ok += hk_co_sleep(co, 15 * HK_MSEC) == 0;
	/* So do yields. */
	uint64_t end = now_ns() + 100 * HK_MSEC;
	while (now_ns() < end)
		if (hk_co_yield(co) < 0)
			return;
	i->yields_ok = 1;
	i->alive_dead = hk_co_dead(co);
	CHECK_ERR(hk_co_set_inactivity(co, 0), 0);
	i->off_sleep = hk_co_sleep(co, 80 * HK_MSEC);
	i->done++;
}

static void test_inactivity(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	struct idle i = {
	    .s = {-EBADF, -EBADF}, .recv = 1, .dead = 1, .alive_dead = 1, .off_sleep = 1};

	if (!loop)
		return;
	if (CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, i.s)) < 0)
		return;
	uint64_t dropped = stats_of(loop).dropped;
	CHECK_OK(hk_co_spawn(loop, co_idle, &i, NULL));
	CHECK_OK(hk_co_spawn(loop, co_busy, &i, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_ERR(i.recv, -ETIMEDOUT);
	CHECK_ERR(i.dead, -ETIMEDOUT);
	CHECK(i.elapsed >= 30 * HK_MSEC && i.elapsed < HK_SEC);
	CHECK_EQ_U64(i.sleeps_ok, 8);
	CHECK_EQ_U64(i.yields_ok, 1);
	CHECK_ERR(i.alive_dead, 0);
	CHECK_ERR(i.off_sleep, 0);
	CHECK_EQ_U64(i.done, 1);
	CHECK_EQ_U64(stats_of(loop).dropped, dropped + 1);
	close_pair(i.s);
}

/*
 * A coroutine that yields is active, even when the loop comes back to it
 * late because another coroutine kept the thread: it is not dropped while
 * it waits on the run queue.
 */
static void co_yielder(hk_co *co, void *arg)
{
	int *ret = arg;

	CHECK_ERR(hk_co_set_inactivity(co, 30 * HK_MSEC), 0);
	for (int i = 0; i < 5 && *ret == 0; i++)
		*ret = hk_co_yield(co);
}

static void co_hog(hk_co *co, void *arg)
{
	CHECK_ERR(hk_co_yield(co), 0);
	usleep(50 * 1000);
}

static void test_inactivity_runnable(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	int ret = 0;

	if (!loop)
		return;
	CHECK_OK(hk_co_spawn(loop, co_yielder, &ret, NULL));
	CHECK_OK(hk_co_spawn(loop, co_hog, NULL, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_ERR(ret, 0);
	CHECK_EQ_U64(stats_of(loop).dropped, 0);
}

/* ---- a full submission queue, an overflowing completion queue ---- */

struct flood {
	int cos;
	int good;
	int bad;
	bool timeouts;
};

static void co_flood(hk_co *co, void *arg)
{
	struct flood *f = arg;
	int res[HK_CO_OPS];
	unsigned mask = 0;

	for (int i = 0; i < HK_CO_OPS; i++) {
		int op = f->timeouts ? hk_op_timeout(co, 20 * HK_MSEC) : hk_op_nop(co);
		if (CHECK_OK(op) >= 0)
			mask |= opbit(op);
	}
	CHECK_EQ_U64(mask, HK_CO_ALL_OPS);
	CHECK_ERR(collect(co, mask, res), 0);
	for (int op = 0; op < HK_CO_OPS; op++)
		if (mask & (1u << op))
			*(res[op] == (f->timeouts ? -ETIME : 0) ? &f->good : &f->bad) += 1;
	f->cos++;
}

static void test_full_sq(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){.sq_entries = 4});
	struct flood f = {0};

	if (!loop)
		return;
	for (int i = 0; i < 51; i++)
		CHECK_OK(hk_co_spawn(loop, co_flood, &f, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(f.cos, 51);
	CHECK_EQ_U64(f.good, 51 * HK_CO_OPS);
	CHECK_EQ_U64(f.bad, 0);
	hk_loop_stats st = stats_of(loop);
	CHECK(st.sq_full > 0);
	CHECK(st.sqes >= 51 * HK_CO_OPS);
	CHECK(st.cqes >= 51 * HK_CO_OPS);
	note("full sq: sq_full %" PRIu64 ", enters %" PRIu64 ", cq_overflow %" PRIu64, st.sq_full,
	     st.enters, st.cq_overflow);
}

static void test_cq_overflow(void)
{
	_cleanup_loop_ hk_loop *loop =
	    loop_new((hk_loop_params){.sq_entries = 8, .cq_entries = 16});
	struct flood nops = {0}, timers = {.timeouts = true};

	if (!loop)
		return;
	/* 512 timeouts firing together, and 512 nops, against 16 CQ entries. */
	for (int i = 0; i < 32; i++) {
		CHECK_OK(hk_co_spawn(loop, co_flood, &timers, NULL));
		CHECK_OK(hk_co_spawn(loop, co_flood, &nops, NULL));
	}
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(timers.good, 32 * HK_CO_OPS);
	CHECK_EQ_U64(nops.good, 32 * HK_CO_OPS);
	CHECK_EQ_U64(timers.bad + nops.bad, 0);
	hk_loop_stats st = stats_of(loop);
	CHECK(st.cqes >= 64 * HK_CO_OPS);
	note("cq overflow: cq_overflow %" PRIu64 ", sq_full %" PRIu64, st.cq_overflow, st.sq_full);
}

/* ---- hk_loop_stop() ---- */

struct ticker {
	int rounds;
	uint64_t step;
	int ticks;
	bool done;
};

static void co_ticker(hk_co *co, void *arg)
{
	struct ticker *t = arg;

	for (int i = 0; i < t->rounds; i++) {
		if (hk_co_sleep(co, t->step) < 0)
			return;
		t->ticks++;
	}
	t->done = true;
}

static void co_stop_after_ticks(hk_co *co, void *arg)
{
	struct ticker *t = arg;

	while (t->ticks < 3)
		if (hk_co_yield(co) < 0)
			return;
	hk_loop_stop(hk_co_loop(co));
}

static hk_loop *volatile sig_loop;

static void on_sigusr1(int sig)
{
	if (sig_loop)
		hk_loop_stop(sig_loop);
}

struct stopper {
	hk_loop *loop;
	pthread_t target;
};

/* After 50 ms, stops the loop directly or through a signal to its thread. */
static void *thread_stop(void *arg)
{
	struct stopper *s = arg;

	usleep(50 * 1000);
	if (s->loop)
		hk_loop_stop(s->loop);
	else
		pthread_kill(s->target, SIGUSR1);
	return NULL;
}

/* Runs @loop, asleep in the kernel on a 20 s timeout, until @s stops it. */
static void stop_asleep(hk_loop *loop, struct stopper *s)
{
	struct ticker t = {.rounds = 1, .step = 20 * HK_SEC};
	pthread_t th;

	CHECK_OK(hk_co_spawn(loop, co_ticker, &t, NULL));
	if (CHECK_OK(-pthread_create(&th, NULL, thread_stop, s)) < 0)
		return;
	uint64_t t0 = now_ns();
	CHECK_ERR(hk_loop_run(loop), 0);
	uint64_t el = now_ns() - t0;
	pthread_join(th, NULL);
	CHECK(el >= 40 * HK_MSEC && el < 2 * HK_SEC);
	CHECK(!t.done);
	CHECK_EQ_U64(stats_of(loop).alive, 1);
}

static void test_stop(void)
{
	/* From a coroutine: the loop returns, the coroutines stay and carry on
	 * when it runs again. */
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	struct ticker tk = {.rounds = 20, .step = 5 * HK_MSEC};
	if (!loop)
		return;
	CHECK_OK(hk_co_spawn(loop, co_ticker, &tk, NULL));
	CHECK_OK(hk_co_spawn(loop, co_stop_after_ticks, &tk, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK(!tk.done && tk.ticks >= 3 && tk.ticks < 20);
	CHECK_EQ_U64(stats_of(loop).alive, 1);
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK(tk.done);
	CHECK_EQ_U64(tk.ticks, 20);

	/*
	 * Valgrind (3.19) keeps its lock through io_uring_enter() and lets no
	 * signal in: nothing from outside can reach a loop asleep there.
	 */
	if (RUNNING_ON_VALGRIND) {
		note("stop from a thread or a signal handler: not testable under valgrind");
		return;
	}
	/* From another thread, the loop asleep in the kernel. */
	_cleanup_loop_ hk_loop *other = loop_new((hk_loop_params){0});
	struct stopper s = {.loop = other};
	if (other)
		stop_asleep(other, &s);

	/* From a signal handler on the loop's own thread. */
	_cleanup_loop_ hk_loop *sig = loop_new((hk_loop_params){0});
	struct sigaction sa = {.sa_handler = on_sigusr1}, old;
	if (!sig)
		return;
	s = (struct stopper){.target = pthread_self()};
	sigemptyset(&sa.sa_mask);
	CHECK_OK(sigaction(SIGUSR1, &sa, &old));
	sig_loop = sig;
	stop_asleep(sig, &s);
	sig_loop = NULL;
	sigaction(SIGUSR1, &old, NULL);
}

/* ---- hk_loop_free() with live coroutines ---- */

struct holder {
	int wait_ret;
	bool resumed;
};

static void co_holder(hk_co *co, void *arg)
{
	struct holder *h = arg;
	int p[2] = {-EBADF, -EBADF}, s[2];
	char b1[4], b2[4];

	if (CHECK_OK(pipe2(p, O_CLOEXEC)) < 0 ||
	    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s)) < 0) {
		close_pair(p);
		return;
	}
	for (int i = 0; i < 2; i++) {
		CHECK_ERR(hk_co_own(co, p[i], HK_OWN_CLOSE), 0);
		CHECK_ERR(hk_co_own(co, s[i], HK_OWN_CLOSE), 0);
	}
	CHECK_OK(hk_op_read(co, p[0], b1, sizeof(b1), 0));
	CHECK_OK(hk_op_recv(co, s[0], b2, sizeof(b2), 0));
	int t = CHECK_OK(hk_op_timeout(co, 20 * HK_SEC));
	h->wait_ret = hk_co_wait(co, opbit(t), HK_WAIT_ALL);
	h->resumed = true;
}

static void co_stopper(hk_co *co, void *arg)
{
	CHECK_ERR(hk_co_sleep(co, 20 * HK_MSEC), 0);
	hk_loop_stop(hk_co_loop(co));
}

/* Started only to unwind, if at all: then it is told at once. */
static void co_unwound(hk_co *co, void *arg)
{
	int *seen = arg;

	*seen = hk_co_dead(co);
	if (*seen == 0)
		*seen = 1;
	else if (hk_co_nop(co) != -ECANCELED)
		*seen = 2;
}

static void test_free_live(void)
{
	int before = CHECK_OK(count_fds());
	struct holder h[5];
	hk_loop *loop = loop_new((hk_loop_params){0});

	if (!loop)
		return;
	for (unsigned i = 0; i < ELEMENTSOF(h); i++) {
		h[i] = (struct holder){.wait_ret = 1};
		CHECK_OK(hk_co_spawn(loop, co_holder, &h[i], NULL));
	}
	CHECK_OK(hk_co_spawn(loop, co_stopper, NULL, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(stats_of(loop).alive, ELEMENTSOF(h));
	CHECK(count_fds() >= before + 20);
	CHECK(hk_loop_free(loop) == NULL);
	CHECK_EQ_U64(count_fds(), before);
	/* A coroutine the loop resumed to unwind saw -ECANCELED. */
	for (unsigned i = 0; i < ELEMENTSOF(h); i++)
		if (h[i].resumed)
			CHECK_ERR(h[i].wait_ret, -ECANCELED);

	/* Spawned, handed a descriptor, never run. */
	int p[2], seen = 0;
	hk_co *co = NULL;
	loop = loop_new((hk_loop_params){0});
	if (!loop || CHECK_OK(pipe2(p, O_CLOEXEC)) < 0) {
		hk_loop_free(loop);
		return;
	}
	if (CHECK_OK(hk_co_spawn(loop, co_unwound, &seen, &co)) >= 0)
		CHECK_ERR(hk_co_own(co, p[0], HK_OWN_CLOSE), 0);
	CHECK(hk_loop_free(loop) == NULL);
	CHECK(seen == 0 || seen == -ECANCELED);
	CHECK(fd_is_closed(p[0]));
	close(p[1]);
	CHECK_EQ_U64(count_fds(), before);
}

/* ---- counters ---- */

static void co_counted(hk_co *co, void *arg)
{
	int *n = arg;

	for (int i = 0; i < 5; i++)
		if (hk_co_nop(co) == 0)
			(*n)++;
}

static void test_stats(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	int delivered = 0;

	if (!loop)
		return;
	hk_loop_stats z = stats_of(loop);
	CHECK_EQ_U64(z.spawned + z.alive + z.zombies + z.cqes + z.switches, 0);
	for (int i = 0; i < 10; i++)
		CHECK_OK(hk_co_spawn(loop, co_counted, &delivered, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(delivered, 50);
	hk_loop_stats st = stats_of(loop);
	CHECK(st.cqes >= 50);
	CHECK(st.sqes >= 50);
	/* Each coroutine is switched into to start, and after each nop. */
	CHECK(st.switches >= 10 + 50);
	CHECK_EQ_U64(st.spawned, 10);
	CHECK_EQ_U64(st.alive, 0);
	CHECK_EQ_U64(st.zombies, 0);
	CHECK_EQ_U64(st.late_cqes, 0);
	CHECK_EQ_U64(st.dropped, 0);
	CHECK(st.iterations >= 5);
	/* Batching: ten coroutines' nops go in together, one enter per round. */
	CHECK(st.enters >= 1 && st.enters <= 20);
	CHECK(st.sqes >= 5 * st.enters / 2);
	note("stats: iterations %" PRIu64 " enters %" PRIu64 " sqes %" PRIu64 " cqes %" PRIu64
	     " switches %" PRIu64,
	     st.iterations, st.enters, st.sqes, st.cqes, st.switches);
}

/* ---- the wait run on the coroutine's stack ---- */

struct inline_pair {
	bool flag;	   /* set by the sleeper */
	uint64_t spins;	   /* nops the spinner made before it saw the flag */
	int spin_error;	   /* a nop that did not return 0 */
	uint64_t switches; /* the loop's switches while the spinner was alone */
};

static void co_nop_spinner(hk_co *co, void *arg)
{
	struct inline_pair *p = arg;

	while (!p->flag && p->spins < 50000000) {
		int r = hk_co_nop(co);
		if (r != 0) {
			p->spin_error = r < 0 ? r : -EIO;
			return;
		}
		p->spins++;
	}
}

static void co_flag_sleeper(hk_co *co, void *arg)
{
	struct inline_pair *p = arg;

	CHECK_ERR(hk_co_sleep(co, 5 * HK_MSEC), 0);
	p->flag = true;
}

static void co_nops_alone(hk_co *co, void *arg)
{
	struct inline_pair *p = arg;
	uint64_t before = stats_of(hk_co_loop(co)).switches;

	for (int i = 0; i < 1000; i++)
		if (hk_co_nop(co) != 0)
			p->spin_error = -EIO;
	p->switches = stats_of(hk_co_loop(co)).switches - before;
}

static void test_inline_wait(void)
{
	/*
	 * A coroutine alone with its ops in flight waits on its own stack
	 * (uring_wait_inline()): 1,000 nops, every result right, without a
	 * switch to the loop and back for each.
	 */
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	struct inline_pair p = {0};
	if (!loop)
		return;
	CHECK_OK(hk_co_spawn(loop, co_nops_alone, &p, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_ERR(p.spin_error, 0);
	CHECK(p.switches < 10);
	CHECK_EQ_U64(stats_of(loop).cqes >= 1000, 1);

	/*
	 * A completion for another coroutine reaped there wakes it: the
	 * spinner, alone in the loop while the sleeper's timeout is out,
	 * must yield the CPU to it when the timeout fires, and then see its
	 * flag. Without that, it spins 50,000,000 nops and never sees it.
	 */
	_cleanup_loop_ hk_loop *two = loop_new((hk_loop_params){0});
	p = (struct inline_pair){0};
	if (!two)
		return;
	CHECK_OK(hk_co_spawn(two, co_nop_spinner, &p, NULL));
	CHECK_OK(hk_co_spawn(two, co_flag_sleeper, &p, NULL));
	CHECK_ERR(hk_loop_run(two), 0);
	CHECK_ERR(p.spin_error, 0);
	CHECK(p.flag);
	CHECK(p.spins > 0 && p.spins < 50000000);
	note("inline wait: spinner made %" PRIu64 " nops before the sleeper woke", p.spins);
}

static const uring_case cases[] = {
    {"features", test_features},
    {"spawn-run-end", test_spawn_run_end},
    {"many-coroutines", test_many},
    {"yield-order", test_yield_order},
    {"switch-values", test_switch_values},
    {"wait-all-any-mask", test_wait_modes},
    {"wake-combinations", test_wake_combinations},
    {"drop", test_drop},
    {"late-completions", test_late_completions},
    {"inactivity", test_inactivity},
    {"inactivity-runnable", test_inactivity_runnable},
    {"full-sq", test_full_sq},
    {"cq-overflow", test_cq_overflow},
    {"stop", test_stop},
    {"free-live", test_free_live},
    {"stats", test_stats},
    {"inline-wait", test_inline_wait},
};

int main(void)
{
	return uring_test_main(cases, ELEMENTSOF(cases));
}

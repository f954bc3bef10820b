/* SPDX-License-Identifier: MIT */
/*
 * The io_uring runtime's memory safety at the edges an independent review
 * found, through include/hostkit/uring.h alone: a shorthand never returns
 * while its op is out (an urgent op completed and not collected must not
 * end its wait), a linked timeout armed for an op that failed to start is
 * not carried to the next op, a pool buffer with a read_fixed or
 * write_fixed outstanding can be neither released nor used by another
 * coroutine, and hk_loop_free() on the wrong thread leaves mapped what the
 * kernel may still write into. Every case runs once per parameter set:
 * the defaults, and each fallback flag.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hostkit/uring.h>

#include "base/macro.h"
#include "tests/test.h"
#include "tests/unit/uring-cases.h"

/* Waits for op @op alone and returns its result. */
static int wait_result(hk_co *co, int op)
{
	if (op < 0)
		return op;
	for (;;) {
		int m = hk_co_wait(co, opbit(op), HK_WAIT_ALL);
		if (m < 0)
			return m;
		if (m & opbit(op))
			return hk_co_result(co, op);
	}
}

/* A coroutine that writes one byte to *arg after 10 ms. */
static void co_late_byte(hk_co *co, void *arg)
{
	int fd = *(int *)arg;

	if (hk_co_sleep(co, 10 * HK_MSEC) == 0)
		CHECK_EQ_S64(write(fd, "x", 1), 1);
}

/* ---- An urgent op completed does not end a shorthand's wait ---- */

struct urgent {
	int sv[2];
	uint64_t victim;
	unsigned done;
};

static void co_urgent(hk_co *co, void *arg)
{
	struct urgent *u = arg;
	char buf[16] = "";

	int t = CHECK_OK(hk_op_timeout(co, 1 * HK_MSEC));
	if (t < 0)
		return;
	CHECK_EQ_U64(hk_co_set_urgent(co, opbit(t)), 0);
	CHECK_EQ_S64(hk_co_wait(co, opbit(t), HK_WAIT_ALL), (int)opbit(t));

	/* The urgent timeout is in, uncollected: each shorthand still waits
	 * for its own op, and leaves only that op's slot behind. */
	uint64_t t0 = now_ns();
	CHECK_ERR(hk_co_sleep(co, 20 * HK_MSEC), 0);
	CHECK(now_ns() - t0 >= 20 * HK_MSEC);
	CHECK_EQ_U64(hk_co_pending(co), opbit(t));

	CHECK_OK(hk_co_spawn(hk_co_loop(co), co_late_byte, &u->sv[1], NULL));
	t0 = now_ns();
	CHECK_EQ_S64(hk_co_recv(co, u->sv[0], buf, sizeof(buf), 0), 1);
	CHECK(buf[0] == 'x');
	CHECK(now_ns() - t0 >= 5 * HK_MSEC);
	CHECK_EQ_U64(hk_co_pending(co), opbit(t));

	/* hk_co_wait() is where the urgent mask applies: an ALL wait for
	 * another op ends at once, that op not done. */
	int slow = CHECK_OK(hk_op_timeout(co, 10 * HK_SEC));
	if (slow >= 0) {
		CHECK_ERR(hk_co_wait(co, opbit(slow), HK_WAIT_ALL), 0);
		CHECK(hk_co_pending(co) & opbit(slow));
		CHECK_ERR(hk_op_cancel(co, slow), 0);
		/* The urgent op must go before a wait can see slow's end. */
		CHECK_ERR(hk_co_result(co, t), -ETIME);
		CHECK_ERR(wait_result(co, slow), -ECANCELED);
	} else {
		CHECK_ERR(hk_co_result(co, t), -ETIME);
	}
	CHECK_EQ_U64(hk_co_pending(co), 0);
	u->done++;
}

/* A shorthand's wait with an urgent op in does end when the coroutine is dropped. */
static void co_urgent_victim(hk_co *co, void *arg)
{
	struct urgent *u = arg;
	char buf[16];

	int t = CHECK_OK(hk_op_nop(co));
	if (t < 0)
		return;
	hk_co_set_urgent(co, opbit(t));
	CHECK_EQ_S64(hk_co_wait(co, opbit(t), HK_WAIT_ALL), (int)opbit(t));
	CHECK_ERR(hk_co_recv(co, u->sv[0], buf, sizeof(buf), 0), -ECANCELED);
	u->done++;
}

static void co_urgent_dropper(hk_co *co, void *arg)
{
	struct urgent *u = arg;

	CHECK_ERR(hk_co_sleep(co, 10 * HK_MSEC), 0);
	CHECK_ERR(hk_loop_drop(hk_co_loop(co), u->victim), 0);
}

static void test_urgent_shorthand(void)
{
	struct urgent u = {.sv = {-EBADF, -EBADF}};
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	hk_co *victim = NULL;

	if (!loop || CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, u.sv)) < 0)
		goto out;
	CHECK_OK(hk_co_spawn(loop, co_urgent, &u, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(u.done, 1);

	if (CHECK_OK(hk_co_spawn(loop, co_urgent_victim, &u, &victim)) == 0) {
		u.victim = hk_co_id(victim);
		CHECK_OK(hk_co_spawn(loop, co_urgent_dropper, &u, NULL));
	}
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(u.done, 2);
	CHECK_EQ_U64(stats_of(loop).zombies, 0);
	CHECK_EQ_U64(stats_of(loop).alive, 0);
out:
	close_pair(u.sv);
}

/* ---- A linked timeout for an op that never started goes with it ---- */

struct link {
	int sv[2];
	int file;
	unsigned done;
};

/* After a refused start: the next op (a recv whose byte comes 10 ms
 * later, beyond the 1 ms timeout) has no timeout. */
static void expect_no_link(hk_co *co, struct link *l, int line)
{
	char c = 0;
	int r;

	CHECK_OK(hk_co_spawn(hk_co_loop(co), co_late_byte, &l->sv[1], NULL));
	r = hk_co_recv(co, l->sv[0], &c, 1, 0);
	if (r != 1)
		fprintf(stderr, "%s:%d: recv after a refused op with a linked timeout: %d (%s)\n",
			__FILE__, line, r, test_errname(r));
	CHECK(r == 1 && c == 'x');
}

static void co_link_refused(hk_co *co, void *arg)
{
	struct link *l = arg;
	char buf[16];
	int ops[HK_CO_OPS];

	/* A bad descriptor. */
	CHECK_ERR(hk_co_link_timeout(co, 1 * HK_MSEC), 0);
	CHECK_ERR(hk_co_recv(co, -5, buf, sizeof(buf), 0), -EBADF);
	expect_no_link(co, l, __LINE__);

	/* A fixed slot beyond the table. */
	CHECK_ERR(hk_co_link_timeout(co, 1 * HK_MSEC), 0);
	CHECK_ERR(hk_op_recv(co, HK_FIXED_FD(1000), buf, sizeof(buf), 0), -EBADF);
	expect_no_link(co, l, __LINE__);

	/* A pool buffer the coroutine does not hold. */
	CHECK_ERR(hk_co_link_timeout(co, 1 * HK_MSEC), 0);
	CHECK_ERR(hk_op_read_fixed(co, l->file, 0, 0, 16, 0), -EINVAL);
	expect_no_link(co, l, __LINE__);

	/* Accept flags it does not know. */
	CHECK_ERR(hk_co_link_timeout(co, 1 * HK_MSEC), 0);
	CHECK_ERR(hk_op_accept(co, l->sv[0], NULL, NULL, 0x80), -EINVAL);
	expect_no_link(co, l, __LINE__);

	/* A multishot accept, which a timeout cannot bound. */
	CHECK_ERR(hk_co_link_timeout(co, 1 * HK_MSEC), 0);
	CHECK_ERR(hk_op_accept_multishot(co, l->sv[0], 0), -EINVAL);
	expect_no_link(co, l, __LINE__);

	/* A fixed slot update out of range. */
	CHECK_ERR(hk_co_link_timeout(co, 1 * HK_MSEC), 0);
	CHECK_ERR(hk_op_files_update(co, 1000, l->file), -EINVAL);
	expect_no_link(co, l, __LINE__);

	/* Every op slot taken. */
	unsigned n = 0;
	for (; n < HK_CO_OPS; n++) {
		ops[n] = CHECK_OK(hk_op_timeout(co, 10 * HK_SEC));
		if (ops[n] < 0)
			break;
	}
	CHECK_ERR(hk_co_link_timeout(co, 1 * HK_MSEC), 0);
	CHECK_ERR(hk_op_nop(co), -EBUSY);
	for (unsigned i = 0; i < n; i++) {
		CHECK_ERR(hk_op_cancel(co, ops[i]), 0);
		CHECK_ERR(wait_result(co, ops[i]), -ECANCELED);
	}
	expect_no_link(co, l, __LINE__);

	/* And a linked timeout that is used still works. */
	CHECK_ERR(hk_co_link_timeout(co, 1 * HK_MSEC), 0);
	CHECK_ERR(hk_co_recv(co, l->sv[0], buf, sizeof(buf), 0), -ETIME);
	CHECK_EQ_U64(hk_co_pending(co), 0);
	l->done++;
}

static void test_link_refused(void)
{
	struct link l = {.sv = {-EBADF, -EBADF}, .file = -EBADF};
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){.buffers = 1, .fixed_files = 2});
	_cleanup_close_ int file = l.file = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (!loop || CHECK_OK(file) < 0 ||
	    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, l.sv)) < 0)
		goto out;
	CHECK_OK(hk_co_spawn(loop, co_link_refused, &l, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(l.done, 1);
	CHECK_EQ_U64(stats_of(loop).zombies, 0);
out:
	close_pair(l.sv);
}

/* ---- A pool buffer the kernel holds stays with its owner ---- */

struct busy {
	int p[2];
	int buf;
	unsigned step; /* the owner's progress, for the other coroutine */
	unsigned done;
};

static void co_busy_owner(hk_co *co, void *arg)
{
	struct busy *b = arg;
	hk_loop *loop = hk_co_loop(co);

	int buf = b->buf = CHECK_OK(hk_co_buf_obtain(co, 0));
	if (buf < 0)
		return;
	char *m = hk_loop_buf(loop, (unsigned)buf);
	int r = CHECK_OK(hk_op_read_fixed(co, b->p[0], (unsigned)buf, 0, 64, 0));
	if (r < 0)
		return;
	CHECK_ERR(hk_co_sleep(co, 2 * HK_MSEC), 0);
	CHECK(!(hk_co_completed(co) & opbit(r)));
	/* The kernel may still fill it: it stays here. */
	CHECK_ERR(hk_co_buf_release(co, (unsigned)buf), -EBUSY);
	CHECK_EQ_U64(hk_loop_buf_free(loop), 0);
	b->step = 1;
	/* The other coroutine tries its luck meanwhile. */
	CHECK_ERR(hk_co_sleep(co, 10 * HK_MSEC), 0);
	CHECK_EQ_S64(write(b->p[1], "KERNELDATA", 10), 10);
	CHECK_EQ_S64(wait_result(co, r), 10);
	CHECK(memcmp(m, "KERNELDATA", 10) == 0);

	/* A cancelled read: busy until the kernel gives it back, not just asked to. */
	r = CHECK_OK(hk_op_read_fixed(co, b->p[0], (unsigned)buf, 0, 64, 0));
	if (r >= 0) {
		CHECK_ERR(hk_co_sleep(co, 2 * HK_MSEC), 0);
		CHECK_ERR(hk_op_cancel(co, r), 0);
		CHECK_ERR(hk_co_buf_release(co, (unsigned)buf), -EBUSY);
		CHECK_ERR(wait_result(co, r), -ECANCELED);
	}
	/* A write the kernel completes at once is done with it too. */
	CHECK_EQ_S64(hk_co_write_fixed(co, b->p[1], (unsigned)buf, 0, 4, 0), 4);
	char tmp[4];
	CHECK_EQ_S64(read(b->p[0], tmp, 4), 4);
	CHECK_ERR(hk_co_buf_release(co, (unsigned)buf), 0);
	CHECK_EQ_U64(hk_loop_buf_free(loop), 1);
	b->done++;
}

static void co_busy_other(hk_co *co, void *arg)
{
	struct busy *b = arg;

	while (b->step == 0)
		if (CHECK_OK(hk_co_sleep(co, 1 * HK_MSEC)) < 0)
			return;
	/* Not its buffer: neither to read into nor to take. */
	CHECK_ERR(hk_op_read_fixed(co, b->p[0], (unsigned)b->buf, 0, 64, 0), -EINVAL);
	CHECK_ERR(hk_op_write_fixed(co, b->p[1], (unsigned)b->buf, 0, 4, 0), -EINVAL);
	CHECK_ERR(hk_co_buf_release(co, (unsigned)b->buf), -EINVAL);
	CHECK_ERR(hk_co_buf_obtain(co, 0), -ENOBUFS);
	CHECK_EQ_U64(hk_co_pending(co), 0);
	b->done++;
}

/* Ends with a read_fixed out: its buffer comes back only with the read. */
static void co_busy_quitter(hk_co *co, void *arg)
{
	struct busy *b = arg;

	int buf = CHECK_OK(hk_co_buf_obtain(co, 0));
	if (buf >= 0)
		CHECK_OK(hk_op_read_fixed(co, b->p[0], (unsigned)buf, 0, 64, 0));
	b->done++;
}

static void co_busy_after(hk_co *co, void *arg)
{
	struct busy *b = arg;
	hk_loop *loop = hk_co_loop(co);
	uint64_t end = now_ns() + 3 * HK_SEC;

	while (stats_of(loop).zombies > 0 && now_ns() < end)
		if (CHECK_OK(hk_co_sleep(co, 1 * HK_MSEC)) < 0)
			return;
	CHECK_EQ_U64(stats_of(loop).zombies, 0);
	CHECK_EQ_U64(hk_loop_buf_free(loop), 1);
	int buf = CHECK_OK(hk_co_buf_obtain(co, 0));
	if (buf >= 0) {
		/* The pipe's next bytes are this coroutine's, not the dead read's. */
		CHECK_EQ_S64(write(b->p[1], "NEXT", 4), 4);
		CHECK_EQ_S64(hk_co_read_fixed(co, b->p[0], (unsigned)buf, 0, 64, 0), 4);
		CHECK_ERR(hk_co_buf_release(co, (unsigned)buf), 0);
	}
	b->done++;
}

static void test_buffer_busy(void)
{
	struct busy b = {.p = {-EBADF, -EBADF}, .buf = -1};
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){.buffers = 1, .buffer_size = 64});

	if (!loop || CHECK_OK(pipe2(b.p, O_CLOEXEC)) < 0)
		goto out;
	CHECK_OK(hk_co_spawn(loop, co_busy_owner, &b, NULL));
	CHECK_OK(hk_co_spawn(loop, co_busy_other, &b, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(b.done, 2);

	CHECK_OK(hk_co_spawn(loop, co_busy_quitter, &b, NULL));
	CHECK_OK(hk_co_spawn(loop, co_busy_after, &b, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(b.done, 4);
	CHECK_EQ_U64(stats_of(loop).zombies, 0);
out:
	close_pair(b.p);
}

/* ---- hk_loop_free() on a thread that cannot drive the ring ---- */

struct off_thread {
	int sv[2];
	hk_loop *loop;
	char *recv_at; /* a recv's buffer on the coroutine's stack */
	unsigned done;
};

static void co_off_recv(hk_co *co, void *arg)
{
	struct off_thread *o = arg;
	char buf[64];

	o->recv_at = buf;
	/* Nothing comes: the loop is freed under this recv. */
	hk_co_recv(co, o->sv[0], buf, sizeof(buf), 0);
	o->done++;
}

static void co_off_stop(hk_co *co, void *arg)
{
	struct off_thread *o = arg;

	if (hk_co_sleep(co, 5 * HK_MSEC) == 0)
		hk_loop_stop(o->loop);
}

static void *free_thread(void *arg)
{
	struct off_thread *o = arg;

	hk_loop_free(o->loop);
	return NULL;
}

static bool page_mapped(const void *p)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char vec;
	void *start = (void *)((uintptr_t)p & ~((uintptr_t)page - 1));

	return mincore(start, (size_t)page, &vec) == 0;
}

static void test_free_off_thread(void)
{
	struct off_thread o = {.sv = {-EBADF, -EBADF}};
	pthread_t t;
	int r;

	o.loop = loop_new((hk_loop_params){.buffers = 1});
	if (!o.loop || CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, o.sv)) < 0)
		goto out;
	bool single_issuer = hk_loop_features(o.loop) & HK_URING_SINGLE_ISSUER;
	void *pool = hk_loop_buf(o.loop, 0);
	CHECK_OK(hk_co_spawn(o.loop, co_off_recv, &o, NULL));
	CHECK_OK(hk_co_spawn(o.loop, co_off_stop, &o, NULL));
	CHECK_ERR(hk_loop_run(o.loop), 0);
	CHECK(o.recv_at != NULL);
	CHECK_EQ_U64(stats_of(o.loop).alive, 1);

	r = -pthread_create(&t, NULL, free_thread, &o);
	if (CHECK_OK(r) < 0)
		goto out; /* the loop is freed below, on this thread */
	CHECK_OK(-pthread_join(t, NULL));
	o.loop = NULL;
	/* The dropped coroutine ran once more, on that thread, and ended. */
	CHECK_EQ_U64(o.done, 1);
	if (single_issuer) {
		/* But the kernel refused that thread's submits: the recv into
		 * the coroutine's stack was cancelled only by the ring's
		 * closing, which the kernel finishes when it will. The stack
		 * and the pool stay mapped. */
		CHECK(page_mapped(o.recv_at));
		CHECK(page_mapped(pool));
		CHECK_EQ_S64(write(o.sv[1], "late", 4), 4);
	}
out:
	hk_loop_free(o.loop);
	close_pair(o.sv);
}

static const uring_case cases[] = {
    {"urgent-shorthand", test_urgent_shorthand},
    {"link-refused", test_link_refused},
    {"buffer-busy", test_buffer_busy},
    {"free-off-thread", test_free_off_thread},
};

int main(void)
{
	return uring_test_main(cases, ELEMENTSOF(cases));
}

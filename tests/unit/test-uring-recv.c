/* SPDX-License-Identifier: MIT */
/*
 * The multishot recv on the loop's receive buffer ring, through
 * include/hostkit/uring.h alone: data arriving in order across many ring
 * buffers, end of stream, a reset, the ring running dry (-ENOBUFS) and
 * starting again once buffers are back, buffers held or queued for a
 * coroutine that ends going back to the ring, the cancel of a multishot
 * recv, a fixed descriptor, and the parameters' checks. Every case runs
 * once per parameter set: the defaults, and each fallback flag (with
 * HK_LOOP_NO_MULTISHOT the runtime re-arms single recvs).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hostkit/uring.h>

#include "base/macro.h"
#include "tests/test.h"
#include "tests/unit/uring-cases.h"

#define WATCHDOG_SECONDS 30
/* Small buffers, so a few kilobytes span many of them. */
#define RBUF_SIZE 64
#define RBUFS	  8

static hk_loop_params ring_params(unsigned n)
{
	return (hk_loop_params){.recv_buffers = n, .recv_buffer_size = RBUF_SIZE};
}

/* Runs fn(co, arg) as the one coroutine of a new loop made with @p. */
static void run_co(hk_loop_params p, hk_co_fn *fn, void *arg)
{
	_cleanup_loop_ hk_loop *loop = loop_new(p);
	hk_loop_stats st;

	if (!loop)
		return;
	CHECK_OK(hk_co_spawn(loop, fn, arg, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	hk_loop_get_stats(loop, &st);
	CHECK_EQ_U64(st.zombies, 0);
}

static int stream_pair(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return -errno;
	return 0;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

/*
 * Takes what multishot recv @op has queued, waiting for more while it is
 * armed, until @want bytes came (checked against pattern() from byte *at),
 * the op ended (its result), or it ran dry (-ENOBUFS, after giving every
 * buffer back). Returns the bytes taken, or the op's end.
 */
static int take_data(hk_co *co, int op, size_t *at, size_t want)
{
	size_t start = *at;

	while (*at - start < want) {
		hk_recv_buf b;
		int n = hk_co_recv_next(co, op, &b);

		if (n == -EAGAIN) {
			int m = hk_co_wait(co, opbit(op), HK_WAIT_ANY);

			if (m < 0)
				return m;
			continue;
		}
		if (n <= 0)
			return n;
		CHECK(b.len == (size_t)n && b.len <= RBUF_SIZE && b.id < 1024);
		for (size_t i = 0; i < b.len; i++) {
			if (((unsigned char *)b.data)[i] != pattern(*at + i)) {
				CHECK(((unsigned char *)b.data)[i] == pattern(*at + i));
				break;
			}
		}
		*at += b.len;
		CHECK_ERR(hk_co_recv_buf_put(co, b.id), 0);
		CHECK_ERR(hk_co_recv_buf_put(co, b.id), -EINVAL);
	}
	return (int)(*at - start);
}

/* ---- In order, and end of stream ---- */

struct stream {
	int fd;
	size_t len;
};

static void co_writer(hk_co *co, void *arg)
{
	struct stream *s = arg;
	unsigned char chunk[1000];

	for (size_t done = 0; done < s->len;) {
		size_t n = MIN(sizeof(chunk), s->len - done);

		for (size_t i = 0; i < n; i++)
			chunk[i] = pattern(done + i);
		CHECK_ERR(hk_co_send_all(co, s->fd, chunk, n, 0), (long)n);
		done += n;
	}
	CHECK_OK(shutdown(s->fd, SHUT_WR) < 0 ? -errno : 0);
}

static void co_reader(hk_co *co, void *arg)
{
	struct stream *s = arg;
	size_t at = 0;
	unsigned restarts = 0;
	int op = CHECK_OK(hk_op_recv_multishot(co, s->fd));

	for (;;) {
		int r = take_data(co, op, &at, SIZE_MAX / 2);

		if (r != -ENOBUFS) {
			CHECK_ERR(r, 0); /* end of stream */
			break;
		}
		/* The writer outran the reader: every buffer is back, start
		 * again, nothing lost. */
		restarts++;
		op = CHECK_OK(hk_op_recv_multishot(co, s->fd));
		if (op < 0)
			break;
	}
	CHECK_EQ_U64(at, s->len);
	CHECK(!(hk_co_pending(co) & opbit(op)));
	CHECK_ERR(hk_co_recv_next(co, op, &(hk_recv_buf){0}), -EINVAL);
	note("%zu bytes in %u-byte buffers, %u restarts", at, RBUF_SIZE, restarts);
}

static void test_in_order(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new(ring_params(RBUFS));
	int fds[2] = {-1, -1};
	struct stream w, r;

	if (!loop || CHECK_OK(stream_pair(fds)) < 0)
		return;
	w = (struct stream){.fd = fds[1], .len = 256 * 1024 + 17};
	r = (struct stream){.fd = fds[0], .len = w.len};
	CHECK_OK(hk_co_spawn(loop, co_reader, &r, NULL));
	CHECK_OK(hk_co_spawn(loop, co_writer, &w, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	close_pair(fds);
}

/* ---- A reset ---- */

static void co_reset(hk_co *co, void *arg)
{
	int *fds = arg;
	size_t at = 0;
	int op = CHECK_OK(hk_op_recv_multishot(co, fds[0]));
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	unsigned char first[10];

	for (size_t i = 0; i < sizeof(first); i++)
		first[i] = pattern(i);
	CHECK_ERR(hk_co_send_all(co, fds[1], first, sizeof(first), 0), (long)sizeof(first));
	CHECK_ERR(take_data(co, op, &at, sizeof(first)), (int)sizeof(first));
	/* Linger 0: close() sends a RST. */
	CHECK_OK(setsockopt(fds[1], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0 ? -errno : 0);
	close(fds[1]);
	fds[1] = -1;
	CHECK_ERR(take_data(co, op, &at, SIZE_MAX / 2), -ECONNRESET);
	CHECK(!(hk_co_pending(co) & opbit(op)));
}

static void test_reset(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int fds[2] = {-1, -1};

	if (CHECK_OK(lfd < 0 ? -errno : 0) < 0)
		return;
	if (CHECK_OK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0) >= 0 &&
	    CHECK_OK(listen(lfd, 1) < 0 ? -errno : 0) >= 0 &&
	    CHECK_OK(getsockname(lfd, (struct sockaddr *)&sa, &len) < 0 ? -errno : 0) >= 0) {
		fds[1] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (CHECK_OK(fds[1] < 0 ? -errno : 0) >= 0 &&
		    CHECK_OK(connect(fds[1], (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno
										     : 0) >= 0) {
			fds[0] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (CHECK_OK(fds[0] < 0 ? -errno : 0) >= 0)
				run_co(ring_params(RBUFS), co_reset, fds);
		}
	}
	close_pair(fds);
	close(lfd);
}

/* ---- The ring running dry ---- */

static void co_exhaust(hk_co *co, void *arg)
{
	int *fds = arg;
	unsigned char data[RBUFS * RBUF_SIZE + 100];
	hk_recv_buf held[RBUFS];
	unsigned n_held = 0;
	size_t got = 0, at = 0;
	int op = CHECK_OK(hk_op_recv_multishot(co, fds[0])), r;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);
	CHECK_ERR(hk_co_send_all(co, fds[1], data, sizeof(data), 0), (long)sizeof(data));
	/* Hold every buffer: the ring runs dry and the op ends. */
	for (;;) {
		hk_recv_buf b;

		r = hk_co_recv_next(co, op, &b);
		if (r == -EAGAIN) {
			if (hk_co_wait(co, opbit(op), HK_WAIT_ANY) < 0)
				break;
			continue;
		}
		if (r <= 0)
			break;
		CHECK(n_held < RBUFS);
		if (n_held == RBUFS)
			break;
		CHECK(memcmp(b.data, data + got, b.len) == 0);
		got += b.len;
		held[n_held++] = b;
	}
	CHECK_ERR(r, -ENOBUFS);
	CHECK_EQ_U64(n_held, RBUFS);
	CHECK(!(hk_co_pending(co) & opbit(op)));
	/* Starting again with the ring still empty ends at once the same way. */
	op = CHECK_OK(hk_op_recv_multishot(co, fds[0]));
	CHECK_ERR(take_data(co, op, &at, 1), -ENOBUFS);
	for (unsigned i = 0; i < n_held; i++)
		CHECK_ERR(hk_co_recv_buf_put(co, held[i].id), 0);
	/* Buffers back: the rest of the data, nothing lost. */
	at = got;
	op = CHECK_OK(hk_op_recv_multishot(co, fds[0]));
	CHECK_ERR(take_data(co, op, &at, sizeof(data) - got), (int)(sizeof(data) - got));
	CHECK_ERR(hk_op_cancel(co, op), 0);
	CHECK_ERR(take_data(co, op, &at, 1), -ECANCELED);
}

static void test_exhaustion(void)
{
	int fds[2] = {-1, -1};

	if (CHECK_OK(stream_pair(fds)) < 0)
		return;
	run_co(ring_params(RBUFS), co_exhaust, fds);
	close_pair(fds);
}

/* ---- What an ended coroutine held goes back ---- */

struct holder {
	int fd;
	bool drop_self;
};

/* Takes half the ring's buffers, leaves the other half queued, then ends. */
static void co_holder(hk_co *co, void *arg)
{
	struct holder *h = arg;
	unsigned taken = 0;
	int op = CHECK_OK(hk_op_recv_multishot(co, h->fd));

	while (taken < RBUFS / 2) {
		hk_recv_buf b;
		int r = hk_co_recv_next(co, op, &b);

		if (r == -EAGAIN && hk_co_wait(co, opbit(op), HK_WAIT_ANY) >= 0)
			continue;
		CHECK(r > 0);
		if (r <= 0)
			return;
		taken++;
	}
	/* Let the kernel fill the rest of the ring. */
	for (int i = 0; i < 5; i++)
		hk_co_yield(co);
	if (h->drop_self) {
		CHECK_ERR(hk_co_drop(co), 0);
		CHECK_ERR(hk_co_wait(co, opbit(op), HK_WAIT_ALL), -ECANCELED);
	}
}

static void co_full_ring(hk_co *co, void *arg)
{
	int *fds = arg;
	unsigned char data[RBUFS * RBUF_SIZE];
	hk_recv_buf held[RBUFS];
	unsigned n_held = 0;
	int op = CHECK_OK(hk_op_recv_multishot(co, fds[0])), r;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);
	CHECK_ERR(hk_co_send_all(co, fds[1], data, sizeof(data), 0), (long)sizeof(data));
	/* Every buffer of the ring is usable again: one each. */
	while (n_held < RBUFS) {
		r = hk_co_recv_next(co, op, &held[n_held]);
		if (r == -EAGAIN && hk_co_wait(co, opbit(op), HK_WAIT_ANY) >= 0)
			continue;
		CHECK(r > 0);
		if (r <= 0)
			break;
		n_held++;
	}
	CHECK_EQ_U64(n_held, RBUFS);
	CHECK_ERR(hk_op_cancel(co, op), 0);
	size_t at = 0;
	r = take_data(co, op, &at, SIZE_MAX / 2);
	CHECK(r == -ECANCELED || r == -ENOBUFS);
	/* The ones still held go back when this coroutine ends. */
}

static void test_end_releases(void)
{
	for (int drop = 0; drop < 2; drop++) {
		_cleanup_loop_ hk_loop *loop = loop_new(ring_params(RBUFS));
		int a[2] = {-1, -1}, b[2] = {-1, -1};
		unsigned char data[RBUFS * RBUF_SIZE];
		struct holder h;

		if (!loop || CHECK_OK(stream_pair(a)) < 0)
			return;
		for (size_t i = 0; i < sizeof(data); i++)
			data[i] = pattern(i);
		CHECK_ERR(write(a[1], data, sizeof(data)), (long)sizeof(data));
		h = (struct holder){.fd = a[0], .drop_self = drop};
		CHECK_OK(hk_co_spawn(loop, co_holder, &h, NULL));
		CHECK_ERR(hk_loop_run(loop), 0);
		if (CHECK_OK(stream_pair(b)) >= 0) {
			CHECK_OK(hk_co_spawn(loop, co_full_ring, b, NULL));
			CHECK_ERR(hk_loop_run(loop), 0);
			/* And again: the previous coroutine's buffers are back. */
			CHECK_OK(hk_co_spawn(loop, co_full_ring, b, NULL));
			CHECK_ERR(hk_loop_run(loop), 0);
		}
		close_pair(a);
		close_pair(b);
	}
}

/* ---- Cancel, and a fixed descriptor ---- */

static void co_cancel(hk_co *co, void *arg)
{
	int *fds = arg;
	size_t at = 0;
	int op = CHECK_OK(hk_op_recv_multishot(co, fds[0]));
	unsigned char data[100];

	CHECK_ERR(hk_co_sleep(co, 5 * HK_MSEC), 0);
	CHECK(hk_co_pending(co) & opbit(op));
	CHECK_ERR(hk_co_recv_next(co, op, &(hk_recv_buf){0}), -EAGAIN);
	CHECK_ERR(hk_op_cancel(co, op), 0);
	CHECK_ERR(hk_co_wait(co, opbit(op), HK_WAIT_ALL), (int)opbit(op));
	CHECK_ERR(hk_co_recv_next(co, op, &(hk_recv_buf){0}), -ECANCELED);
	CHECK(!(hk_co_pending(co) & opbit(op)));
	/* The socket is untouched: the next recv gets every byte. */
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);
	CHECK_ERR(hk_co_send_all(co, fds[1], data, sizeof(data), 0), (long)sizeof(data));
	op = CHECK_OK(hk_op_recv_multishot(co, fds[0]));
	CHECK_ERR(take_data(co, op, &at, sizeof(data)), (int)sizeof(data));
	close(fds[1]);
	fds[1] = -1;
	CHECK_ERR(take_data(co, op, &at, 1), 0);
}

static void test_cancel(void)
{
	int fds[2] = {-1, -1};

	if (CHECK_OK(stream_pair(fds)) < 0)
		return;
	run_co(ring_params(RBUFS), co_cancel, fds);
	close_pair(fds);
}

static void co_fixed(hk_co *co, void *arg)
{
	int *fds = arg;
	size_t at = 0;
	/* Less than the ring holds: the kernel fills buffers while the
	 * coroutine is still sending. */
	unsigned char data[RBUFS * RBUF_SIZE / 2];
	int slot = CHECK_OK(hk_co_fixed_alloc(co));

	if (slot < 0)
		return;
	int up = CHECK_OK(hk_op_files_update(co, (unsigned)slot, fds[0]));
	CHECK_ERR(hk_co_wait(co, opbit(up), HK_WAIT_ALL), (int)opbit(up));
	CHECK_ERR(hk_co_result(co, up), 1);
	/* The slot holds the socket now: the plain descriptor can go. */
	close(fds[0]);
	fds[0] = -1;

	int op = CHECK_OK(hk_op_recv_multishot(co, HK_FIXED_FD(slot)));
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);
	CHECK_ERR(hk_co_send_all(co, fds[1], data, sizeof(data), 0), (long)sizeof(data));
	CHECK_ERR(take_data(co, op, &at, sizeof(data)), (int)sizeof(data));
	CHECK_OK(shutdown(fds[1], SHUT_WR) < 0 ? -errno : 0);
	CHECK_ERR(take_data(co, op, &at, 1), 0);
	/* The coroutine owns the slot: closed and freed at its end. */
}

static void test_fixed(void)
{
	hk_loop_params p = ring_params(RBUFS);
	int fds[2] = {-1, -1};

	p.fixed_files = 4;
	if (CHECK_OK(stream_pair(fds)) < 0)
		return;
	run_co(p, co_fixed, fds);
	close_pair(fds);
}

/* ---- Parameters ---- */

static void co_no_ring(hk_co *co, void *arg)
{
	int *fds = arg;

	CHECK_ERR(hk_op_recv_multishot(co, fds[0]), -ENOBUFS);
	CHECK_ERR(hk_co_recv_buf_put(co, 0), -EINVAL);
	CHECK_ERR(hk_co_recv_next(co, 0, &(hk_recv_buf){0}), -EINVAL);
}

static void co_bad_args(hk_co *co, void *arg)
{
	int *fds = arg;
	int op;

	CHECK_ERR(hk_co_recv_buf_put(co, RBUFS), -EINVAL);
	CHECK_ERR(hk_co_recv_buf_put(co, 0), -EINVAL); /* in the ring, not held */
	CHECK_ERR(hk_op_recv_multishot(co, -1), -EBADF);
	CHECK_ERR(hk_co_link_timeout(co, HK_SEC), 0);
	CHECK_ERR(hk_op_recv_multishot(co, fds[0]), -EINVAL);
	/* hk_co_recv_next() is for multishot recvs only, and the reverse. */
	op = CHECK_OK(hk_op_nop(co));
	CHECK_ERR(hk_co_recv_next(co, op, &(hk_recv_buf){0}), -EINVAL);
	CHECK_OK(hk_co_wait(co, opbit(op), HK_WAIT_ALL));
	CHECK_ERR(hk_co_result(co, op), 0);
	op = CHECK_OK(hk_op_recv_multishot(co, fds[0]));
	CHECK_ERR(hk_co_accept_next(co, op, &(int){0}), -EINVAL);
	CHECK_ERR(hk_co_result(co, op), -EBUSY);
	/* Ended by the coroutine's end: cancelled, not leaked. */
}

static void test_params(void)
{
	static const unsigned bad[] = {3, 65536, 100000};
	int fds[2] = {-1, -1};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		hk_loop_params p = ring_params(bad[i]);
		hk_loop *loop = NULL;

		p.flags = cur_flags;
		CHECK_ERR(hk_loop_new(&p, &loop), -EINVAL);
		CHECK(loop == NULL);
	}
	/* A buffer the kernel's 32-bit length cannot hold, once rounded to 64
	 * bytes (it used to round to 2^32 and become a 0-byte buffer). */
	static const size_t bad_size[] = {UINT32_MAX, (size_t)UINT32_MAX - 10,
					  (size_t)UINT32_MAX + 1, SIZE_MAX};
	for (size_t i = 0; i < ELEMENTSOF(bad_size); i++) {
		hk_loop_params p = {.recv_buffers = 1, .recv_buffer_size = bad_size[i],
				    .flags = cur_flags};
		hk_loop *loop = NULL;

		CHECK_ERR(hk_loop_new(&p, &loop), -EINVAL);
		CHECK(loop == NULL);
		hk_loop_free(loop);
	}
	if (CHECK_OK(stream_pair(fds)) < 0)
		return;
	run_co((hk_loop_params){0}, co_no_ring, fds);
	run_co(ring_params(RBUFS), co_bad_args, fds);
	close_pair(fds);
}

/* ---- Layout of the ring's buffers ---- */

struct layout {
	int fds[2];    /* recv on [0], this coroutine writes on [1] */
	size_t stride; /* the expected distance between buffers */
	unsigned seen; /* buffers other than the first compared */
};

/*
 * Sends one byte at a time and takes it before the next, so each lands
 * alone in the ring's next buffer, and checks where each buffer is: buffer
 * id times the stride from buffer 0. A power-of-two size gets a cache line
 * more, so ring order does not put every buffer's first line in one set.
 */
static void co_layout(hk_co *co, void *arg)
{
	struct layout *l = arg;
	const char *base = NULL;
	unsigned base_id = 0;
	int op = CHECK_OK(hk_op_recv_multishot(co, l->fds[0]));

	for (unsigned i = 0; i < 6 && op >= 0; i++) {
		char msg = (char)('a' + i);
		hk_recv_buf b;
		int n;

		CHECK_OK(send(l->fds[1], &msg, 1, 0) == 1 ? 0 : -errno);
		while ((n = hk_co_recv_next(co, op, &b)) == -EAGAIN)
			if (CHECK_OK(hk_co_wait(co, opbit(op), HK_WAIT_ANY)) < 0)
				return;
		CHECK_ERR(n, 1);
		if (n != 1)
			return;
		CHECK(((const char *)b.data)[0] == msg);
		if (!base) {
			base = (const char *)b.data - (size_t)b.id * l->stride;
			base_id = b.id;
		} else {
			CHECK((const char *)b.data == base + (size_t)b.id * l->stride);
			l->seen += b.id != base_id;
		}
		CHECK_ERR(hk_co_recv_buf_put(co, b.id), 0);
	}
	/* The coroutine's end cancels the recv. */
}

static void test_layout(void)
{
	static const struct {
		size_t size, stride;
	} cases[] = {{4096, 4096 + 64}, {100, 128 + 64}, {64, 64}, {192, 192}};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct layout l = {.fds = {-1, -1}, .stride = cases[i].stride};
		hk_loop_params p = {.recv_buffers = 4, .recv_buffer_size = cases[i].size};

		if (CHECK_OK(stream_pair(l.fds)) < 0)
			return;
		run_co(p, co_layout, &l);
		close_pair(l.fds);
		CHECK(l.seen >= 3);
		note("recv_buffer_size %zu: buffers %zu bytes apart, %u compared", cases[i].size,
		     cases[i].stride, l.seen);
	}
}

static const uring_case cases[] = {
    {"in-order", test_in_order},
    {"reset", test_reset},
    {"ring-exhaustion", test_exhaustion},
    {"end-releases", test_end_releases},
    {"cancel", test_cancel},
    {"fixed-fd", test_fixed},
    {"params", test_params},
    {"layout", test_layout},
};

int main(void)
{
	hk_loop *probe = NULL;
	int r;

	hk_loop_params pp = ring_params(RBUFS);

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	r = hk_loop_new(&pp, &probe);
	if (r == -ENOSYS || r == -EPERM)
		SKIP("io_uring is unavailable: %s", test_errname(r));
	if (r == -EINVAL)
		SKIP("the kernel has no provided buffer rings: %s", test_errname(r));
	CHECK_OK(r);
	if (r < 0)
		TEST_DONE();
	note("kernel multishot recv: %s",
	     hk_loop_features(probe) & HK_URING_RECV_MULTISHOT ? "yes" : "no (single recvs)");
	hk_loop_free(probe);

	uring_run_cases(cases, ELEMENTSOF(cases));
	TEST_DONE();
}

/* SPDX-License-Identifier: MIT */
/*
 * The io_uring runtime's operations, tested through include/hostkit/uring.h
 * alone: each operation's success path, timeouts, the limit of 16 ops
 * outstanding, linked timeouts, the cancellation of each kind of operation
 * while the kernel holds it (the descriptor still usable, no data eaten),
 * the fixed file allocator and the registered buffer pool running out, what
 * a dropped coroutine held coming back, read/write on registered buffers,
 * accept into the kernel's range of the fixed file table (single and
 * multishot), hk_op_files_update() and hk_op_getsockopt(). Sockets are on
 * loopback or socketpairs. Every case runs once per parameter set: the
 * defaults, and each fallback flag.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <hostkit/uring.h>

#include "base/macro.h"
#include "tests/test.h"
#include "tests/unit/uring-cases.h"

/* Runs fn(co, arg) as the one coroutine of a new loop made with @p. */
static void run_co(hk_loop_params p, hk_co_fn *fn, void *arg)
{
	_cleanup_loop_ hk_loop *loop = loop_new(p);

	if (!loop)
		return;
	CHECK_OK(hk_co_spawn(loop, fn, arg, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(stats_of(loop).zombies, 0);
}

/* Waits for op @op (which may fail early in an ALL wait: it is alone) and returns its result. */
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

/*
 * Lets op @op reach the kernel, checks it is still pending there, cancels
 * it and returns its result.
 */
static int cancel_pending(hk_co *co, int op)
{
	if (op < 0)
		return op;
	CHECK_ERR(hk_co_sleep(co, 5 * HK_MSEC), 0);
	CHECK(hk_co_pending(co) & opbit(op));
	CHECK(!(hk_co_completed(co) & opbit(op)));
	CHECK_ERR(hk_op_cancel(co, op), 0);
	return wait_result(co, op);
}

/* Sleeps until at most @alive coroutines live and none is a zombie; false after 3 s. */
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

/* Reads @len bytes that must arrive within a second. */
static ssize_t read_within(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, 1000);
		if (r < 0)
			return -errno;
		if (r == 0)
			return got > 0 ? (ssize_t)got : -ETIMEDOUT;
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if (fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* A loopback TCP listener on a port the kernel picks. */
static int listener(int backlog, struct sockaddr_in *ret_sa)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -errno;
	*ret_sa = sa;
	return TAKE_FD(fd);
}

/* A blocking client connected to @sa (loopback completes the handshake in the call). */
static int client(const struct sockaddr_in *sa)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* A connection of @lfd taken by plain accept4(): shows a cancelled accept took nothing. */
static int accept_within(int lfd)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	int r = poll(&p, 1, 1000);

	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	r = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return r < 0 ? -errno : r;
}

/* A file with no name, gone when closed: nothing to clean up after a crash. */
static int tmpfile_fd(void)
{
	const char *dir = getenv("TMPDIR");
	int fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : fd;
}

/* ---- each operation's success path ---- */

struct basic {
	int p[2];
	int s[2];
	int d[2];
	int lfd;
	struct sockaddr_in sa;
	int file;
	int done;
};

static void co_basic_ops(hk_co *co, void *arg)
{
	struct basic *b = arg;
	char buf[64];

	CHECK_ERR(hk_co_nop(co), 0);

	/* read and write on a pipe */
	CHECK_ERR(hk_co_write(co, b->p[1], "pipe-data", 9, 0), 9);
	memset(buf, 0, sizeof(buf));
	CHECK_ERR(hk_co_read(co, b->p[0], buf, sizeof(buf), 0), 9);
	CHECK(memcmp(buf, "pipe-data", 9) == 0);

	/* at an offset of a file */
	CHECK_ERR(hk_co_write(co, b->file, "offset", 6, 1000), 6);
	memset(buf, 0, sizeof(buf));
	CHECK_ERR(hk_co_read(co, b->file, buf, 6, 1000), 6);
	CHECK(memcmp(buf, "offset", 6) == 0);
	CHECK_ERR(hk_co_read(co, b->file, buf, 6, 0), 6);
	CHECK(buf[0] == 0);

	/* send and recv */
	CHECK_ERR(hk_co_send(co, b->s[0], "stream", 6, 0), 6);
	CHECK_ERR(hk_co_recv(co, b->s[1], buf, sizeof(buf), 0), 6);
	CHECK(memcmp(buf, "stream", 6) == 0);

	/* sendmsg and recvmsg, two pieces each way */
	char h1[] = "head", h2[] = "tail", r1[4], r2[16];
	struct iovec out[2] = {{h1, 4}, {h2, 4}}, in[2] = {{r1, sizeof(r1)}, {r2, sizeof(r2)}};
	struct msghdr mo = {.msg_iov = out, .msg_iovlen = 2};
	struct msghdr mi = {.msg_iov = in, .msg_iovlen = 2};
	CHECK_ERR(hk_co_sendmsg(co, b->d[0], &mo, 0), 8);
	CHECK_ERR(hk_co_recvmsg(co, b->d[1], &mi, 0), 8);
	CHECK(memcmp(r1, "head", 4) == 0 && memcmp(r2, "tail", 4) == 0);

	/* poll: readable once there are bytes, writable at once */
	int r = hk_co_poll(co, b->p[1], POLLOUT);
	CHECK(r > 0 && (r & POLLOUT));
	CHECK_ERR(write(b->p[1], "x", 1), 1);
	r = hk_co_poll(co, b->p[0], POLLIN);
	CHECK(r > 0 && (r & POLLIN));
	CHECK_ERR(hk_co_read(co, b->p[0], buf, 1, 0), 1);

	/* connect, then accept with the peer's address */
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (CHECK_OK(c) >= 0) {
		struct sockaddr_in local, peer;
		socklen_t llen = sizeof(local), plen = sizeof(peer);
		CHECK_ERR(hk_co_connect(co, c, (struct sockaddr *)&b->sa, sizeof(b->sa)), 0);
		CHECK_OK(getsockname(c, (struct sockaddr *)&local, &llen));
		int a = hk_co_accept(co, b->lfd, (struct sockaddr *)&peer, &plen, 0);
		if (CHECK_OK(a) >= 0) {
			CHECK(!HK_FD_IS_FIXED(a));
			CHECK(fcntl(a, F_GETFD) & FD_CLOEXEC);
			CHECK_EQ_U64(plen, sizeof(peer));
			CHECK_EQ_U64(peer.sin_family, AF_INET);
			CHECK_EQ_U64(peer.sin_port, local.sin_port);
			CHECK_ERR(hk_co_send(co, c, "tcp", 3, 0), 3);
			CHECK_ERR(hk_co_recv(co, a, buf, sizeof(buf), 0), 3);
			/* close through the ring: the peer sees the end */
			CHECK_ERR(hk_co_close(co, a), 0);
			CHECK_ERR(hk_co_recv(co, c, buf, sizeof(buf), 0), 0);
		}
		close(c);
	}

	/* Descriptors the runtime cannot use; no fixed file table in this loop. */
	CHECK_ERR(hk_co_read(co, -1, buf, 1, 0), -EBADF);
	CHECK_ERR(hk_co_read(co, HK_FIXED_FD(3), buf, 1, 0), -EBADF);
	b->done++;
}

struct bulk {
	int s[2];
	unsigned char *data;
	size_t len;
	ssize_t sent;
	size_t received;
	bool same;
};

#define BULK (1u << 20)

static void co_bulk_send(hk_co *co, void *arg)
{
	struct bulk *k = arg;
	k->sent = hk_co_send_all(co, k->s[0], k->data, k->len, 0);
}

static void co_bulk_recv(hk_co *co, void *arg)
{
	struct bulk *k = arg;
	unsigned char buf[4096];

	k->same = true;
	while (k->received < k->len) {
		int n = hk_co_recv(co, k->s[1], buf, sizeof(buf), 0);
		if (CHECK_OK(n) <= 0)
			break;
		if (memcmp(buf, k->data + k->received, (size_t)n) != 0)
			k->same = false;
		k->received += (size_t)n;
	}
}

/* hk_co_send_all() of 1 MiB through a small socket buffer, read by a second coroutine. */
static void test_send_all(hk_loop *loop)
{
	struct bulk k = {.s = {-EBADF, -EBADF}, .len = BULK};
	_cleanup_free_ unsigned char *data = malloc(BULK);
	int sndbuf = 4096;

	if (!data || CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, k.s)) < 0)
		return;
	for (size_t i = 0; i < BULK; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 12));
	k.data = data;
	CHECK_OK(setsockopt(k.s[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)));
	CHECK_OK(hk_co_spawn(loop, co_bulk_send, &k, NULL));
	CHECK_OK(hk_co_spawn(loop, co_bulk_recv, &k, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_S64(k.sent, BULK);
	CHECK_EQ_U64(k.received, BULK);
	CHECK(k.same);
	close_pair(k.s);
}

static void test_basic_ops(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	struct basic b = {.p = {-EBADF, -EBADF}, .s = {-EBADF, -EBADF}, .d = {-EBADF, -EBADF}};
	_cleanup_close_ int lfd = -EBADF, file = -EBADF;

	if (!loop)
		return;
	lfd = b.lfd = CHECK_OK(listener(16, &b.sa));
	file = b.file = CHECK_OK(tmpfile_fd());
	if (CHECK_OK(pipe2(b.p, O_CLOEXEC)) < 0 ||
	    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b.s)) < 0 ||
	    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, b.d)) < 0 || lfd < 0 ||
	    file < 0)
		goto out;
	CHECK_OK(hk_co_spawn(loop, co_basic_ops, &b, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(b.done, 1);
	test_send_all(loop);
out:
	close_pair(b.p);
	close_pair(b.s);
	close_pair(b.d);
}

/* ---- timeouts ---- */

struct sleeps {
	uint64_t elapsed;
	int ret;
	int done;
};

static void co_sleep_once(hk_co *co, void *arg)
{
	struct sleeps *s = arg;
	uint64_t t0 = now_ns();

	s->ret = hk_co_sleep(co, 50 * HK_MSEC);
	s->elapsed = now_ns() - t0;
}

static void co_timeouts(hk_co *co, void *arg)
{
	struct sleeps *s = arg;

	uint64_t t0 = now_ns();
	CHECK_ERR(hk_co_sleep(co, 30 * HK_MSEC), 0);
	uint64_t el = now_ns() - t0;
	CHECK(el >= 30 * HK_MSEC);
	CHECK(el < HK_SEC);

	/* A timeout op fires with -ETIME. */
	int t = CHECK_OK(hk_op_timeout(co, 20 * HK_MSEC));
	t0 = now_ns();
	CHECK_ERR(wait_result(co, t), -ETIME);
	CHECK(now_ns() - t0 >= 20 * HK_MSEC);

	/* Cancelled before it fires: -ECANCELED, at once. */
	t0 = now_ns();
	CHECK_ERR(cancel_pending(co, hk_op_timeout(co, 5 * HK_SEC)), -ECANCELED);
	CHECK(now_ns() - t0 < HK_SEC);

	/* Cancelled in the same iteration it was started. */
	t = CHECK_OK(hk_op_timeout(co, 5 * HK_SEC));
	CHECK_ERR(hk_op_cancel(co, t), 0);
	CHECK_ERR(wait_result(co, t), -ECANCELED);

	/* Not outstanding. */
	CHECK_ERR(hk_op_cancel(co, 3), -EINVAL);
	CHECK_ERR(hk_op_cancel(co, -1), -EINVAL);
	CHECK_ERR(hk_op_cancel(co, HK_CO_OPS), -EINVAL);
	s->done++;
}

static void test_timeouts(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){0});
	struct sleeps s = {0}, many[10];

	if (!loop)
		return;
	CHECK_OK(hk_co_spawn(loop, co_timeouts, &s, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(s.done, 1);

	/* Ten coroutines sleeping 50 ms sleep at the same time. */
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < ELEMENTSOF(many); i++) {
		many[i] = (struct sleeps){.ret = 1};
		CHECK_OK(hk_co_spawn(loop, co_sleep_once, &many[i], NULL));
	}
	CHECK_ERR(hk_loop_run(loop), 0);
	uint64_t el = now_ns() - t0;
	CHECK(el >= 50 * HK_MSEC && el < 400 * HK_MSEC);
	for (unsigned i = 0; i < ELEMENTSOF(many); i++) {
		CHECK_ERR(many[i].ret, 0);
		CHECK(many[i].elapsed >= 50 * HK_MSEC);
	}
}

/* ---- 16 ops per coroutine ---- */

static void co_ops_limit(hk_co *co, void *arg)
{
	int *done = arg;
	unsigned seen = 0;

	for (int i = 0; i < HK_CO_OPS; i++) {
		int op = CHECK_OK(hk_op_timeout(co, 10 * HK_SEC));
		seen |= opbit(op);
	}
	CHECK_EQ_U64(seen, HK_CO_ALL_OPS);
	CHECK_EQ_U64(hk_co_pending(co), HK_CO_ALL_OPS);
	CHECK_ERR(hk_op_nop(co), -EBUSY);
	CHECK_ERR(hk_co_nop(co), -EBUSY);
	CHECK_ERR(hk_op_timeout(co, HK_SEC), -EBUSY);
	CHECK_ERR(hk_co_yield(co), 0);
	for (int op = 0; op < HK_CO_OPS; op++)
		CHECK_ERR(hk_op_cancel(co, op), 0);
	for (int op = 0; op < HK_CO_OPS; op++)
		CHECK_ERR(wait_result(co, op), -ECANCELED);
	CHECK_EQ_U64(hk_co_pending(co), 0);

	/* All sixteen again, as nops in one wait. */
	for (int i = 0; i < HK_CO_OPS; i++)
		CHECK_OK(hk_op_nop(co));
	CHECK_EQ_U64(hk_co_wait(co, HK_CO_ALL_OPS, HK_WAIT_ALL), HK_CO_ALL_OPS);
	for (int op = 0; op < HK_CO_OPS; op++)
		CHECK_ERR(hk_co_result(co, op), 0);
	(*done)++;
}

static void test_ops_limit(void)
{
	int done = 0;

	run_co((hk_loop_params){0}, co_ops_limit, &done);
	CHECK_EQ_U64(done, 1);
}

/* ---- linked timeouts ---- */

struct linked {
	int s[2];
	int p[2];
	int done;
};

static void co_linked(hk_co *co, void *arg)
{
	struct linked *l = arg;
	char buf[16];

	/* Nothing arrives: -ETIME after the timeout, and nothing left over. */
	CHECK_ERR(hk_co_link_timeout(co, 20 * HK_MSEC), 0);
	uint64_t t0 = now_ns();
	CHECK_ERR(hk_co_recv(co, l->s[0], buf, sizeof(buf), 0), -ETIME);
	uint64_t el = now_ns() - t0;
	CHECK(el >= 20 * HK_MSEC && el < HK_SEC);
	CHECK_EQ_U64(hk_co_pending(co), 0);
	CHECK_EQ_U64(hk_co_completed(co), 0);

	/* The same on a pipe read. */
	CHECK_ERR(hk_co_link_timeout(co, 20 * HK_MSEC), 0);
	CHECK_ERR(hk_co_read(co, l->p[0], buf, sizeof(buf), 0), -ETIME);

	/* The recv completes first: its bytes, at once. */
	CHECK_ERR(send(l->s[1], "hello", 5, 0), 5);
	CHECK_ERR(hk_co_link_timeout(co, HK_SEC), 0);
	t0 = now_ns();
	CHECK_ERR(hk_co_recv(co, l->s[0], buf, sizeof(buf), 0), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK(now_ns() - t0 < 500 * HK_MSEC);
	CHECK_EQ_U64(hk_co_pending(co), 0);

	/* The cancelled timeout's own completion is not taken for a later
	 * op's, though that op reuses the slot: this timeout runs its 30 ms. */
	int t = CHECK_OK(hk_op_timeout(co, 30 * HK_MSEC));
	t0 = now_ns();
	CHECK_ERR(wait_result(co, t), -ETIME);
	CHECK(now_ns() - t0 >= 30 * HK_MSEC);
	CHECK_EQ_U64(hk_co_pending(co), 0);

	/* A link applies to one operation only. */
	CHECK_ERR(send(l->s[1], "world", 5, 0), 5);
	CHECK_ERR(hk_co_link_timeout(co, 20 * HK_MSEC), 0);
	CHECK_ERR(hk_co_recv(co, l->s[0], buf, sizeof(buf), 0), 5);
	int r = CHECK_OK(hk_op_recv(co, l->s[0], buf, sizeof(buf), 0));
	t = CHECK_OK(hk_op_timeout(co, 60 * HK_MSEC));
	if (r >= 0 && t >= 0) {
		CHECK_EQ_U64(hk_co_wait(co, opbit(r) | opbit(t), HK_WAIT_ANY), opbit(t));
		CHECK_ERR(hk_co_result(co, t), -ETIME);
		CHECK_EQ_U64(hk_co_completed(co), 0);
		CHECK_ERR(hk_op_cancel(co, r), 0);
		CHECK_ERR(wait_result(co, r), -ECANCELED);
	}

	/* A nop after all this: its own completion, nothing else. */
	int n = CHECK_OK(hk_op_nop(co));
	CHECK_EQ_U64(hk_co_wait(co, opbit(n), HK_WAIT_ALL), opbit(n));
	CHECK_ERR(hk_co_result(co, n), 0);
	CHECK_EQ_U64(hk_co_pending(co), 0);
	l->done++;
}

static void test_linked_timeouts(void)
{
	struct linked l = {.s = {-EBADF, -EBADF}, .p = {-EBADF, -EBADF}};

	if (CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, l.s)) >= 0 &&
	    CHECK_OK(pipe2(l.p, O_CLOEXEC)) >= 0) {
		run_co((hk_loop_params){0}, co_linked, &l);
		CHECK_EQ_U64(l.done, 1);
	}
	close_pair(l.s);
	close_pair(l.p);
}

/* ---- cancelling each kind of operation while the kernel holds it ---- */

struct cancel {
	int p[2];    /* an empty pipe */
	int full[2]; /* a full pipe */
	size_t full_bytes;
	int s[2];  /* an idle stream socketpair */
	int sf[2]; /* a stream socketpair whose sender is full */
	size_t sf_bytes;
	int d[2]; /* an idle datagram socketpair */
	int lfd;  /* an idle listener */
	struct sockaddr_in lsa;
	int qfd; /* a listener whose accept queue is full */
	struct sockaddr_in qsa;
	int done;
};

/* Fills a pipe (made 4 KiB) until a write would block; returns the bytes written. */
static ssize_t fill_pipe(int wfd)
{
	char chunk[512];
	ssize_t total = 0;

	memset(chunk, 'f', sizeof(chunk));
	(void)fcntl(wfd, F_SETPIPE_SZ, 4096);
	if (set_nonblock(wfd, true) < 0)
		return -errno;
	for (;;) {
		ssize_t n = write(wfd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno != EAGAIN)
				return -errno;
			break;
		}
		total += n;
	}
	int r = set_nonblock(wfd, false);
	return r < 0 ? r : total;
}

/* Reads what @fd holds now, without waiting; returns the byte count. */
static ssize_t drain(int fd)
{
	char chunk[4096];
	ssize_t total = 0;

	for (;;) {
		ssize_t n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n < 0 && errno == ENOTSOCK) {
			int r = set_nonblock(fd, true);
			if (r < 0)
				return r;
			n = read(fd, chunk, sizeof(chunk));
		}
		if (n < 0)
			return errno == EAGAIN ? total : -errno;
		if (n == 0)
			return total;
		total += n;
	}
}

static ssize_t fill_socket(int fd)
{
	char chunk[512];
	ssize_t total = 0;
	int small = 4096;

	memset(chunk, 's', sizeof(chunk));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = send(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN)
				return -errno;
			return total;
		}
		total += n;
	}
}

/*
 * Fills the accept queue of @qfd (listen(fd, 0) holds one connection) with
 * connections never accepted, into @fillers; the last one stays pending
 * because SYNs to a full queue are dropped. Returns how many were made.
 */
static int fill_accept_queue(const struct sockaddr_in *sa, int fillers[], int max)
{
	int n = 0;

	for (; n < max; n++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		fillers[n] = fd;
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 &&
		    errno != EINPROGRESS)
			return -errno;
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, 100) == 0)
			return n + 1;
	}
	return -EAGAIN;
}

static void co_cancel_kinds(hk_co *co, void *arg)
{
	struct cancel *c = arg;
	char buf[64];

	/* read on an empty pipe */
	CHECK_ERR(cancel_pending(co, hk_op_read(co, c->p[0], buf, sizeof(buf), 0)), -ECANCELED);
	CHECK_ERR(write(c->p[1], "r", 1), 1);
	CHECK_ERR(read_within(c->p[0], buf, 1), 1);

	/* write on a full pipe */
	char out[256];
	memset(out, 'w', sizeof(out));
	CHECK_ERR(cancel_pending(co, hk_op_write(co, c->full[1], out, sizeof(out), 0)), -ECANCELED);

	/* poll on an empty pipe */
	CHECK_ERR(cancel_pending(co, hk_op_poll(co, c->p[0], POLLIN)), -ECANCELED);

	/* recv on an idle socket */
	CHECK_ERR(cancel_pending(co, hk_op_recv(co, c->s[0], buf, sizeof(buf), 0)), -ECANCELED);
	CHECK_ERR(send(c->s[1], "v", 1, 0), 1);
	CHECK_ERR(read_within(c->s[0], buf, 1), 1);

	/* send on a full socket */
	CHECK_ERR(cancel_pending(co, hk_op_send(co, c->sf[0], out, sizeof(out), 0)), -ECANCELED);

	/* recvmsg on an idle datagram socket */
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	CHECK_ERR(cancel_pending(co, hk_op_recvmsg(co, c->d[0], &msg, 0)), -ECANCELED);
	CHECK_ERR(send(c->d[1], "dgram", 5, 0), 5);
	CHECK_ERR(read_within(c->d[0], buf, 5), 5);

	/* accept on an idle listener: a client afterwards is still there to accept */
	CHECK_ERR(cancel_pending(co, hk_op_accept(co, c->lfd, NULL, NULL, 0)), -ECANCELED);
	int cl = client(&c->lsa);
	if (CHECK_OK(cl) >= 0) {
		int a = CHECK_OK(accept_within(c->lfd));
		if (a >= 0)
			close(a);
		close(cl);
	}

	/* multishot accept: its end comes through hk_co_accept_next() */
	int op = CHECK_OK(hk_op_accept_multishot(co, c->lfd, 0));
	if (op >= 0) {
		CHECK_ERR(hk_co_sleep(co, 5 * HK_MSEC), 0);
		CHECK(hk_co_pending(co) & opbit(op));
		CHECK_ERR(hk_op_cancel(co, op), 0);
		int fd = -1, r;
		uint64_t end = now_ns() + 2 * HK_SEC;
		while ((r = hk_co_accept_next(co, op, &fd)) == 0 && now_ns() < end)
			CHECK_OK(hk_co_wait(co, opbit(op), HK_WAIT_ANY));
		CHECK_ERR(r, -ECANCELED);
		CHECK(!(hk_co_pending(co) & opbit(op)));
		cl = client(&c->lsa);
		if (CHECK_OK(cl) >= 0) {
			int a = CHECK_OK(accept_within(c->lfd));
			if (a >= 0)
				close(a);
			close(cl);
		}
	}

	/* connect to a listener whose accept queue is full: the SYN is dropped */
	int fillers[16];
	for (unsigned i = 0; i < ELEMENTSOF(fillers); i++)
		fillers[i] = -EBADF;
	int nf = CHECK_OK(fill_accept_queue(&c->qsa, fillers, ELEMENTSOF(fillers)));
	if (nf > 0) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (CHECK_OK(s) >= 0) {
			CHECK_ERR(
			    cancel_pending(co, hk_op_connect(co, s, (struct sockaddr *)&c->qsa,
							     sizeof(c->qsa))),
			    -ECANCELED);
			close(s);
		}
		/* And linked to a timeout: the seeds' "connect link-with timeout". */
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (CHECK_OK(s) >= 0) {
			CHECK_ERR(hk_co_link_timeout(co, 30 * HK_MSEC), 0);
			CHECK_ERR(hk_co_connect(co, s, (struct sockaddr *)&c->qsa, sizeof(c->qsa)),
				  -ETIME);
			close(s);
		}
	}
	for (unsigned i = 0; i < ELEMENTSOF(fillers); i++)
		if (fillers[i] >= 0)
			close(fillers[i]);

	/* timeout */
	CHECK_ERR(cancel_pending(co, hk_op_timeout(co, 10 * HK_SEC)), -ECANCELED);

	/* read_fixed into a registered buffer, on an empty pipe */
	int b = CHECK_OK(hk_co_buf_obtain(co, 0));
	if (b >= 0) {
		CHECK_ERR(cancel_pending(co, hk_op_read_fixed(co, c->p[0], (unsigned)b, 0, 64, 0)),
			  -ECANCELED);
		CHECK_ERR(hk_co_buf_release(co, (unsigned)b), 0);
		CHECK_ERR(write(c->p[1], "f", 1), 1);
		CHECK_ERR(read_within(c->p[0], buf, 1), 1);
	}

	CHECK_EQ_U64(hk_co_pending(co), 0);
	c->done++;
}

static void test_cancel_kinds(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){.buffers = 1});
	struct cancel c = {.p = {-EBADF, -EBADF},
			   .full = {-EBADF, -EBADF},
			   .s = {-EBADF, -EBADF},
			   .sf = {-EBADF, -EBADF},
			   .d = {-EBADF, -EBADF}};
	_cleanup_close_ int lfd = -EBADF, qfd = -EBADF;

	if (!loop)
		return;
	lfd = c.lfd = CHECK_OK(listener(16, &c.lsa));
	qfd = c.qfd = CHECK_OK(listener(0, &c.qsa));
	if (lfd < 0 || qfd < 0 || CHECK_OK(pipe2(c.p, O_CLOEXEC)) < 0 ||
	    CHECK_OK(pipe2(c.full, O_CLOEXEC)) < 0 ||
	    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c.s)) < 0 ||
	    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c.sf)) < 0 ||
	    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, c.d)) < 0)
		goto out;
	ssize_t n = CHECK_OK(fill_pipe(c.full[1]));
	ssize_t m = CHECK_OK(fill_socket(c.sf[0]));
	if (n <= 0 || m <= 0)
		goto out;
	c.full_bytes = (size_t)n;
	c.sf_bytes = (size_t)m;

	CHECK_OK(hk_co_spawn(loop, co_cancel_kinds, &c, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(c.done, 1);

	/* The cancelled writes added nothing. */
	CHECK_EQ_S64(drain(c.full[0]), (ssize_t)c.full_bytes);
	CHECK_EQ_S64(drain(c.sf[1]), (ssize_t)c.sf_bytes);
out:
	close_pair(c.p);
	close_pair(c.full);
	close_pair(c.s);
	close_pair(c.sf);
	close_pair(c.d);
}

/* ---- the fixed file allocator ---- */

struct fixed {
	hk_loop *loop;
	int slots[4];
	int fifth, timed, waiter_slot, released_slot;
	uint64_t timed_el;
	int double_release, foreign_release;
	int done;
};

static void co_fixed_waiter(hk_co *co, void *arg)
{
	struct fixed *f = arg;

	/* Another coroutine's slot: not ours to release. */
	f->foreign_release = hk_co_fixed_release(co, (unsigned)f->slots[0]);
	f->waiter_slot = hk_co_fixed_obtain(co, 2 * HK_SEC);
}

static void co_fixed_main(hk_co *co, void *arg)
{
	struct fixed *f = arg;
	unsigned seen = 0;

	CHECK_EQ_U64(hk_loop_fixed_free(f->loop), 4);
	for (int i = 0; i < 4; i++) {
		f->slots[i] = CHECK_OK(hk_co_fixed_alloc(co));
		if (f->slots[i] >= 0 && f->slots[i] < 4)
			seen |= 1u << f->slots[i];
	}
	CHECK_EQ_U64(seen, 0xf);
	CHECK_EQ_U64(hk_loop_fixed_free(f->loop), 0);
	f->fifth = hk_co_fixed_alloc(co);
	uint64_t t0 = now_ns();
	f->timed = hk_co_fixed_obtain(co, 20 * HK_MSEC);
	f->timed_el = now_ns() - t0;

	/* A waiter is served when a slot is released. */
	CHECK_OK(hk_co_spawn(f->loop, co_fixed_waiter, f, NULL));
	CHECK_ERR(hk_co_sleep(co, 10 * HK_MSEC), 0);
	if (f->slots[2] >= 0) {
		f->released_slot = f->slots[2];
		CHECK_ERR(hk_co_fixed_release(co, (unsigned)f->slots[2]), 0);
		f->double_release = hk_co_fixed_release(co, (unsigned)f->slots[2]);
	}
	CHECK(settle(co, 1));
	/* The waiter's slot came back when it ended. */
	CHECK_EQ_U64(hk_loop_fixed_free(f->loop), 1);
	for (int i = 0; i < 4; i++)
		if (i != 2 && f->slots[i] >= 0)
			CHECK_ERR(hk_co_fixed_release(co, (unsigned)f->slots[i]), 0);
	CHECK_EQ_U64(hk_loop_fixed_free(f->loop), 4);
	f->done++;
}

/* A loop without a fixed file table or a buffer pool. */
static void co_no_pools(hk_co *co, void *arg)
{
	int *done = arg;

	CHECK_ERR(hk_co_fixed_alloc(co), -ENFILE);
	CHECK_EQ_U64(hk_loop_fixed_free(hk_co_loop(co)), 0);
	CHECK_ERR(hk_co_buf_obtain(co, 10 * HK_MSEC), -ENOBUFS);
	CHECK_EQ_U64(hk_loop_buf_free(hk_co_loop(co)), 0);
	(*done)++;
}

static void test_fixed_exhaustion(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){.fixed_files = 4});
	struct fixed f = {.loop = loop, .waiter_slot = -1, .released_slot = -2};

	if (!loop)
		return;
	CHECK_OK(hk_co_spawn(loop, co_fixed_main, &f, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(f.done, 1);
	CHECK_ERR(f.fifth, -ENFILE);
	CHECK_ERR(f.timed, -ETIME);
	CHECK(f.timed_el >= 20 * HK_MSEC && f.timed_el < HK_SEC);
	CHECK_EQ_S64(f.waiter_slot, f.released_slot);
	CHECK_ERR(f.double_release, -EINVAL);
	CHECK_ERR(f.foreign_release, -EINVAL);

	int done = 0;
	run_co((hk_loop_params){0}, co_no_pools, &done);
	CHECK_EQ_U64(done, 1);
}

/* ---- the registered buffer pool ---- */

struct bufs {
	hk_loop *loop;
	int order[3];
	int norder;
	int got[3];
	int b0, b1;
	int third, timed, unowned;
	uint64_t timed_el;
	int done;
};

struct buf_waiter {
	struct bufs *b;
	int idx;
};

static void co_buf_waiter(hk_co *co, void *arg)
{
	struct buf_waiter *w = arg;
	struct bufs *b = w->b;

	int r = hk_co_buf_obtain(co, 2 * HK_SEC);
	b->got[w->idx] = r;
	if (b->norder < 3)
		b->order[b->norder++] = w->idx;
	if (r < 0)
		return;
	CHECK_ERR(hk_co_sleep(co, 20 * HK_MSEC), 0);
	CHECK_ERR(hk_co_buf_release(co, (unsigned)r), 0);
}

static void co_buf_main(hk_co *co, void *arg)
{
	struct bufs *b = arg;
	struct buf_waiter w[3];

	CHECK_EQ_U64(hk_loop_buf_size(b->loop), 128);
	CHECK_EQ_U64(hk_loop_buf_free(b->loop), 2);
	b->b0 = CHECK_OK(hk_co_buf_obtain(co, 0));
	b->b1 = CHECK_OK(hk_co_buf_obtain(co, 0));
	if (b->b0 < 0 || b->b1 < 0)
		return;
	CHECK(b->b0 != b->b1 && b->b0 < 2 && b->b1 < 2);
	unsigned char *p0 = hk_loop_buf(b->loop, (unsigned)b->b0);
	unsigned char *p1 = hk_loop_buf(b->loop, (unsigned)b->b1);
	CHECK(p0 && p1);
	if (p0 && p1) {
		CHECK(p0 + 128 <= p1 || p1 + 128 <= p0);
		memset(p0, 0xa0, 128);
		memset(p1, 0xb1, 128);
		CHECK(p0[127] == 0xa0 && p1[0] == 0xb1);
	}
	CHECK_EQ_U64(hk_loop_buf_free(b->loop), 0);
	b->third = hk_co_buf_obtain(co, 0);
	uint64_t t0 = now_ns();
	b->timed = hk_co_buf_obtain(co, 20 * HK_MSEC);
	b->timed_el = now_ns() - t0;

	/* Three waiters, queued in this order. */
	for (int i = 0; i < 3; i++) {
		w[i] = (struct buf_waiter){.b = b, .idx = i};
		CHECK_OK(hk_co_spawn(b->loop, co_buf_waiter, &w[i], NULL));
		CHECK_ERR(hk_co_yield(co), 0);
		CHECK_ERR(hk_co_yield(co), 0);
	}
	CHECK_EQ_U64(b->norder, 0);
	CHECK_ERR(hk_co_buf_release(co, (unsigned)b->b0), 0);
	CHECK_ERR(hk_co_sleep(co, 5 * HK_MSEC), 0);
	CHECK_ERR(hk_co_buf_release(co, (unsigned)b->b1), 0);
	b->unowned = hk_co_buf_release(co, (unsigned)b->b1);
	CHECK(settle(co, 1));
	CHECK_EQ_U64(hk_loop_buf_free(b->loop), 2);
	b->done++;
}

static void test_buf_exhaustion(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){.buffers = 2, .buffer_size = 100});
	struct bufs b = {.loop = loop, .got = {-1, -1, -1}};

	if (!loop)
		return;
	CHECK_OK(hk_co_spawn(loop, co_buf_main, &b, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(b.done, 1);
	CHECK_ERR(b.third, -ENOBUFS);
	CHECK_ERR(b.timed, -ETIME);
	CHECK(b.timed_el >= 20 * HK_MSEC && b.timed_el < HK_SEC);
	CHECK(b.unowned < 0);
	/* Served in order: the first two get the buffers as released, the
	 * third the first one given back. */
	CHECK_EQ_U64(b.norder, 3);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_U64(b.order[i], i);
	CHECK_EQ_S64(b.got[0], b.b0);
	CHECK_EQ_S64(b.got[1], b.b1);
	CHECK_EQ_S64(b.got[2], b.b0);
}

/* ---- what a dropped coroutine held comes back ---- */

struct held {
	hk_loop *loop;
	int s[2]; /* s[0] registered in a fixed slot and owned by the victim */
	int idle[2];
	uint64_t victim, waiter;
	int victim_ret, waiter_ret;
	unsigned free_slots_held, free_bufs_held;
	int done;
};

static void co_buf_blocked(hk_co *co, void *arg)
{
	struct held *h = arg;
	h->waiter_ret = hk_co_buf_obtain(co, 10 * HK_SEC);
}

static void co_holding_victim(hk_co *co, void *arg)
{
	struct held *h = arg;
	char c;

	for (int i = 0; i < 2; i++) {
		CHECK_OK(hk_co_buf_obtain(co, 0));
		CHECK_OK(hk_co_fixed_alloc(co));
	}
	/* A coroutine left waiting for a buffer, to be dropped as it waits. */
	hk_co *w = NULL;
	if (CHECK_OK(hk_co_spawn(h->loop, co_buf_blocked, h, &w)) >= 0)
		h->waiter = hk_co_id(w);
	int slot = CHECK_OK(hk_co_fixed_alloc(co));
	if (slot >= 0) {
		CHECK_ERR(wait_result(co, hk_op_files_update(co, (unsigned)slot, h->s[0])), 1);
		CHECK_ERR(hk_co_own(co, h->s[0], HK_OWN_CLOSE), 0);
	}
	h->victim_ret = hk_co_recv(co, h->idle[0], &c, 1, 0);
}

static void co_holding_dropper(hk_co *co, void *arg)
{
	struct held *h = arg;

	CHECK_ERR(hk_co_sleep(co, 10 * HK_MSEC), 0);
	h->free_slots_held = hk_loop_fixed_free(h->loop);
	h->free_bufs_held = hk_loop_buf_free(h->loop);
	CHECK_ERR(hk_loop_drop(h->loop, h->waiter), 0);
	CHECK_ERR(hk_loop_drop(h->loop, h->victim), 0);
	CHECK(settle(co, 1));
	CHECK_EQ_U64(hk_loop_fixed_free(h->loop), 4);
	CHECK_EQ_U64(hk_loop_buf_free(h->loop), 2);
	h->done++;
}

static void test_drop_releases(void)
{
	_cleanup_loop_ hk_loop *loop = loop_new((hk_loop_params){.fixed_files = 4, .buffers = 2});
	struct held h = {.loop = loop,
			 .s = {-EBADF, -EBADF},
			 .idle = {-EBADF, -EBADF},
			 .victim_ret = 1,
			 .waiter_ret = 1};
	hk_co *v = NULL;

	if (!loop)
		return;
	if (CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, h.s)) < 0 ||
	    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, h.idle)) < 0)
		goto out;
	if (CHECK_OK(hk_co_spawn(loop, co_holding_victim, &h, &v)) < 0)
		goto out;
	h.victim = hk_co_id(v);
	CHECK_OK(hk_co_spawn(loop, co_holding_dropper, &h, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(h.done, 1);
	CHECK_EQ_U64(h.free_slots_held, 1);
	CHECK_EQ_U64(h.free_bufs_held, 0);
	CHECK_ERR(h.victim_ret, -ECANCELED);
	CHECK_ERR(h.waiter_ret, -ECANCELED);
	/* Both references to s[0] are gone, the plain one and the slot's:
	 * the peer sees the end. */
	char c;
	ssize_t end = read_within(h.s[1], &c, 1);
	CHECK_ERR(end, 0);
	if (end == 0)
		h.s[0] = -EBADF;
out:
	close_pair(h.s);
	close_pair(h.idle);
}

/* ---- read and write on registered buffers ---- */

struct fixed_rw {
	int p[2];
	int file;
	int done;
};

static void co_fixed_rw(hk_co *co, void *arg)
{
	struct fixed_rw *f = arg;
	hk_loop *loop = hk_co_loop(co);
	unsigned char tmp[4096];

	int b0 = CHECK_OK(hk_co_buf_obtain(co, 0));
	int b1 = CHECK_OK(hk_co_buf_obtain(co, 0));
	if (b0 < 0 || b1 < 0)
		return;
	unsigned char *p0 = hk_loop_buf(loop, (unsigned)b0);
	unsigned char *p1 = hk_loop_buf(loop, (unsigned)b1);
	if (!p0 || !p1)
		return;
	CHECK_EQ_U64(hk_loop_buf_size(loop), 4096);
	for (unsigned i = 0; i < 4096; i++)
		p0[i] = (unsigned char)(i * 7 + 3);

	/* A pipe: 200 bytes from byte 16 of buffer b0. */
	CHECK_ERR(hk_co_write_fixed(co, f->p[1], (unsigned)b0, 16, 200, 0), 200);
	CHECK_ERR(read_within(f->p[0], tmp, 200), 200);
	CHECK(memcmp(tmp, p0 + 16, 200) == 0);
	for (unsigned i = 0; i < 300; i++)
		tmp[i] = (unsigned char)(i ^ 0x5a);
	CHECK_ERR(write(f->p[1], tmp, 300), 300);
	memset(p1, 0, 4096);
	CHECK_ERR(hk_co_read_fixed(co, f->p[0], (unsigned)b1, 100, 300, 0), 300);
	CHECK(memcmp(p1 + 100, tmp, 300) == 0);
	CHECK(p1[99] == 0 && p1[400] == 0);

	/* A file, at an offset. */
	CHECK_ERR(hk_co_write_fixed(co, f->file, (unsigned)b0, 0, 4096, 8192), 4096);
	CHECK_EQ_S64(pread(f->file, tmp, 4096, 8192), 4096);
	CHECK(memcmp(tmp, p0, 4096) == 0);
	memset(p1, 0, 4096);
	CHECK_ERR(hk_co_read_fixed(co, f->file, (unsigned)b1, 0, 4096, 8192), 4096);
	CHECK(memcmp(p1, p0, 4096) == 0);

	/* The file through a fixed slot. */
	int slot = CHECK_OK(hk_co_fixed_alloc(co));
	if (slot >= 0) {
		CHECK_ERR(wait_result(co, hk_op_files_update(co, (unsigned)slot, f->file)), 1);
		memset(p1, 0, 4096);
		CHECK_ERR(hk_co_read_fixed(co, HK_FIXED_FD(slot), (unsigned)b1, 64, 128, 8192 + 64),
			  128);
		CHECK(memcmp(p1 + 64, p0 + 64, 128) == 0);
		CHECK_ERR(hk_co_write_fixed(co, HK_FIXED_FD(slot), (unsigned)b1, 64, 128, 0), 128);
		CHECK_EQ_S64(pread(f->file, tmp, 128, 0), 128);
		CHECK(memcmp(tmp, p0 + 64, 128) == 0);
		CHECK_ERR(hk_co_fixed_release(co, (unsigned)slot), 0);
		/* The plain descriptor is the caller's, still open. */
		CHECK(fcntl(f->file, F_GETFD) >= 0);
	}
	CHECK_ERR(hk_co_buf_release(co, (unsigned)b0), 0);
	CHECK_ERR(hk_co_buf_release(co, (unsigned)b1), 0);
	f->done++;
}

static void test_fixed_rw(void)
{
	struct fixed_rw f = {.p = {-EBADF, -EBADF}};
	_cleanup_close_ int file = f.file = CHECK_OK(tmpfile_fd());

	if (file >= 0 && CHECK_OK(pipe2(f.p, O_CLOEXEC)) >= 0) {
		run_co((hk_loop_params){.buffers = 2, .buffer_size = 4096, .fixed_files = 2},
		       co_fixed_rw, &f);
		CHECK_EQ_U64(f.done, 1);
	}
	close_pair(f.p);
}

/* ---- hk_op_files_update() and closing a fixed slot through the ring ---- */

struct update {
	int p[2];
	int done;
};

static void co_files_update(hk_co *co, void *arg)
{
	struct update *u = arg;
	char buf[8];

	int slot = CHECK_OK(hk_co_fixed_alloc(co));
	if (slot < 0)
		return;
	int op = CHECK_OK(hk_op_files_update(co, (unsigned)slot, u->p[1]));
	CHECK_ERR(wait_result(co, op), 1);
	CHECK_ERR(hk_co_write(co, HK_FIXED_FD(slot), "hey", 3, 0), 3);
	CHECK_ERR(read_within(u->p[0], buf, 3), 3);
	CHECK(memcmp(buf, "hey", 3) == 0);
	/* Closing the slot through the ring frees it; the plain fd stays. */
	unsigned free_before = hk_loop_fixed_free(hk_co_loop(co));
	CHECK_ERR(hk_co_close(co, HK_FIXED_FD(slot)), 0);
	CHECK_EQ_U64(hk_loop_fixed_free(hk_co_loop(co)), free_before + 1);
	CHECK_ERR(write(u->p[1], "abc", 3), 3);
	CHECK_ERR(read_within(u->p[0], buf, 3), 3);
	/* An emptied slot no longer reaches the pipe. */
	CHECK(hk_co_write(co, HK_FIXED_FD(slot), "no", 2, 0) < 0);
	u->done++;
}

static void test_files_update(void)
{
	struct update u = {.p = {-EBADF, -EBADF}};

	if (CHECK_OK(pipe2(u.p, O_CLOEXEC)) >= 0) {
		run_co((hk_loop_params){.fixed_files = 3}, co_files_update, &u);
		CHECK_EQ_U64(u.done, 1);
	}
	close_pair(u.p);
}

/* ---- accept into the kernel's range of the fixed file table ---- */

#define ACCEPT_FIXED_FIRST 4
#define ACCEPT_FIXED_SLOTS 4

struct acc {
	hk_loop *loop;
	int lfd;
	struct sockaddr_in sa;
	int clients[8];
	int done;
};

static bool in_accept_range(int fd)
{
	return HK_FD_IS_FIXED(fd) && HK_FIXED_SLOT(fd) >= ACCEPT_FIXED_FIRST &&
	       HK_FIXED_SLOT(fd) < ACCEPT_FIXED_FIRST + ACCEPT_FIXED_SLOTS;
}

/*
 * Takes connections of multishot op @op into @fds until @want are there or
 * the op ends; returns how many, with *ret_end the error that ended it (0
 * when it is still armed).
 */
static int take_accepts(hk_co *co, int op, int fds[], int want, int *ret_end)
{
	uint64_t end = now_ns() + 2 * HK_SEC;
	int n = 0;

	*ret_end = 0;
	while (n < want && now_ns() < end) {
		int fd = -1;
		int r = hk_co_accept_next(co, op, &fd);
		if (r < 0) {
			*ret_end = r;
			break;
		}
		if (r == 1) {
			fds[n++] = fd;
			continue;
		}
		int t = hk_op_timeout(co, 200 * HK_MSEC);
		int m = hk_co_wait(co, opbit(op) | opbit(t), HK_WAIT_ANY);
		if (m < 0)
			return m;
		if (!(m & opbit(t)))
			CHECK_ERR(hk_op_cancel(co, t), 0);
		(void)wait_result(co, t);
	}
	return n;
}

static void co_accept_fixed(hk_co *co, void *arg)
{
	struct acc *a = arg;
	unsigned feats = hk_loop_features(a->loop);
	char buf[8];

	/* One accept into the kernel's range, used with recv, send, getsockopt, close. */
	int c = client(&a->sa);
	if (CHECK_OK(c) < 0)
		return;
	int fd = hk_co_accept(co, a->lfd, NULL, NULL, HK_ACCEPT_FIXED);
	CHECK_OK(fd);
	CHECK(in_accept_range(fd));
	CHECK_EQ_U64(hk_loop_fixed_free(a->loop), ACCEPT_FIXED_FIRST);
	if (fd >= 0) {
		CHECK_ERR(write(c, "ping", 4), 4);
		CHECK_ERR(hk_co_recv(co, fd, buf, sizeof(buf), 0), 4);
		CHECK(memcmp(buf, "ping", 4) == 0);
		CHECK_ERR(hk_co_send(co, fd, "pong", 4, 0), 4);
		CHECK_ERR(read_within(c, buf, 4), 4);
		CHECK(memcmp(buf, "pong", 4) == 0);

		int type = 0;
		int r = hk_co_getsockopt(co, fd, SOL_SOCKET, SO_TYPE, &type, sizeof(type));
		if (feats & HK_URING_SOCKET_CMD) {
			CHECK_ERR(r, (int)sizeof(int));
			CHECK_EQ_U64(type, SOCK_STREAM);
		} else {
			CHECK_ERR(r, -ENOTSUP);
		}
		CHECK_ERR(hk_co_close(co, fd), 0);
		CHECK_ERR(read_within(c, buf, 1), 0);
	}
	/* On a plain socket too (plain descriptors do not need the ring). */
	int type = 0;
	int r = hk_co_getsockopt(co, c, SOL_SOCKET, SO_TYPE, &type, sizeof(type));
	if (feats & HK_URING_SOCKET_CMD)
		CHECK(r == (int)sizeof(int) && type == SOCK_STREAM);
	else
		CHECK_ERR(r, -ENOTSUP);
	close(c);

	/* Multishot into the range: four fit, the fifth ends the op with -ENFILE. */
	for (int i = 0; i < 5; i++)
		a->clients[i] = CHECK_OK(client(&a->sa));
	int op = CHECK_OK(hk_op_accept_multishot(co, a->lfd, HK_ACCEPT_FIXED));
	int fds[ACCEPT_FIXED_SLOTS + 1], end = 0;
	int n = op >= 0 ? take_accepts(co, op, fds, ACCEPT_FIXED_SLOTS + 1, &end) : 0;
	CHECK_EQ_U64(n, ACCEPT_FIXED_SLOTS);
	CHECK_ERR(end, -ENFILE);
	CHECK(!(hk_co_pending(co) & opbit(op)));
	unsigned seen = 0;
	for (int i = 0; i < n; i++) {
		CHECK(in_accept_range(fds[i]));
		if (in_accept_range(fds[i]))
			seen |= 1u << (HK_FIXED_SLOT(fds[i]) - ACCEPT_FIXED_FIRST);
	}
	CHECK_EQ_U64(seen, (1u << ACCEPT_FIXED_SLOTS) - 1);
	for (int i = 0; i < n; i++)
		CHECK_ERR(hk_co_close(co, fds[i]), 0);

	/* Started again with room: a new client comes in. */
	a->clients[5] = CHECK_OK(client(&a->sa));
	op = CHECK_OK(hk_op_accept_multishot(co, a->lfd, HK_ACCEPT_FIXED));
	if (op >= 0) {
		n = take_accepts(co, op, fds, 1, &end);
		CHECK_EQ_U64(n, 1);
		CHECK_ERR(end, 0);
		if (n == 1) {
			CHECK(in_accept_range(fds[0]));
			CHECK_ERR(hk_co_send(co, fds[0], "ok", 2, 0), 2);
			CHECK_ERR(hk_co_close(co, fds[0]), 0);
		}
		CHECK_ERR(hk_op_cancel(co, op), 0);
		n = take_accepts(co, op, fds, 1, &end);
		CHECK_EQ_U64(n, 0);
		CHECK_ERR(end, -ECANCELED);
	}
	a->done++;
}

static void co_accept_plain_multishot(hk_co *co, void *arg)
{
	struct acc *a = arg;
	int fds[3], end = 0;

	for (int i = 0; i < 3; i++)
		a->clients[i] = CHECK_OK(client(&a->sa));
	int op = CHECK_OK(hk_op_accept_multishot(co, a->lfd, 0));
	if (op < 0)
		return;
	int n = take_accepts(co, op, fds, 3, &end);
	CHECK_EQ_U64(n, 3);
	CHECK_ERR(end, 0);
	for (int i = 0; i < n; i++) {
		CHECK(!HK_FD_IS_FIXED(fds[i]));
		CHECK(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		CHECK_ERR(hk_co_send(co, fds[i], "m", 1, 0), 1);
		close(fds[i]);
	}
	/* One more after the first batch: the op is still armed. */
	a->clients[3] = CHECK_OK(client(&a->sa));
	n = take_accepts(co, op, fds, 1, &end);
	CHECK_EQ_U64(n, 1);
	if (n == 1)
		close(fds[0]);
	CHECK_ERR(hk_op_cancel(co, op), 0);
	n = take_accepts(co, op, fds, 1, &end);
	CHECK_EQ_U64(n, 0);
	CHECK_ERR(end, -ECANCELED);
	a->done++;
}

static void test_accept_fixed(void)
{
	_cleanup_loop_ hk_loop *loop =
	    loop_new((hk_loop_params){.fixed_files = ACCEPT_FIXED_FIRST + ACCEPT_FIXED_SLOTS,
				      .accept_slots = ACCEPT_FIXED_SLOTS});
	struct acc a = {.loop = loop};
	_cleanup_close_ int lfd = -EBADF;

	for (unsigned i = 0; i < ELEMENTSOF(a.clients); i++)
		a.clients[i] = -EBADF;
	if (!loop)
		return;
	lfd = a.lfd = CHECK_OK(listener(16, &a.sa));
	if (lfd < 0)
		return;
	CHECK_OK(hk_co_spawn(loop, co_accept_fixed, &a, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(a.done, 1);
	CHECK_EQ_U64(hk_loop_fixed_free(loop), ACCEPT_FIXED_FIRST);
	for (unsigned i = 0; i < ELEMENTSOF(a.clients); i++) {
		if (a.clients[i] >= 0)
			close(a.clients[i]);
		a.clients[i] = -EBADF;
	}

	CHECK_OK(hk_co_spawn(loop, co_accept_plain_multishot, &a, NULL));
	CHECK_ERR(hk_loop_run(loop), 0);
	CHECK_EQ_U64(a.done, 2);
	for (unsigned i = 0; i < ELEMENTSOF(a.clients); i++)
		if (a.clients[i] >= 0)
			close(a.clients[i]);
}

static const uring_case cases[] = {
    {"basic-ops", test_basic_ops},
    {"timeouts", test_timeouts},
    {"ops-limit", test_ops_limit},
    {"linked-timeouts", test_linked_timeouts},
    {"cancel-each-kind", test_cancel_kinds},
    {"fixed-exhaustion", test_fixed_exhaustion},
    {"buffer-exhaustion", test_buf_exhaustion},
    {"drop-releases", test_drop_releases},
    {"fixed-read-write", test_fixed_rw},
    {"files-update", test_files_update},
    {"accept-fixed", test_accept_fixed},
};

int main(void)
{
	return uring_test_main(cases, ELEMENTSOF(cases));
}

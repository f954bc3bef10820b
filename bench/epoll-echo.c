/* SPDX-License-Identifier: MIT */
/*
 * hostkit-bench-epoll-echo: the baseline of the echo benchmark. A TCP (and
 * UDP) echo server on plain epoll, with the same command line and the same
 * output lines as examples/echo's hostkit-echo, so that bench/run-echo.sh
 * drives both alike and compares their CPU time per request.
 *
 * Usage: hostkit-bench-epoll-echo --tcp PORT [--udp PORT] [--cpus LIST]
 *            [--bind ADDR] [--level]
 *
 * It is meant to be a good epoll server, not a strawman: one thread per CPU,
 * each pinned, each with its own SO_REUSEPORT listener (with SO_INCOMING_CPU,
 * as hostkit-echo's) and epoll set, so no lock or cache line is shared
 * between threads on the request path;
 * nonblocking sockets; one epoll_wait() for up to EVENTS_MAX ready sockets;
 * a read is echoed at once with one send() from a per-thread buffer, and
 * EPOLLOUT is only used after a short write; accept4() in a loop until
 * EAGAIN; no allocation per request (one per connection, plus a pending
 * buffer kept for the connection's life once a write fell short).
 *
 * Edge-triggered is the default and --level selects level-triggered
 * registration, which is kept so the choice can be measured again. Edge wins
 * (docs/bench-echo.md has the runs): for a level-triggered socket,
 * epoll_wait() puts every socket it returns back on the ready list and polls
 * it again on the next call to find it no longer ready, and a short write
 * costs two epoll_ctl() calls (EPOLLOUT on, then off); an edge-triggered
 * socket is registered once for both directions and never touched again.
 * Edge-triggered needs a read until EAGAIN, but a read that returns less
 * than the buffer has emptied the socket (a later arrival is a new edge),
 * so the common request costs one recv() and one send() either way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hostkit/cpuset.h>

#include "base/macro.h"
#include "base/parse.h"

#define PROG "hostkit-bench-epoll-echo"

enum {
	EVENTS_MAX = 1024,     /* ready sockets taken per epoll_wait() */
	READ_BUF = 64 * 1024,  /* per-thread receive buffer */
	UDP_BATCH = 32,	       /* datagrams per recvmmsg() / sendmmsg() */
	UDP_SLOT = 64 * 1024,  /* the largest UDP payload fits one slot */
	LISTEN_BACKLOG = 4096, /* the kernel caps it at net.core.somaxconn */
	BACKOFF_MIN_MS = 1,    /* accept back-off on EMFILE: 1 ms doubling ... */
	BACKOFF_MAX_MS = 100,  /* ... up to 100 ms */
};

/* What an epoll event's data.ptr points at: the first member of each source. */
typedef enum src_kind {
	SRC_LISTEN,
	SRC_UDP,
	SRC_STOP,
	SRC_SIGNAL,
	SRC_CONN,
} src_kind;

typedef struct conn {
	src_kind kind; /* SRC_CONN; first, see src_kind */
	int fd;
	struct conn *prev, *next;
	/* Bytes read but not yet echoed, after a short write. */
	char *out;
	size_t out_off, out_len, out_cap;
} conn;

typedef struct counters {
	uint64_t accepted, closed, resets, tcp_bytes, udp_datagrams, udp_bytes, backoffs;
} counters;

typedef struct server server;

typedef struct worker {
	server *srv;
	unsigned cpu;
	int epfd;
	int listen_fd;
	int udp_fd;    /* -EBADF without --udp */
	int stop_fd;   /* eventfd: another thread says stop */
	int signal_fd; /* signalfd of SIGINT/SIGTERM, thread 0 only */
	src_kind listen_src, udp_src, stop_src, signal_src;
	bool stopping;
	conn *conns; /* every open connection, for the shutdown */
	/* Accept back-off: the listener is out of the epoll set until then. */
	unsigned backoff_ms;
	uint64_t backoff_until_ms;
	counters c;
	char *buf;
	/* recvmmsg()/sendmmsg() arrays, set up once. */
	struct mmsghdr *msgs;
	struct iovec *iovs;
	struct sockaddr_storage *peers;
	int setup_result; /* of worker_setup(), read by main once posted */
	int run_result;
} worker;

struct server {
	bool edge;
	int family;
	struct sockaddr_storage tcp_addr, udp_addr;
	socklen_t addr_len;
	bool udp;
	unsigned n;
	worker *workers;
	sem_t ready; /* posted by each thread once set up */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fputs("Usage: " PROG " --tcp PORT [--udp PORT] [--cpus LIST] [--bind ADDR] [--level]\n"
	      "\n"
	      "An epoll echo server, one pinned thread per CPU with its own SO_REUSEPORT\n"
	      "sockets: the baseline of bench/run-echo.sh. PORT 0 picks a free port.\n"
	      "\n"
	      "  --tcp PORT    TCP port to echo on\n"
	      "  --udp PORT    also echo UDP datagrams on PORT\n"
	      "  --cpus LIST   CPUs to run on, one thread each (default: all allowed)\n"
	      "  --bind ADDR   address to listen on (default 127.0.0.1)\n"
	      "  --level       level-triggered epoll instead of edge-triggered\n",
	      f);
}

/* ---- Sockets ---- */

static int parse_addr(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len)
{
	struct sockaddr_storage ss = {};
	char tmp[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(s);

	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		*ret = ss;
		*ret_len = sizeof(*in);
		return 0;
	}
	/* "[::1]" as well as "::1". */
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']' && len - 2 < sizeof(tmp)) {
		memcpy(tmp, s + 1, len - 2);
		tmp[len - 2] = '\0';
		s = tmp;
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		*ret = ss;
		*ret_len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static unsigned addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void addr_set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

/* "127.0.0.1:7" or "[::1]:7", into @buf of @size bytes. */
static void addr_format(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, addr_port(ss));
	} else {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, host,
			  sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, addr_port(ss));
	}
}

/*
 * A nonblocking SO_REUSEPORT socket of @type for the thread on @cpu, bound to @addr, listening when
 * it is a stream. When @addr's port is 0, it is set to the port the kernel
 * picked, so the next thread's socket joins the same group.
 */
static int reuseport_socket(int type, struct sockaddr_storage *addr, socklen_t addr_len,
			    unsigned cpu)
{
	_cleanup_close_ int fd = -EBADF;
	int one = 1, incoming = (int)cpu;

	fd = socket(addr->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		return -errno;
	/*
	 * The same steering as hostkit-echo's listeners (src/rt/uring/socket.c),
	 * so that both servers get the same connections on the same threads and
	 * differ only in how they wait and do I/O: the kernel prefers the group's
	 * socket whose SO_INCOMING_CPU is the CPU handling the SYN.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &incoming, sizeof(incoming)) < 0)
		return -errno;
	if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)addr, addr_len) < 0)
		return -errno;
	if (type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG) < 0)
		return -errno;
	if (addr_port(addr) == 0) {
		struct sockaddr_storage got;
		socklen_t len = sizeof(got);
		if (getsockname(fd, (struct sockaddr *)&got, &len) < 0)
			return -errno;
		addr_set_port(addr, addr_port(&got));
	}
	return TAKE_FD(fd);
}

/* ---- Connections ---- */

static int epoll_add(int epfd, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int epoll_mod(int epfd, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};

	return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

static void conn_close(worker *w, conn *c)
{
	/* Closing the fd also takes it out of the epoll set. */
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c->out);
	free(c);
	w->c.closed++;
}

/* Closes @c after the error @e of a read or write (negative). */
static void conn_fail(worker *w, conn *c, int e)
{
	if (e == -ECONNRESET || e == -EPIPE || e == -ETIMEDOUT)
		w->c.resets++;
	conn_close(w, c);
}

/* Keeps @data[0..@len) to be written when the socket has room again. */
static int conn_keep(worker *w, conn *c, const char *data, size_t len)
{
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len);
		c->out_off = 0;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = MAX(c->out_cap * 2, c->out_len + len);
		char *p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	bool was_empty = c->out_len == 0;
	c->out_len += len;
	/* Edge-triggered sockets are registered for EPOLLOUT from the start. */
	if (was_empty && !w->srv->edge)
		return epoll_mod(w->epfd, c->fd, EPOLLOUT, c);
	return 0;
}

/* Sends what it can of @data; the rest is kept. */
static int conn_echo(worker *w, conn *c, const char *data, size_t len)
{
	ssize_t n;

	do
		n = send(c->fd, data, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN)
			return -errno;
		n = 0;
	}
	if ((size_t)n == len)
		return 0;
	return conn_keep(w, c, data + n, len - (size_t)n);
}

/*
 * Reads and echoes until the socket is empty. While an echo is pending it
 * does not read: the client's data waits in the kernel, whose window then
 * slows the client down, rather than in our memory. Returns false when @c
 * was closed.
 */
static bool conn_readable(worker *w, conn *c)
{
	for (;;) {
		if (c->out_len > 0)
			return true;
		ssize_t n = recv(c->fd, w->buf, READ_BUF, 0);
		if (n > 0) {
			w->c.tcp_bytes += (uint64_t)n;
			int r = conn_echo(w, c, w->buf, (size_t)n);
			if (r < 0) {
				conn_fail(w, c, r);
				return false;
			}
			/*
			 * A short read emptied the socket; level-triggered
			 * epoll reports the rest of a full one again.
			 */
			if (!w->srv->edge || n < READ_BUF)
				return true;
			continue;
		}
		if (n == 0) {
			conn_close(w, c);
			return false;
		}
		if (errno == EAGAIN)
			return true;
		if (errno == EINTR)
			continue;
		conn_fail(w, c, -errno);
		return false;
	}
}

/* Writes the pending echo; once it is out, reading resumes. */
static bool conn_writable(worker *w, conn *c)
{
	while (c->out_len > 0) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN)
				return true;
			if (errno == EINTR)
				continue;
			conn_fail(w, c, -errno);
			return false;
		}
		c->out_off += (size_t)n;
		c->out_len -= (size_t)n;
	}
	c->out_off = 0;
	if (!w->srv->edge) {
		int r = epoll_mod(w->epfd, c->fd, EPOLLIN | EPOLLRDHUP, c);
		if (r < 0) {
			conn_fail(w, c, r);
			return false;
		}
	}
	/* Edge-triggered: data that came while we did not read gives no new edge. */
	return conn_readable(w, c);
}

static void conn_event(worker *w, conn *c, uint32_t events)
{
	if ((events & EPOLLOUT) && c->out_len > 0 && !conn_writable(w, c))
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		conn_readable(w, c);
}

/* ---- Accepting ---- */

static void backoff_start(worker *w)
{
	w->c.backoffs++;
	w->backoff_ms =
	    w->backoff_ms ? MIN(w->backoff_ms * 2, (unsigned)BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
	w->backoff_until_ms = now_ms() + w->backoff_ms;
	/*
	 * Out of the set until then: a level-triggered listener would be
	 * reported again at once, an edge-triggered one would give no new
	 * edge for the connections already queued. If the kernel will not
	 * take it out, the loop just tries again sooner.
	 */
	epoll_mod(w->epfd, w->listen_fd, 0, &w->listen_src);
}

static int accept_all(worker *w)
{
	uint32_t conn_events =
	    w->srv->edge ? EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET : EPOLLIN | EPOLLRDHUP;
	int one = 1;

	for (;;) {
		_cleanup_close_ int fd =
		    accept4(w->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
				w->backoff_ms = 0;
				return 0;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				backoff_start(w);
				return 0;
			default:
				return -errno;
			}
		}
		/* Echoes are small and answer at once: Nagle would only delay them. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		conn *c = calloc(1, sizeof(*c));
		if (!c) {
			backoff_start(w);
			return 0;
		}
		c->kind = SRC_CONN;
		c->fd = fd;
		if (epoll_add(w->epfd, fd, conn_events, c) < 0) {
			free(c);
			backoff_start(w);
			return 0;
		}
		TAKE_FD(fd);
		c->next = w->conns;
		if (w->conns)
			w->conns->prev = c;
		w->conns = c;
		w->c.accepted++;
	}
}

/* Puts the listener back after a back-off and takes what queued meanwhile. */
static int backoff_end(worker *w)
{
	uint32_t events = EPOLLIN | (w->srv->edge ? EPOLLET : 0);

	w->backoff_until_ms = 0;
	epoll_mod(w->epfd, w->listen_fd, events, &w->listen_src);
	return accept_all(w);
}

/* ---- UDP ---- */

static void udp_readable(worker *w)
{
	for (;;) {
		for (unsigned i = 0; i < UDP_BATCH; i++) {
			w->iovs[i].iov_len = UDP_SLOT;
			w->msgs[i].msg_hdr.msg_namelen = sizeof(w->peers[i]);
		}
		int n = recvmmsg(w->udp_fd, w->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EAGAIN, or an error queued by ICMP: nothing to echo. */
			return;
		}
		for (int i = 0; i < n; i++) {
			w->iovs[i].iov_len = w->msgs[i].msg_len;
			w->c.udp_bytes += w->msgs[i].msg_len;
		}
		w->c.udp_datagrams += (uint64_t)n;
		/* A datagram the socket has no room for is dropped, as UDP may. */
		for (int sent = 0; sent < n;) {
			int m =
			    sendmmsg(w->udp_fd, w->msgs + sent, (unsigned)(n - sent), MSG_DONTWAIT);
			if (m < 0 && errno == EINTR)
				continue;
			sent += m > 0 ? m : 1;
		}
		if (n < UDP_BATCH)
			return;
	}
}

/* ---- Threads ---- */

static void stop_all(server *srv)
{
	uint64_t one = 1;

	for (unsigned i = 0; i < srv->n; i++)
		(void)!write(srv->workers[i].stop_fd, &one, sizeof(one));
}

static void signal_readable(worker *w)
{
	struct signalfd_siginfo si;

	if (read(w->signal_fd, &si, sizeof(si)) != sizeof(si))
		return;
	stop_all(w->srv);
}

static int worker_setup(worker *w)
{
	uint32_t et = w->srv->edge ? EPOLLET : 0;
	int r;

	w->buf = malloc(READ_BUF);
	if (!w->buf)
		return -ENOMEM;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		return -errno;
	r = epoll_add(w->epfd, w->listen_fd, EPOLLIN | et, &w->listen_src);
	if (r < 0)
		return r;
	r = epoll_add(w->epfd, w->stop_fd, EPOLLIN, &w->stop_src);
	if (r < 0)
		return r;
	if (w->signal_fd >= 0) {
		r = epoll_add(w->epfd, w->signal_fd, EPOLLIN, &w->signal_src);
		if (r < 0)
			return r;
	}
	if (w->udp_fd >= 0) {
		w->msgs = calloc(UDP_BATCH, sizeof(*w->msgs));
		w->iovs = calloc(UDP_BATCH, sizeof(*w->iovs));
		w->peers = calloc(UDP_BATCH, sizeof(*w->peers));
		char *slots = malloc((size_t)UDP_BATCH * UDP_SLOT);
		if (!w->msgs || !w->iovs || !w->peers || !slots) {
			free(slots);
			return -ENOMEM;
		}
		for (unsigned i = 0; i < UDP_BATCH; i++) {
			w->iovs[i].iov_base = slots + (size_t)i * UDP_SLOT;
			w->msgs[i].msg_hdr.msg_iov = &w->iovs[i];
			w->msgs[i].msg_hdr.msg_iovlen = 1;
			w->msgs[i].msg_hdr.msg_name = &w->peers[i];
		}
		r = epoll_add(w->epfd, w->udp_fd, EPOLLIN | et, &w->udp_src);
		if (r < 0)
			return r;
	}
	return 0;
}

static int worker_loop(worker *w)
{
	struct epoll_event evs[EVENTS_MAX];

	while (!w->stopping) {
		int timeout = -1;
		if (w->backoff_until_ms) {
			uint64_t now = now_ms();
			if (now >= w->backoff_until_ms) {
				int r = backoff_end(w);
				if (r < 0)
					return r;
				continue;
			}
			timeout = (int)(w->backoff_until_ms - now);
		}
		int n = epoll_wait(w->epfd, evs, EVENTS_MAX, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			src_kind *k = evs[i].data.ptr;
			switch (*k) {
			case SRC_CONN:
				conn_event(w, (conn *)k, evs[i].events);
				break;
			case SRC_LISTEN: {
				int r = accept_all(w);
				if (r < 0)
					return r;
				break;
			}
			case SRC_UDP:
				udp_readable(w);
				break;
			case SRC_STOP:
				w->stopping = true;
				break;
			case SRC_SIGNAL:
				signal_readable(w);
				break;
			}
		}
	}
	return 0;
}

static void worker_teardown(worker *w)
{
	while (w->conns)
		conn_close(w, w->conns);
	if (w->epfd >= 0)
		close(w->epfd);
	w->epfd = -EBADF;
	if (w->iovs)
		free(w->iovs[0].iov_base);
	free(w->iovs);
	free(w->msgs);
	free(w->peers);
	free(w->buf);
}

static void *worker_main(void *arg)
{
	worker *w = arg;

	w->setup_result = worker_setup(w);
	/* Once every thread has posted, main prints the listening line. */
	sem_post(&w->srv->ready);
	if (w->setup_result >= 0)
		w->run_result = worker_loop(w);
	worker_teardown(w);
	return NULL;
}

/* ---- Start and exit ---- */

static int raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur == rl.rlim_max)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}

static int allowed_cpus(hk_cpuset *ret)
{
	size_t size = CPU_ALLOC_SIZE(HK_CPU_MAX);
	cpu_set_t *set = CPU_ALLOC(HK_CPU_MAX);

	if (!set)
		return -ENOMEM;
	int r = sched_getaffinity(0, size, set) < 0 ? -errno : 0;
	if (r >= 0)
		r = hk_cpuset_from_cpu_set(ret, set, size);
	CPU_FREE(set);
	return r;
}

/* Starts a thread pinned to @w->cpu. */
static int worker_start(worker *w, pthread_t *ret)
{
	size_t size = CPU_ALLOC_SIZE(w->cpu + 1);
	cpu_set_t *set = CPU_ALLOC(w->cpu + 1);
	pthread_attr_t attr;
	pthread_t t;

	if (!set)
		return -ENOMEM;
	CPU_ZERO_S(size, set);
	CPU_SET_S(w->cpu, size, set);
	int r = -pthread_attr_init(&attr);
	if (r == 0) {
		r = -pthread_attr_setaffinity_np(&attr, size, set);
		if (r == 0)
			r = -pthread_create(&t, &attr, worker_main, w);
		pthread_attr_destroy(&attr);
	}
	CPU_FREE(set);
	if (r < 0)
		return r;
	*ret = t;
	return 0;
}

static void print_counters(const server *srv)
{
	counters sum = {};
	struct rusage ru = {};

	for (unsigned i = 0; i < srv->n; i++) {
		const counters *c = &srv->workers[i].c;
		sum.accepted += c->accepted;
		sum.closed += c->closed;
		sum.resets += c->resets;
		sum.tcp_bytes += c->tcp_bytes;
		sum.udp_datagrams += c->udp_datagrams;
		sum.udp_bytes += c->udp_bytes;
		sum.backoffs += c->backoffs;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("counters threads=%u accepted=%" PRIu64 " closed=%" PRIu64 " resets=%" PRIu64
	       " tcp_bytes=%" PRIu64 " udp_datagrams=%" PRIu64 " udp_bytes=%" PRIu64
	       " backoffs=%" PRIu64 " user_us=%" PRIu64 " sys_us=%" PRIu64 "\n",
	       srv->n, sum.accepted, sum.closed, sum.resets, sum.tcp_bytes, sum.udp_datagrams,
	       sum.udp_bytes, sum.backoffs,
	       (uint64_t)ru.ru_utime.tv_sec * 1000000 + (uint64_t)ru.ru_utime.tv_usec,
	       (uint64_t)ru.ru_stime.tv_sec * 1000000 + (uint64_t)ru.ru_stime.tv_usec);
	fflush(stdout);
}

static int parse_port(const char *s, unsigned *ret)
{
	return hk_parse_unsigned_range(s, strlen(s), 0, 65535, ret);
}

static void hk_cpuset_freep(hk_cpuset **s)
{
	hk_cpuset_free(*s);
}

static void server_close_fds(server *srv)
{
	for (unsigned i = 0; i < srv->n; i++) {
		worker *w = &srv->workers[i];
		closep(&w->listen_fd);
		closep(&w->udp_fd);
		closep(&w->stop_fd);
		closep(&w->signal_fd);
	}
}

/*
 * Opens every thread's sockets and stop eventfd, and thread 0's signalfd of
 * @mask. They are opened here, one thread after the other, because with
 * port 0 the first socket picks the port the others must then bind.
 */
static int server_open(server *srv, const sigset_t *mask)
{
	char a[INET6_ADDRSTRLEN + 8];
	int r;

	for (unsigned i = 0; i < srv->n; i++) {
		worker *w = &srv->workers[i];
		r = reuseport_socket(SOCK_STREAM, &srv->tcp_addr, srv->addr_len, w->cpu);
		if (r < 0) {
			addr_format(&srv->tcp_addr, a, sizeof(a));
			fprintf(stderr, PROG ": cannot listen on TCP %s: %s\n", a, strerror(-r));
			return r;
		}
		w->listen_fd = r;
		if (srv->udp) {
			r = reuseport_socket(SOCK_DGRAM, &srv->udp_addr, srv->addr_len, w->cpu);
			if (r < 0) {
				addr_format(&srv->udp_addr, a, sizeof(a));
				fprintf(stderr, PROG ": cannot bind UDP %s: %s\n", a, strerror(-r));
				return r;
			}
			w->udp_fd = r;
		}
		w->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (w->stop_fd < 0) {
			r = -errno;
			fprintf(stderr, PROG ": cannot create an eventfd: %s\n", strerror(-r));
			return r;
		}
	}
	srv->workers[0].signal_fd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (srv->workers[0].signal_fd < 0) {
		r = -errno;
		fprintf(stderr, PROG ": cannot create a signalfd: %s\n", strerror(-r));
		return r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"tcp", required_argument, NULL, 't'},
	    {"udp", required_argument, NULL, 'u'},
	    {"cpus", required_argument, NULL, 'c'},
	    {"bind", required_argument, NULL, 'b'},
	    {"level", no_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(hk_cpuset_freep) hk_cpuset *cpus = hk_cpuset_new();
	const char *bind_addr = "127.0.0.1", *cpu_list = NULL;
	unsigned tcp_port = 0, udp_port = 0;
	bool have_tcp = false;
	server srv = {.edge = true};
	int opt, r;

	if (!cpus)
		return 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
		case 'u':
			if (parse_port(optarg, opt == 't' ? &tcp_port : &udp_port) < 0) {
				fprintf(stderr, PROG ": bad port '%s'\n", optarg);
				return 2;
			}
			if (opt == 't')
				have_tcp = true;
			else
				srv.udp = true;
			break;
		case 'c':
			cpu_list = optarg;
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'l':
			srv.edge = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_tcp || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (parse_addr(bind_addr, &srv.tcp_addr, &srv.addr_len) < 0) {
		fprintf(stderr, PROG ": bad address '%s'\n", bind_addr);
		return 2;
	}
	srv.udp_addr = srv.tcp_addr;
	addr_set_port(&srv.tcp_addr, tcp_port);
	addr_set_port(&srv.udp_addr, udp_port);

	_cleanup_(hk_cpuset_freep) hk_cpuset *allowed = hk_cpuset_new();
	if (!allowed)
		return 1;
	r = allowed_cpus(allowed);
	if (r < 0) {
		fprintf(stderr, PROG ": cannot read the CPU affinity: %s\n", strerror(-r));
		return 1;
	}
	if (cpu_list) {
		r = hk_cpuset_parse_list(cpus, cpu_list, strlen(cpu_list));
		if (r < 0 || hk_cpuset_is_empty(cpus)) {
			fprintf(stderr, PROG ": bad CPU list '%s'\n", cpu_list);
			return 2;
		}
		if (!hk_cpuset_is_subset(cpus, allowed)) {
			fprintf(stderr, PROG ": CPU list '%s' has CPUs this process may not use\n",
				cpu_list);
			return 2;
		}
	} else if (hk_cpuset_copy(cpus, allowed) < 0) {
		return 1;
	}

	r = raise_nofile();
	if (r < 0)
		fprintf(stderr, PROG ": cannot raise RLIMIT_NOFILE: %s\n", strerror(-r));

	/* Before any thread: they inherit the mask, and only the signalfd sees them. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	srv.n = hk_cpuset_count(cpus);
	_cleanup_free_ worker *workers = calloc(srv.n, sizeof(*workers));
	_cleanup_free_ pthread_t *threads = calloc(srv.n, sizeof(*threads));
	if (!workers || !threads)
		return 1;
	srv.workers = workers;
	unsigned i = 0;
	HK_CPUSET_FOREACH (cpu, cpus) {
		worker *w = &workers[i];
		*w = (worker){
		    .srv = &srv,
		    .cpu = (unsigned)cpu,
		    .epfd = -EBADF,
		    .listen_fd = -EBADF,
		    .udp_fd = -EBADF,
		    .stop_fd = -EBADF,
		    .signal_fd = -EBADF,
		    .listen_src = SRC_LISTEN,
		    .udp_src = SRC_UDP,
		    .stop_src = SRC_STOP,
		    .signal_src = SRC_SIGNAL,
		};
		i++;
	}

	r = server_open(&srv, &mask);
	if (r < 0) {
		server_close_fds(&srv);
		return 1;
	}
	if (sem_init(&srv.ready, 0, 0) < 0) {
		fprintf(stderr, PROG ": cannot start: %s\n", strerror(errno));
		server_close_fds(&srv);
		return 1;
	}
	unsigned started = 0;
	for (; started < srv.n; started++) {
		r = worker_start(&workers[started], &threads[started]);
		if (r < 0) {
			fprintf(stderr, PROG ": cannot start a thread on CPU %u: %s\n",
				workers[started].cpu, strerror(-r));
			break;
		}
	}
	for (i = 0; i < started; i++)
		while (sem_wait(&srv.ready) < 0 && errno == EINTR)
			;

	int failed = started < srv.n;
	for (i = 0; i < started; i++)
		if (workers[i].setup_result < 0) {
			fprintf(stderr, PROG ": thread on CPU %u: cannot start: %s\n",
				workers[i].cpu, strerror(-workers[i].setup_result));
			failed = 1;
		}
	if (failed) {
		stop_all(&srv);
	} else {
		char tcp[INET6_ADDRSTRLEN + 8], udp[INET6_ADDRSTRLEN + 8] = "-";
		_cleanup_free_ char *list = hk_cpuset_to_list(cpus);
		addr_format(&srv.tcp_addr, tcp, sizeof(tcp));
		if (srv.udp)
			addr_format(&srv.udp_addr, udp, sizeof(udp));
		printf("listening tcp=%s udp=%s cpus=%s\n", tcp, udp, list ? list : "?");
		fflush(stdout);
	}

	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	sem_destroy(&srv.ready);
	server_close_fds(&srv);
	for (i = 0; i < srv.n; i++)
		if (workers[i].run_result < 0) {
			fprintf(stderr, PROG ": thread on CPU %u: %s\n", workers[i].cpu,
				strerror(-workers[i].run_result));
			failed = 1;
		}
	if (failed)
		return 1;
	print_counters(&srv);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * hostkit-bench-load: the echo benchmark's load generator.
 *
 * Usage: hostkit-bench-load --tcp ADDR:PORT --conns N --size BYTES
 *            --duration SECONDS [--warmup SECONDS] [--threads N] [--cpus LIST]
 *
 * N TCP connections, spread over the threads, each a closed loop: send one
 * message of BYTES, wait until all of its echo is back, check every byte,
 * record the round trip, send the next. Each connection fills its messages
 * from its own PRNG, so a byte delivered to the wrong connection or at the
 * wrong offset does not match. Each thread drives its connections with one
 * edge-triggered epoll set and nonblocking sockets.
 *
 * All connections are made before the clock starts. Requests completed in
 * the first --warmup seconds count in total_requests only; those completed
 * in the --duration seconds after it make requests, rps and the latency
 * percentiles. When the time is up, no new message is sent, the ones in
 * flight are waited for (a few seconds at most: an echo that never comes is
 * an error) and the connections are closed, so the server sees every
 * request it is charged for in total_requests and no reset.
 *
 * Latencies go into a log-linear histogram per thread (HdrHistogram's
 * layout: 64 linear buckets per power of two, under 1.6% error), merged at
 * the end; nothing is allocated per request.
 *
 * Prints one line:
 *   load conns=N size=N seconds=S requests=N total_requests=N rps=X
 *        p50_us=X p99_us=X errors=N
 * and exits 1 when errors > 0 (a connection failed, was reset or closed, or
 * a byte did not match; the first of each thread is told on stderr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hostkit/cpuset.h>

#include "base/macro.h"
#include "base/parse.h"

#define PROG "hostkit-bench-load"

enum {
	EVENTS_MAX = 1024,
	READ_BUF = 64 * 1024,
	/* Histogram: values below 2^SUB_BITS ns are exact, then 2^(SUB_BITS-1) per octave. */
	SUB_BITS = 7,
	SUB_HALF = 1 << (SUB_BITS - 1),
	HIST_OCTAVES = 48 - SUB_BITS, /* up to 2^48 ns: three days */
	HIST_BUCKETS = (1 << SUB_BITS) + HIST_OCTAVES * SUB_HALF,
};

static const uint64_t NSEC = 1000000000;
/* How long the connections may take to connect, and the last echoes to come. */
static const uint64_t CONNECT_NS = 10 * 1000000000ull;
static const uint64_t DRAIN_NS = 5 * 1000000000ull;

typedef struct lconn {
	int fd;
	unsigned id;
	bool connected;
	bool in_flight;
	uint64_t rng;
	uint8_t *msg; /* the message in flight, BYTES long */
	size_t sent, received;
	uint64_t sent_ns;
	uint64_t messages;
} lconn;

typedef struct load load;

typedef struct lthread {
	load *ld;
	unsigned index;
	int cpu; /* pinned to it, or -1 */
	lconn *conns;
	unsigned n_conns;
	unsigned in_flight;
	int epfd;
	uint8_t *buf;
	uint64_t requests; /* completed within the measured window */
	uint64_t total;	   /* completed at any time */
	uint64_t errors;
	uint64_t *hist;
	int setup_result;
} lthread;

struct load {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	unsigned n_conns;
	size_t size;
	uint64_t warmup_ns, duration_ns;
	unsigned n_threads;
	lthread *threads;
	pthread_barrier_t connected;
	/* Set by main between the two barrier waits: the clock's zero. */
	uint64_t start_ns;
	pthread_barrier_t started;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fputs("Usage: " PROG " --tcp ADDR:PORT --conns N --size BYTES --duration SECONDS\n"
	      "           [--warmup SECONDS] [--threads N] [--cpus LIST]\n"
	      "\n"
	      "Closed-loop TCP echo load: each connection sends a message, checks every\n"
	      "byte of its echo, and sends the next. Prints one 'load ...' line.\n"
	      "\n"
	      "  --tcp ADDR:PORT     the echo server (IPv6 as [ADDR]:PORT)\n"
	      "  --conns N           connections (default 1)\n"
	      "  --size BYTES        message size (default 128)\n"
	      "  --duration SECONDS  measured time after the warm-up (default 5)\n"
	      "  --warmup SECONDS    time before it, not measured (default 1)\n"
	      "  --threads N         threads (default: one per CPU of --cpus)\n"
	      "  --cpus LIST         CPUs to pin the threads to, round robin (default: all\n"
	      "                      allowed, not pinned)\n",
	      f);
}

/* Tells the first error of a thread; later ones are only counted. */
__attribute__((format(printf, 2, 3))) static void thread_error(lthread *t, const char *fmt, ...)
{
	va_list ap;

	if (t->errors++ > 0)
		return;
	va_start(ap, fmt);
	flockfile(stderr);
	fprintf(stderr, PROG ": thread %u: ", t->index);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

/* ---- Messages ---- */

/* splitmix64: one 64-bit state per connection, every output a fresh 8 bytes. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void message_fill(lconn *c, size_t size)
{
	size_t i = 0;

	for (; i + 8 <= size; i += 8) {
		uint64_t v = rng_next(&c->rng);
		memcpy(c->msg + i, &v, 8);
	}
	if (i < size) {
		uint64_t v = rng_next(&c->rng);
		memcpy(c->msg + i, &v, size - i);
	}
}

/* ---- Histogram ---- */

static unsigned hist_index(uint64_t v)
{
	if (v < (1u << SUB_BITS))
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	unsigned shift = msb - (SUB_BITS - 1);
	if (shift > HIST_OCTAVES)
		return HIST_BUCKETS - 1;
	return shift * SUB_HALF + (unsigned)(v >> shift);
}

/* The middle of bucket @i. */
static double hist_value(unsigned i)
{
	if (i < (1u << SUB_BITS))
		return i;
	unsigned shift = i / SUB_HALF - 1;
	uint64_t low = (uint64_t)(i - shift * SUB_HALF) << shift;
	return (double)low + (double)((uint64_t)1 << shift) / 2;
}

/* The value under which a fraction @q of the @total samples fall. */
static double hist_quantile(const uint64_t *hist, uint64_t total, double q)
{
	if (total == 0)
		return 0;
	double x = q * (double)total;
	uint64_t rank = (uint64_t)x, seen = 0;
	if ((double)rank < x || rank == 0)
		rank++;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += hist[i];
		if (seen >= rank)
			return hist_value(i);
	}
	return hist_value(HIST_BUCKETS - 1);
}

/* ---- Connections ---- */

static int conn_open(lthread *t, lconn *c)
{
	const load *ld = t->ld;
	_cleanup_close_ int fd = -EBADF;
	int one = 1;

	fd = socket(ld->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A closed loop of small messages: Nagle would hold each one back. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&ld->addr, ld->addr_len) < 0 &&
	    errno != EINPROGRESS)
		return -errno;
	struct epoll_event ev = {
	    .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
	    .data.ptr = c,
	};
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	c->fd = TAKE_FD(fd);
	return 0;
}

static void conn_drop(lthread *t, lconn *c)
{
	if (c->in_flight)
		t->in_flight--;
	c->in_flight = false;
	closep(&c->fd);
	c->fd = -EBADF;
}

static void conn_fail(lthread *t, lconn *c, const char *what, int e)
{
	thread_error(t, "connection %u, message %" PRIu64 ": %s%s%s", c->id, c->messages, what,
		     e ? ": " : "", e ? strerror(-e) : "");
	conn_drop(t, c);
}

/* Sends what the socket takes of the message in flight. */
static bool conn_send(lthread *t, lconn *c)
{
	size_t size = t->ld->size;

	while (c->sent < size) {
		ssize_t n = send(c->fd, c->msg + c->sent, size - c->sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN)
				return true;
			if (errno == EINTR)
				continue;
			conn_fail(t, c, "send", -errno);
			return false;
		}
		c->sent += (size_t)n;
	}
	return true;
}

static bool conn_start_message(lthread *t, lconn *c, uint64_t now)
{
	message_fill(c, t->ld->size);
	c->sent = 0;
	c->received = 0;
	c->in_flight = true;
	t->in_flight++;
	c->sent_ns = now;
	return conn_send(t, c);
}

static void conn_complete(lthread *t, lconn *c, uint64_t now)
{
	const load *ld = t->ld;
	uint64_t warm = ld->start_ns + ld->warmup_ns, end = warm + ld->duration_ns;

	c->in_flight = false;
	t->in_flight--;
	c->messages++;
	t->total++;
	if (now >= warm && now < end) {
		t->requests++;
		t->hist[hist_index(now - c->sent_ns)]++;
	}
}

/*
 * Reads the echo and checks it; once it is whole, sends the next message
 * unless the time is up. Returns false when @c failed.
 */
static bool conn_receive(lthread *t, lconn *c, uint64_t end)
{
	size_t size = t->ld->size;

	for (;;) {
		size_t want = c->in_flight ? MIN(size - c->received, (size_t)READ_BUF) : READ_BUF;
		ssize_t n = recv(c->fd, t->buf, want, 0);
		if (n < 0) {
			if (errno == EAGAIN)
				return true;
			if (errno == EINTR)
				continue;
			conn_fail(t, c, "recv", -errno);
			return false;
		}
		if (n == 0) {
			conn_fail(t, c, "closed by the server", 0);
			return false;
		}
		if (!c->in_flight) {
			conn_fail(t, c, "data while no message was in flight", 0);
			return false;
		}
		if (memcmp(t->buf, c->msg + c->received, (size_t)n) != 0) {
			size_t off = c->received;
			while (t->buf[off - c->received] == c->msg[off])
				off++;
			thread_error(t,
				     "connection %u, message %" PRIu64 ": byte %zu is 0x%02x, "
				     "sent 0x%02x",
				     c->id, c->messages, off, t->buf[off - c->received],
				     c->msg[off]);
			conn_drop(t, c);
			return false;
		}
		c->received += (size_t)n;
		if (c->received < size) {
			/* A short read emptied the socket: the rest is a new edge. */
			if ((size_t)n < want)
				return true;
			continue;
		}
		uint64_t now = now_ns();
		conn_complete(t, c, now);
		if (now >= end)
			return true;
		/* The echo cannot be back before the server runs: wait for the edge. */
		return conn_start_message(t, c, now);
	}
}

static void conn_event(lthread *t, lconn *c, uint32_t events, uint64_t end)
{
	if (c->fd < 0)
		return;
	if (!c->connected) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0) {
			conn_fail(t, c, "connect", -err);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		c->connected = true;
		return;
	}
	if ((events & EPOLLOUT) && c->in_flight && c->sent < t->ld->size && !conn_send(t, c))
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		conn_receive(t, c, end);
}

/* ---- Threads ---- */

/* Waits for events until @deadline or until @done says so. */
static int thread_poll(lthread *t, uint64_t deadline, uint64_t end, bool (*done)(const lthread *t))
{
	struct epoll_event evs[EVENTS_MAX];

	while (!done(t)) {
		uint64_t now = now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		int timeout = (int)((deadline - now + 999999) / 1000000);
		int n = epoll_wait(t->epfd, evs, EVENTS_MAX, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++)
			conn_event(t, evs[i].data.ptr, evs[i].events, end);
	}
	return 0;
}

static bool all_connected(const lthread *t)
{
	for (unsigned i = 0; i < t->n_conns; i++)
		if (t->conns[i].fd >= 0 && !t->conns[i].connected)
			return false;
	return true;
}

static bool none_in_flight(const lthread *t)
{
	return t->in_flight == 0;
}

static bool never(const lthread *t)
{
	return false;
}

static int thread_setup(lthread *t)
{
	const load *ld = t->ld;

	t->buf = malloc(READ_BUF);
	t->hist = calloc(HIST_BUCKETS, sizeof(*t->hist));
	if (!t->buf || !t->hist)
		return -ENOMEM;
	for (unsigned i = 0; i < t->n_conns; i++) {
		t->conns[i].msg = malloc(ld->size);
		if (!t->conns[i].msg)
			return -ENOMEM;
	}
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (t->epfd < 0)
		return -errno;
	for (unsigned i = 0; i < t->n_conns; i++) {
		int r = conn_open(t, &t->conns[i]);
		if (r < 0) {
			conn_fail(t, &t->conns[i], "connect", r);
			return r;
		}
	}
	int r = thread_poll(t, now_ns() + CONNECT_NS, UINT64_MAX, all_connected);
	if (r == -ETIMEDOUT)
		thread_error(t, "connections not established after %" PRIu64 " s",
			     CONNECT_NS / NSEC);
	return r;
}

static void thread_run(lthread *t)
{
	const load *ld = t->ld;
	uint64_t end = ld->start_ns + ld->warmup_ns + ld->duration_ns;
	uint64_t now = now_ns();

	for (unsigned i = 0; i < t->n_conns; i++)
		if (t->conns[i].fd >= 0)
			conn_start_message(t, &t->conns[i], now);
	int r = thread_poll(t, end, end, never);
	if (r != -ETIMEDOUT && r < 0) {
		thread_error(t, "epoll_wait: %s", strerror(-r));
		return;
	}
	/* The time is up: no new message; the ones in flight must still come back. */
	r = thread_poll(t, now_ns() + DRAIN_NS, end, none_in_flight);
	if (r == -ETIMEDOUT) {
		thread_error(t, "%u echoes not back %" PRIu64 " s after the end", t->in_flight,
			     DRAIN_NS / NSEC);
		/* Each one is an error. */
		t->errors += t->in_flight - 1;
	} else if (r < 0)
		thread_error(t, "epoll_wait: %s", strerror(-r));
}

static void *thread_main(void *arg)
{
	lthread *t = arg;

	t->setup_result = thread_setup(t);
	if (t->setup_result < 0 && t->errors == 0)
		thread_error(t, "cannot start: %s", strerror(-t->setup_result));
	pthread_barrier_wait(&t->ld->connected);
	/* main sets the clock's zero, once every connection is made */
	pthread_barrier_wait(&t->ld->started);
	if (t->setup_result >= 0)
		thread_run(t);
	return NULL;
}

static void thread_teardown(lthread *t)
{
	for (unsigned i = 0; i < t->n_conns; i++) {
		closep(&t->conns[i].fd);
		free(t->conns[i].msg);
	}
	closep(&t->epfd);
	free(t->buf);
	free(t->hist);
}

static int thread_start(lthread *t, pthread_t *ret)
{
	pthread_attr_t attr;
	cpu_set_t *set = NULL;
	size_t size = 0;
	pthread_t th;

	int r = -pthread_attr_init(&attr);
	if (r < 0)
		return r;
	if (t->cpu >= 0) {
		size = CPU_ALLOC_SIZE((unsigned)t->cpu + 1);
		set = CPU_ALLOC((unsigned)t->cpu + 1);
		if (!set) {
			pthread_attr_destroy(&attr);
			return -ENOMEM;
		}
		CPU_ZERO_S(size, set);
		CPU_SET_S((unsigned)t->cpu, size, set);
		r = -pthread_attr_setaffinity_np(&attr, size, set);
	}
	if (r == 0)
		r = -pthread_create(&th, &attr, thread_main, t);
	pthread_attr_destroy(&attr);
	if (set)
		CPU_FREE(set);
	if (r < 0)
		return r;
	*ret = th;
	return 0;
}

/* ---- Options ---- */

/* "127.0.0.1:7", "[::1]:7". */
static int parse_host_port(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len)
{
	struct sockaddr_storage ss = {};
	char host[INET6_ADDRSTRLEN + 1];
	unsigned port;

	const char *colon = strrchr(s, ':');
	if (!colon || hk_parse_unsigned_range(colon + 1, strlen(colon + 1), 1, 65535, &port) < 0)
		return -EINVAL;
	const char *h = s;
	size_t hlen = (size_t)(colon - s);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';

	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*ret_len = sizeof(*in);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*ret_len = sizeof(*in6);
	} else {
		return -EINVAL;
	}
	*ret = ss;
	return 0;
}

/* Seconds, fractions allowed, as nanoseconds; at most a day. */
static int parse_seconds(const char *s, bool zero_ok, uint64_t *ret)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || v != v)
		return -EINVAL;
	if (v > 86400 || (!zero_ok && v <= 0))
		return -ERANGE;
	*ret = (uint64_t)(v * (double)NSEC);
	return 0;
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

static void hk_cpuset_freep(hk_cpuset **s)
{
	hk_cpuset_free(*s);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int bad_option(const char *name, const char *value)
{
	fprintf(stderr, PROG ": bad %s '%s'\n", name, value);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"tcp", required_argument, NULL, 't'},
	    {"conns", required_argument, NULL, 'n'},
	    {"size", required_argument, NULL, 's'},
	    {"duration", required_argument, NULL, 'd'},
	    {"warmup", required_argument, NULL, 'w'},
	    {"threads", required_argument, NULL, 'T'},
	    {"cpus", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_(hk_cpuset_freep) hk_cpuset *cpus = hk_cpuset_new();
	load ld = {.n_conns = 1, .size = 128, .warmup_ns = NSEC, .duration_ns = 5 * NSEC};
	const char *cpu_list = NULL;
	bool have_addr = false;
	unsigned n_threads = 0, v;
	int opt;

	if (!cpus)
		return 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		size_t len = optarg ? strlen(optarg) : 0;
		switch (opt) {
		case 't':
			if (parse_host_port(optarg, &ld.addr, &ld.addr_len) < 0)
				return bad_option("address", optarg);
			have_addr = true;
			break;
		case 'n':
			if (hk_parse_unsigned_range(optarg, len, 1, 1000000, &ld.n_conns) < 0)
				return bad_option("connection count", optarg);
			break;
		case 's':
			if (hk_parse_unsigned_range(optarg, len, 1, 64u << 20, &v) < 0)
				return bad_option("size", optarg);
			ld.size = v;
			break;
		case 'd':
			if (parse_seconds(optarg, false, &ld.duration_ns) < 0)
				return bad_option("duration", optarg);
			break;
		case 'w':
			if (parse_seconds(optarg, true, &ld.warmup_ns) < 0)
				return bad_option("warm-up", optarg);
			break;
		case 'T':
			if (hk_parse_unsigned_range(optarg, len, 1, 4096, &n_threads) < 0)
				return bad_option("thread count", optarg);
			break;
		case 'c':
			cpu_list = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_addr || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (cpu_list) {
		if (hk_cpuset_parse_list(cpus, cpu_list, strlen(cpu_list)) < 0 ||
		    hk_cpuset_is_empty(cpus))
			return bad_option("CPU list", cpu_list);
	} else {
		int r = allowed_cpus(cpus);
		if (r < 0) {
			fprintf(stderr, PROG ": cannot read the CPU affinity: %s\n", strerror(-r));
			return 1;
		}
	}
	if (n_threads == 0)
		n_threads = hk_cpuset_count(cpus);
	n_threads = MIN(n_threads, ld.n_conns);
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);

	ld.n_threads = n_threads;
	_cleanup_free_ lthread *threads = calloc(n_threads, sizeof(*threads));
	_cleanup_free_ lconn *conns = calloc(ld.n_conns, sizeof(*conns));
	_cleanup_free_ pthread_t *tids = calloc(n_threads, sizeof(*tids));
	if (!threads || !conns || !tids)
		return 1;
	ld.threads = threads;
	int cpu = hk_cpuset_first(cpus);
	for (unsigned i = 0, first = 0; i < n_threads; i++) {
		lthread *t = &threads[i];
		unsigned n = ld.n_conns / n_threads + (i < ld.n_conns % n_threads);
		*t = (lthread){
		    .ld = &ld,
		    .index = i,
		    .cpu = cpu_list ? cpu : -1,
		    .conns = conns + first,
		    .n_conns = n,
		    .epfd = -EBADF,
		};
		for (unsigned k = 0; k < n; k++)
			t->conns[k] = (lconn){
			    .fd = -EBADF,
			    .id = first + k,
			    .rng = 0x243f6a8885a308d3ull * (first + k + 1),
			};
		first += n;
		cpu = hk_cpuset_next(cpus, (unsigned)cpu);
		if (cpu < 0)
			cpu = hk_cpuset_first(cpus);
	}

	if (pthread_barrier_init(&ld.connected, NULL, n_threads + 1) != 0 ||
	    pthread_barrier_init(&ld.started, NULL, n_threads + 1) != 0)
		return 1;
	for (unsigned i = 0; i < n_threads; i++) {
		int r = thread_start(&threads[i], &tids[i]);
		if (r < 0) {
			/* Nothing has run yet that needs undoing but the threads before. */
			fprintf(stderr, PROG ": cannot start a thread: %s\n", strerror(-r));
			exit(1);
		}
	}
	pthread_barrier_wait(&ld.connected);
	ld.start_ns = now_ns();
	pthread_barrier_wait(&ld.started);

	uint64_t requests = 0, total = 0, errors = 0;
	_cleanup_free_ uint64_t *hist = calloc(HIST_BUCKETS, sizeof(*hist));
	for (unsigned i = 0; i < n_threads; i++) {
		lthread *t = &threads[i];
		pthread_join(tids[i], NULL);
		requests += t->requests;
		total += t->total;
		errors += t->errors;
		for (unsigned b = 0; hist && t->hist && b < HIST_BUCKETS; b++)
			hist[b] += t->hist[b];
		thread_teardown(t);
	}
	pthread_barrier_destroy(&ld.connected);
	pthread_barrier_destroy(&ld.started);
	if (!hist)
		return 1;

	double seconds = (double)ld.duration_ns / (double)NSEC;
	printf("load conns=%u size=%zu seconds=%g requests=%" PRIu64 " total_requests=%" PRIu64
	       " rps=%.0f p50_us=%.1f p99_us=%.1f errors=%" PRIu64 "\n",
	       ld.n_conns, ld.size, seconds, requests, total, (double)requests / seconds,
	       hist_quantile(hist, requests, 0.50) / 1000,
	       hist_quantile(hist, requests, 0.99) / 1000, errors);
	fflush(stdout);
	return errors > 0 ? 1 : 0;
}

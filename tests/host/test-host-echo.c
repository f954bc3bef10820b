/* SPDX-License-Identifier: MIT */
/*
 * host suite: hostkit-echo ($HK_ECHO) on loopback. No root, no fixed ports
 * (the daemon binds port 0 and its "listening" line says which it got).
 *
 *  0. usage errors exit 2, --help exits 0;
 *  1. 1,000 concurrent TCP connections each echo 10,000 messages of 1-256
 *     bytes, pipelined within a window per connection, every byte checked;
 *  2. clients that reset mid-message (SO_LINGER {1, 0}) are counted as
 *     resets, and new connections are still echoed;
 *  3. with RLIMIT_NOFILE at 64 (hard, as the daemon raises soft to hard)
 *     and more connections than it can take, the daemon backs off and
 *     serves new connections once the old ones are gone: with plain
 *     descriptors (--no-fixed-files), where every connection waits in the
 *     listen queue until taken, and with fixed file slots (the default),
 *     where the kernel resets those it accepts into a full table;
 *  4. 1,000,000 sequence-numbered UDP datagrams echoed, lost ones resent;
 *  5. SIGTERM: exit status 0 and counters agreeing with what was sent;
 *  6. under valgrind (when installed): a small load, no leak, exit 0;
 *  and --idle-timeout closes a silent connection, not a talking one.
 *
 * Every daemon started is killed and reaped on every way out: at exit, on
 * SIGINT/SIGTERM/SIGALRM (a watchdog), and by PR_SET_PDEATHSIG if this
 * process dies without running either.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <linux/io_uring.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hostkit/cpuset.h>
#include <hostkit/uring.h>

#include "base/macro.h"
#include "tests/support/harness.h"
#include "tests/test.h"

static const char *echo_path;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double seconds_since(uint64_t start)
{
	return (double)(now_ns() - start) / 1e9;
}

/* xorshift64*: per-connection message sizes and contents. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* ------------------------------------------------------------------------ */
/* The daemons */

#define MAX_DAEMONS 4

/* Started daemons not reaped yet, for the exit and signal paths. */
static volatile pid_t live_pids[MAX_DAEMONS];

static void kill_daemons(void)
{
	for (unsigned i = 0; i < MAX_DAEMONS; i++) {
		pid_t pid = live_pids[i];
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			live_pids[i] = 0;
		}
	}
}

static void on_fatal_signal(int sig)
{
	static const char msg[] = "test-host-echo: interrupted or timed out; killing the daemons\n";

	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do from a signal handler */
	}
	kill_daemons(); /* kill() and waitpid() are async-signal-safe */
	_exit(sig == SIGALRM ? 1 : 128 + sig);
}

typedef struct echo_daemon {
	pid_t pid;
	int out; /* its stdout */
	char buf[8192];
	size_t len;
	uint16_t tcp_port, udp_port;
	char counters[1024];
} echo_daemon;

/* Reads @d's stdout until a whole line starting with @prefix is there; copies it. */
static int daemon_line(echo_daemon *d, const char *prefix, uint64_t timeout_ns, char *line,
		       size_t size)
{
	uint64_t deadline = now_ns() + timeout_ns;
	size_t plen = strlen(prefix);

	for (;;) {
		/* Look through the complete lines collected so far. */
		char *start = d->buf;
		char *nl;
		while ((nl = memchr(start, '\n', d->len - (size_t)(start - d->buf)))) {
			if ((size_t)(nl - start) >= plen && memcmp(start, prefix, plen) == 0) {
				size_t n = MIN((size_t)(nl - start), size - 1);
				memcpy(line, start, n);
				line[n] = 0;
				return 0;
			}
			start = nl + 1;
		}
		uint64_t now = now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (d->len == sizeof(d->buf) - 1)
			return -ENOBUFS;
		struct pollfd p = {.fd = d->out, .events = POLLIN};
		int r = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		ssize_t n = read(d->out, d->buf + d->len, sizeof(d->buf) - 1 - d->len);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n == 0)
			return -EPIPE;
		if (n > 0)
			d->len += (size_t)n;
		d->buf[d->len] = 0;
	}
}

/* The port in "KEY=ADDR:PORT" of @line. */
static int line_port(const char *line, const char *key, uint16_t *ret)
{
	const char *s = strstr(line, key);
	if (!s)
		return -ENOENT;
	s += strlen(key);
	const char *end = s + strcspn(s, " ");
	const char *colon = NULL;
	for (const char *p = s; p < end; p++)
		if (*p == ':')
			colon = p;
	if (!colon)
		return -EINVAL;
	unsigned long v = strtoul(colon + 1, NULL, 10);
	if (v == 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* The number after " KEY=" in the counters line of @d, or UINT64_MAX. */
static uint64_t counter(const echo_daemon *d, const char *key)
{
	char pat[64];

	snprintf(pat, sizeof(pat), " %s=", key);
	const char *s = strstr(d->counters, pat);
	return s ? strtoull(s + strlen(pat), NULL, 10) : UINT64_MAX;
}

/*
 * Starts hostkit-echo --tcp 0 --udp 0 @extra..., under valgrind with
 * @valgrind_log set, with RLIMIT_NOFILE at @nofile when non-zero, and waits
 * for its listening line.
 */
static int daemon_start(echo_daemon *d, const char *const *extra, rlim_t nofile,
			const char *valgrind_log, uint64_t timeout_ns)
{
	char log_opt[512];
	const char *argv[32];
	size_t n = 0;
	int pipefd[2];

	*d = (echo_daemon){.pid = -1, .out = -1};
	if (valgrind_log) {
		snprintf(log_opt, sizeof(log_opt), "--log-file=%s", valgrind_log);
		argv[n++] = "valgrind";
		argv[n++] = "--leak-check=full";
		argv[n++] = "--errors-for-leak-kinds=definite,indirect";
		argv[n++] = "--show-leak-kinds=definite,indirect";
		argv[n++] = "--error-exitcode=99";
		/* io_uring writes buffers from the kernel, unseen by memcheck. */
		argv[n++] = "--undef-value-errors=no";
		argv[n++] = log_opt;
	}
	argv[n++] = echo_path;
	argv[n++] = "--tcp";
	argv[n++] = "0";
	argv[n++] = "--udp";
	argv[n++] = "0";
	for (; extra && *extra && n < ELEMENTSOF(argv) - 1; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;

	unsigned slot = 0;
	while (slot < MAX_DAEMONS && live_pids[slot] > 0)
		slot++;
	if (slot == MAX_DAEMONS)
		return -EBUSY;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		/* Killed with us, even if we die without cleaning up. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (nofile) {
			struct rlimit rl = {.rlim_cur = nofile, .rlim_max = nofile};
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				_exit(126);
		}
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(pipefd[1], STDOUT_FILENO) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	live_pids[slot] = pid;
	close(pipefd[1]);
	d->pid = pid;
	d->out = pipefd[0];

	char line[256];
	int r = daemon_line(d, "listening ", timeout_ns, line, sizeof(line));
	if (r < 0) {
		fprintf(stderr, "%s: no listening line: %s\n", harness_cmdline((char **)argv),
			strerror(-r));
		return r;
	}
	r = line_port(line, "tcp=", &d->tcp_port);
	if (r >= 0)
		r = line_port(line, "udp=", &d->udp_port);
	if (r < 0) {
		fprintf(stderr, "cannot parse the listening line '%s'\n", line);
		return r;
	}
	note("daemon %d: %s", (int)pid, line);
	return 0;
}

static bool daemon_alive(echo_daemon *d)
{
	return d->pid > 0 && waitpid(d->pid, NULL, WNOHANG) == 0;
}

/*
 * Sends @sig and waits up to @timeout_ns for the exit (then SIGKILL), reading
 * the counters line. Returns the exit status, 128 + a signal, or -errno.
 */
static int daemon_stop(echo_daemon *d, int sig, uint64_t timeout_ns)
{
	int status = -ESRCH;

	if (d->pid <= 0)
		return -ESRCH;
	kill(d->pid, sig);
	int r = daemon_line(d, "counters ", timeout_ns, d->counters, sizeof(d->counters));
	if (r < 0)
		fprintf(stderr, "daemon %d: no counters line: %s\n", (int)d->pid, strerror(-r));
	uint64_t deadline = now_ns() + timeout_ns;
	for (;;) {
		int st;
		pid_t p = waitpid(d->pid, &st, WNOHANG);
		if (p == d->pid) {
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
		if (p < 0) {
			status = -errno;
			break;
		}
		if (now_ns() > deadline) {
			fprintf(stderr, "daemon %d: still running, killing it\n", (int)d->pid);
			kill(d->pid, SIGKILL);
			waitpid(d->pid, NULL, 0);
			status = -ETIMEDOUT;
			break;
		}
		usleep(10000);
	}
	for (unsigned i = 0; i < MAX_DAEMONS; i++)
		if (live_pids[i] == d->pid)
			live_pids[i] = 0;
	d->pid = -1;
	close(d->out);
	d->out = -1;
	if (d->counters[0])
		note("%s", d->counters);
	return status;
}

/* ------------------------------------------------------------------------ */
/* TCP */

static int tcp_connect(uint16_t port, bool nonblock)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/*
 * A connection of the load: messages of 1-256 bytes from its PRNG, written
 * into @ring as they are made. Bytes [acked, sent) are out, waiting for
 * their echo; [sent, gen) made, not sent yet. gen - acked stays within the
 * window, so neither side can fill the other's buffers and deadlock.
 */
#define WINDOW	  8192u
#define MAX_MSG	  256u
#define RECV_SIZE 16384u

struct conn {
	int fd;
	unsigned msgs_left;
	uint64_t rng;
	uint64_t gen, sent, acked;
	uint8_t ring[WINDOW];
};

typedef struct load_result {
	unsigned conns;
	uint64_t msgs, bytes;
	double seconds;
} load_result;

static void generate(struct conn *c)
{
	while (c->msgs_left > 0 && c->gen - c->acked + MAX_MSG <= WINDOW) {
		uint64_t x = rng_next(&c->rng);
		size_t len = 1 + (x & (MAX_MSG - 1));
		for (size_t i = 0; i < len; i++) {
			if (i % 8 == 0)
				x = rng_next(&c->rng);
			c->ring[(c->gen + i) % WINDOW] = (uint8_t)(x >> (8 * (i % 8)));
		}
		c->gen += len;
		c->msgs_left--;
	}
}

static int try_send(struct conn *c)
{
	for (;;) {
		generate(c);
		if (c->sent == c->gen)
			return 0;
		size_t off = c->sent % WINDOW;
		size_t n = MIN(c->gen - c->sent, WINDOW - off);
		ssize_t r = send(c->fd, c->ring + off, n, MSG_NOSIGNAL);
		if (r < 0)
			return errno == EAGAIN ? 0 : -errno;
		c->sent += (uint64_t)r;
	}
}

/* Reads what is there, checking each byte against what was sent. */
static int try_recv(struct conn *c, unsigned index)
{
	uint8_t buf[RECV_SIZE];

	for (;;) {
		ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
		if (r < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (r == 0) {
			fprintf(stderr,
				"connection %u: EOF after %" PRIu64 " of %" PRIu64 " bytes\n",
				index, c->acked, c->sent);
			return -EPIPE;
		}
		if (c->acked + (uint64_t)r > c->sent) {
			fprintf(stderr, "connection %u: %zd bytes echoed, %" PRIu64 " were sent\n",
				index, r, c->sent - c->acked);
			return -EPROTO;
		}
		for (size_t i = 0; i < (size_t)r;) {
			size_t off = (c->acked + i) % WINDOW;
			size_t n = MIN((size_t)r - i, WINDOW - off);
			if (memcmp(buf + i, c->ring + off, n) != 0) {
				size_t j = 0;
				while (buf[i + j] == c->ring[off + j])
					j++;
				fprintf(stderr,
					"connection %u: byte %" PRIu64
					" echoed as 0x%02x, sent 0x%02x\n",
					index, c->acked + i + j, buf[i + j], c->ring[off + j]);
				return -EPROTO;
			}
			i += n;
		}
		c->acked += (uint64_t)r;
	}
}

/*
 * @nconn concurrent connections to @port each echoing @msgs messages, with
 * one epoll loop, within @timeout_ns. Returns 0 or the first error.
 */
static int tcp_load(uint16_t port, unsigned nconn, unsigned msgs, uint64_t seed,
		    uint64_t timeout_ns, load_result *ret)
{
	_cleanup_free_ struct conn *conns = calloc(nconn, sizeof(*conns));
	_cleanup_close_ int ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t start = now_ns(), deadline = start + timeout_ns;
	unsigned active = 0;
	int r = 0;

	if (!conns)
		return -ENOMEM;
	if (ep < 0)
		return -errno;
	for (unsigned i = 0; i < nconn; i++)
		conns[i].fd = -1;
	for (unsigned i = 0; i < nconn && r >= 0; i++) {
		struct conn *c = &conns[i];

		c->rng = seed * 0x9e3779b97f4a7c15ull + i + 1;
		c->msgs_left = msgs;
		r = c->fd = tcp_connect(port, true);
		if (r < 0)
			break;
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = i};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
			r = -errno;
		active++;
	}

	struct epoll_event evs[256];
	while (r >= 0 && active > 0) {
		if (now_ns() > deadline) {
			uint64_t done = 0;
			for (unsigned i = 0; i < nconn; i++)
				done += msgs - conns[i].msgs_left;
			fprintf(stderr,
				"load: timed out, %u connections active, %" PRIu64 " of %" PRIu64
				" messages made\n",
				active, done, (uint64_t)nconn * msgs);
			r = -ETIMEDOUT;
			break;
		}
		int n = epoll_wait(ep, evs, ELEMENTSOF(evs), 100);
		if (n < 0 && errno != EINTR)
			r = -errno;
		for (int k = 0; k < n && r >= 0; k++) {
			unsigned i = evs[k].data.u32;
			struct conn *c = &conns[i];

			if (c->fd < 0)
				continue;
			r = try_recv(c, i);
			if (r >= 0)
				r = try_send(c);
			if (r < 0) {
				fprintf(stderr, "connection %u: %s\n", i, strerror(-r));
				break;
			}
			if (c->msgs_left == 0 && c->acked == c->gen) {
				close(c->fd);
				c->fd = -1;
				active--;
			}
		}
	}

	load_result res = {.conns = nconn, .seconds = seconds_since(start)};
	for (unsigned i = 0; i < nconn; i++) {
		if (conns[i].fd >= 0)
			close(conns[i].fd);
		res.msgs += msgs - conns[i].msgs_left;
		res.bytes += conns[i].acked;
	}
	*ret = res;
	return r;
}

/* One load as a check, with what it measured. */
static bool check_load(const char *what, uint16_t port, unsigned nconn, unsigned msgs,
		       uint64_t seed, uint64_t timeout_ns, load_result *ret)
{
	int r = tcp_load(port, nconn, msgs, seed, timeout_ns, ret);

	result(r >= 0 && ret->msgs == (uint64_t)nconn * msgs,
	       "%s: %u connections x %u messages echoed, every byte checked: %" PRIu64
	       " messages, %" PRIu64 " bytes in %.2f s (%.0f messages/s)%s%s",
	       what, nconn, msgs, ret->msgs, ret->bytes, ret->seconds,
	       (double)ret->msgs / (ret->seconds > 0 ? ret->seconds : 1), r < 0 ? ": " : "",
	       r < 0 ? strerror(-r) : "");
	return r >= 0;
}

static int set_timeouts(int fd, unsigned ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

/* Reads exactly @len bytes (blocking socket with a timeout); 0 or -errno. */
static int recv_exact(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

/*
 * @n clients that each get one message echoed, send part of a second, and
 * close with SO_LINGER {1, 0}, which sends an RST. Waiting for the first echo
 * makes sure the daemon has accepted the connection and waits in a receive.
 * Adds the bytes sent to @sent. Returns the clients that went as planned.
 */
static unsigned reset_clients(uint16_t port, unsigned n, uint64_t *sent)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++) {
		_cleanup_close_ int fd = tcp_connect(port, false);
		char msg[50], back[50];

		memset(msg, 'a' + (int)(i % 26), sizeof(msg));
		if (fd < 0 || set_timeouts(fd, 5000) < 0)
			continue;
		if (send(fd, msg, sizeof(msg), MSG_NOSIGNAL) != (ssize_t)sizeof(msg))
			continue;
		*sent += sizeof(msg);
		if (recv_exact(fd, back, sizeof(back)) < 0 || memcmp(msg, back, sizeof(msg)) != 0)
			continue;
		if (send(fd, msg, 30, MSG_NOSIGNAL) != 30)
			continue;
		*sent += 30;
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
			continue;
		ok++;
	}
	return ok;
}

/* ------------------------------------------------------------------------ */
/* UDP */

#define UDP_SOCKETS 4
#define UDP_WINDOW  256u
#define UDP_RESEND  (200 * 1000000ull)

typedef struct udp_result {
	uint64_t distinct, sent, resent, duplicates;
	double seconds;
} udp_result;

/* Datagram @seq: the sequence number, then 0-56 bytes that depend on it. */
static size_t datagram(uint64_t seq, uint8_t *buf)
{
	size_t len = 8 + (size_t)((seq * 2654435761u >> 7) % 57);

	memcpy(buf, &seq, 8);
	for (size_t i = 8; i < len; i++)
		buf[i] = (uint8_t)(seq * 131 + i * 7 + 1);
	return len;
}

/*
 * Sends datagrams 0..@total-1 over UDP_SOCKETS sockets (so that they spread
 * over the daemon's threads), at most UDP_WINDOW unanswered, resending one
 * unanswered for UDP_RESEND, until each has been echoed once, checked.
 */
static int udp_load(uint16_t port, uint64_t total, uint64_t timeout_ns, udp_result *ret)
{
	_cleanup_free_ uint8_t *got = calloc(total, 1);
	_cleanup_free_ uint64_t *sent_at = calloc(total, sizeof(uint64_t));
	struct pollfd fds[UDP_SOCKETS] = {};
	uint64_t start = now_ns(), deadline = start + timeout_ns, last_scan = start;
	uint64_t next = 0, low = 0, inflight = 0;
	udp_result res = {};
	int r = 0;

	if (!got || !sent_at)
		return -ENOMEM;
	for (unsigned s = 0; s < UDP_SOCKETS; s++)
		fds[s].fd = -1;
	for (unsigned s = 0; s < UDP_SOCKETS; s++) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int bufsize = 1 << 20;

		fds[s].fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		fds[s].events = POLLIN;
		if (fds[s].fd < 0 || connect(fds[s].fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			r = -errno;
			goto out;
		}
		setsockopt(fds[s].fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	}

	while (res.distinct < total) {
		uint8_t buf[128];
		uint64_t now = now_ns();

		if (now > deadline) {
			fprintf(stderr, "udp: timed out with %" PRIu64 " of %" PRIu64 " echoed\n",
				res.distinct, total);
			r = -ETIMEDOUT;
			goto out;
		}
		while (inflight < UDP_WINDOW && next < total) {
			size_t len = datagram(next, buf);
			if (send(fds[next % UDP_SOCKETS].fd, buf, len, 0) < 0) {
				if (errno != EAGAIN && errno != ENOBUFS) {
					r = -errno;
					goto out;
				}
				break;
			}
			sent_at[next++] = now;
			inflight++;
			res.sent++;
		}
		if (poll(fds, UDP_SOCKETS, 10) < 0 && errno != EINTR) {
			r = -errno;
			goto out;
		}
		for (unsigned s = 0; s < UDP_SOCKETS; s++) {
			ssize_t n;
			while ((n = recv(fds[s].fd, buf, sizeof(buf), 0)) >= 0) {
				uint8_t want[128];
				uint64_t seq = UINT64_MAX;

				if (n >= 8)
					memcpy(&seq, buf, 8);
				if (n < 8 || seq >= next || (size_t)n != datagram(seq, want) ||
				    memcmp(buf, want, (size_t)n) != 0) {
					fprintf(stderr,
						"udp: a %zd-byte echo matches no datagram sent\n",
						n);
					r = -EPROTO;
					goto out;
				}
				if (got[seq]) {
					res.duplicates++;
					continue;
				}
				got[seq] = 1;
				res.distinct++;
				inflight--;
			}
			if (errno != EAGAIN && errno != ECONNREFUSED) {
				r = -errno;
				goto out;
			}
		}
		/* Every 50 ms, resend what went unanswered for too long. */
		now = now_ns();
		if (now - last_scan > 50 * 1000000ull) {
			last_scan = now;
			while (low < next && got[low])
				low++;
			for (uint64_t seq = low; seq < next; seq++) {
				if (got[seq] || now - sent_at[seq] < UDP_RESEND)
					continue;
				size_t len = datagram(seq, buf);
				if (send(fds[seq % UDP_SOCKETS].fd, buf, len, 0) >= 0) {
					sent_at[seq] = now;
					res.sent++;
					res.resent++;
				}
			}
		}
	}
out:
	for (unsigned s = 0; s < UDP_SOCKETS; s++)
		if (fds[s].fd >= 0)
			close(fds[s].fd);
	res.seconds = seconds_since(start);
	*ret = res;
	return r;
}

static bool check_udp(const char *what, uint16_t port, uint64_t total, uint64_t timeout_ns,
		      udp_result *ret)
{
	int r = udp_load(port, total, timeout_ns, ret);

	result(r >= 0 && ret->distinct == total,
	       "%s: %" PRIu64 " distinct datagrams echoed and checked in %.2f s (%.0f/s), %" PRIu64
	       " sent with %" PRIu64 " resent, %" PRIu64 " duplicates%s%s",
	       what, ret->distinct, ret->seconds,
	       (double)ret->distinct / (ret->seconds > 0 ? ret->seconds : 1), ret->sent,
	       ret->resent, ret->duplicates, r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
	return r >= 0;
}

/* ------------------------------------------------------------------------ */
/* The parts */

/*
 * Runs @argv (stdout dropped) for at most @timeout_ns: its exit status,
 * 128 + a signal, or -ETIMEDOUT (it was killed). Its stderr goes to @err
 * (NUL-terminated, cut at @err_size) when not NULL. Unlike
 * harness_run_status(), a daemon that wrongly starts instead of refusing
 * its arguments cannot hang the test.
 */
static int run_status(char *const *argv, uint64_t timeout_ns, char *err, size_t err_size)
{
	unsigned slot = 0;
	int pipefd[2];
	size_t len = 0;

	while (slot < MAX_DAEMONS && live_pids[slot] > 0)
		slot++;
	if (slot == MAX_DAEMONS)
		return -EBUSY;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (getppid() != parent || null < 0 || dup2(null, STDIN_FILENO) < 0 ||
		    dup2(null, STDOUT_FILENO) < 0 || (err && dup2(pipefd[1], STDERR_FILENO) < 0))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	live_pids[slot] = pid;
	close(pipefd[1]);

	int status = -ETIMEDOUT;
	bool open = true;
	for (uint64_t deadline = now_ns() + timeout_ns;;) {
		/* Read as it comes, so that a full pipe cannot block the child. */
		struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
		if (!open) {
			usleep(5000);
		} else if (poll(&p, 1, 5) > 0) {
			char buf[512];
			ssize_t n = read(pipefd[0], buf, sizeof(buf));
			open = n > 0 || (n < 0 && errno == EINTR);
			if (n > 0 && err) {
				size_t k = MIN((size_t)n, err_size - 1 - len);
				memcpy(err + len, buf, k);
				len += k;
			}
		}
		int st;
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid) {
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
		if (w < 0 || now_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			break;
		}
	}
	/* What it wrote last, after the exit was seen. */
	for (ssize_t n = 1; open && n > 0 && err && len < err_size - 1;) {
		n = read(pipefd[0], err + len, err_size - 1 - len);
		if (n > 0)
			len += (size_t)n;
	}
	if (err)
		err[len] = 0;
	close(pipefd[0]);
	live_pids[slot] = 0;
	return status;
}

static void part_usage(void)
{
	static const struct {
		const char *args[5];
		int status;
		const char *named; /* what the message must name */
	} cases[] = {
	    {{"--help"}, 0, ""},
	    {{}, 2, "--tcp"},
	    {{"--tcp", "x"}, 2, "--tcp 'x'"},
	    {{"--tcp", "65536"}, 2, "'65536'"},
	    {{"--tcp", "0", "--bogus"}, 2, "'--bogus'"},
	    {{"--tcp", "0", "--cpus", "4095"}, 2, "CPU 4095"},
	    {{"--tcp", "0", "--cpus", "0-"}, 2, "--cpus '0-'"},
	    {{"--tcp", "0", "--bind", "localhost"}, 2, "--bind 'localhost'"},
	    {{"--tcp", "0", "--stack-size", "100"}, 2, "--stack-size '100'"},
	    {{"--tcp", "0", "--recv-buffers", "500"}, 2, "--recv-buffers '500'"},
	    {{"--tcp", "0", "--recv-buffers", "65536"}, 2, "--recv-buffers '65536'"},
	    {{"--tcp", "0", "--recv-buffer-size", "8"}, 2, "--recv-buffer-size '8'"},
	    {{"--tcp", "0", "extra"}, 2, "'extra'"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char *argv[8] = {(char *)echo_path};
		char err[1024];

		for (size_t j = 0; cases[i].args[j]; j++)
			argv[j + 1] = (char *)cases[i].args[j];
		int status = run_status(argv, 5 * 1000000000ull, err, sizeof(err));
		err[strcspn(err, "\n")] = 0;
		result(status == cases[i].status && strstr(err, cases[i].named),
		       "usage: %s: exit status %d (expected %d), \"%s\" naming \"%s\"",
		       harness_cmdline(argv), status, cases[i].status, err, cases[i].named);
	}
}

/* The socket helpers the daemon is made of, on their own. */
static void *pin_thread(void *arg)
{
	int cpu = *(int *)arg;
	int r = hk_thread_pin(cpu);

	*(int *)arg = r < 0 ? r : sched_getcpu();
	return NULL;
}

static void part_sockets(void)
{
	int a = -1, b = -1, u = -1, fd = -1;
	uint16_t port = 0, port2 = 0;

	CHECK_ERR(hk_socket_listen(SOCK_RAW, NULL, 0, 0, -1, &a, NULL), -EINVAL);
	CHECK_ERR(hk_socket_listen(SOCK_STREAM, "localhost", 0, 0, -1, &a, NULL), -EINVAL);
	CHECK_OK(hk_socket_listen(SOCK_STREAM, NULL, 0, 0, 0, &a, &port));
	CHECK(port != 0);
	/* A second listener on the same port: SO_REUSEPORT. */
	CHECK_OK(hk_socket_listen(SOCK_STREAM, "127.0.0.1", port, 16, 0, &b, &port2));
	CHECK_EQ_U64(port2, port);
	CHECK_OK(hk_socket_listen(SOCK_DGRAM, "::1", 0, 0, -1, &u, &port2));
	CHECK(port2 != 0);
	CHECK_EQ_S64(hk_socket_incoming_cpu(a), 0);
	CHECK((fcntl(a, F_GETFD) & FD_CLOEXEC) && !(fcntl(a, F_GETFL) & O_NONBLOCK));

	int c = tcp_connect(port, false);
	CHECK_OK(c);
	if (c >= 0) {
		/* Either listener may have it: take it from the one that has. */
		struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
		if (poll(p, 2, 5000) > 0)
			fd = accept4(p[0].revents ? a : b, NULL, NULL, SOCK_CLOEXEC);
		CHECK_OK(fd);
	}
	if (fd >= 0) {
		unsigned napi = 1;
		int cpu = hk_socket_incoming_cpu(fd);
		cpu_set_t set;
		CHECK_OK(cpu);
		CHECK(sched_getaffinity(0, sizeof(set), &set) == 0 && cpu >= 0 &&
		      cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set));
		/* Loopback has no NAPI instance. */
		CHECK_OK(hk_socket_incoming_napi_id(fd, &napi));
		CHECK_EQ_U64(napi, 0);
		note("sockets: the loopback connection came in on CPU %d, NAPI id %u", cpu, napi);
	}
	CHECK_ERR(hk_socket_incoming_cpu(-1), -EBADF);

	CHECK_ERR(hk_thread_pin(-1), -EINVAL);
	CHECK_ERR(hk_thread_pin(HK_CPU_MAX), -EINVAL);
	/* In a thread of its own: the test's other threads stay unpinned. */
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			pthread_t t;
			int arg = cpu;
			if (!CPU_ISSET(cpu, &set) ||
			    pthread_create(&t, NULL, pin_thread, &arg) != 0)
				continue;
			pthread_join(t, NULL);
			result(arg == cpu, "sockets: hk_thread_pin(%d) then sched_getcpu(): %d",
			       cpu, arg);
		}
	}
	int fds[] = {a, b, u, fd, c};
	for (size_t i = 0; i < ELEMENTSOF(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Parts 1, 2, 4 and 5 on one daemon. */
static void part_main(void)
{
	echo_daemon d;
	load_result load = {};
	udp_result udp = {};
	uint64_t conns = 0, echoed = 0, sent = 0;

	if (daemon_start(&d, NULL, 0, NULL, 10 * 1000000000ull) < 0) {
		result(false, "hostkit-echo starts and prints its listening line");
		return;
	}

	/* 1. Many connections, many messages. */
	check_load("tcp", d.tcp_port, 1000, 10000, 1, 150 * 1000000000ull, &load);
	conns += load.conns;
	echoed += load.bytes;
	sent += load.bytes;

	/* 2. Resets mid-message, then new connections. */
	unsigned resets = reset_clients(d.tcp_port, 20, &sent);
	conns += 20;
	echoed += 20 * 50;
	result(resets == 20, "resets: %u of 20 clients echoed once, then reset mid-message",
	       resets);
	result(daemon_alive(&d), "resets: the daemon is still running");
	check_load("after resets", d.tcp_port, 10, 100, 2, 20 * 1000000000ull, &load);
	conns += load.conns;
	echoed += load.bytes;
	sent += load.bytes;

	/* 4. UDP. */
	check_udp("udp", d.udp_port, 1000000, 90 * 1000000000ull, &udp);

	/* 5. SIGTERM. */
	int status = daemon_stop(&d, SIGTERM, 10 * 1000000000ull);
	result(status == 0, "sigterm: exit status %d", status);
	result(counter(&d, "accepted") == conns,
	       "sigterm: accepted=%" PRIu64 ", %" PRIu64 " opened", counter(&d, "accepted"), conns);
	result(counter(&d, "closed") == conns, "sigterm: closed=%" PRIu64 ", %" PRIu64 " opened",
	       counter(&d, "closed"), conns);
	result(counter(&d, "resets") == resets, "sigterm: resets=%" PRIu64 ", %u reset",
	       counter(&d, "resets"), resets);
	uint64_t tcp_bytes = counter(&d, "tcp_bytes");
	result(tcp_bytes >= echoed && tcp_bytes <= sent,
	       "sigterm: tcp_bytes=%" PRIu64 ", %" PRIu64 " sent of which %" PRIu64 " echoed",
	       tcp_bytes, sent, echoed);
	uint64_t datagrams = counter(&d, "udp_datagrams");
	result(datagrams >= udp.distinct && datagrams <= udp.sent,
	       "sigterm: udp_datagrams=%" PRIu64 ", %" PRIu64 " sent, %" PRIu64 " echoed",
	       datagrams, udp.sent, udp.distinct);
	result(counter(&d, "backoffs") == 0,
	       "sigterm: backoffs=%" PRIu64 " without descriptor shortage",
	       counter(&d, "backoffs"));
	uint64_t enters = counter(&d, "enters"), cqes = counter(&d, "cqes");
	if (enters != UINT64_MAX && enters > 0)
		note("completions per io_uring_enter(): %.1f", (double)cqes / (double)enters);
}

/* Part 3: out of descriptors. */
static void part_emfile(bool fixed)
{
	enum { CLIENTS = 100 };
	static const char *const plain_args[] = {"--no-fixed-files", NULL};
	int fds[CLIENTS];
	echo_daemon d;
	load_result load = {};

	/* Hard and soft: the daemon raises its soft limit to the hard one. */
	if (daemon_start(&d, fixed ? NULL : plain_args, 64, NULL, 10 * 1000000000ull) < 0) {
		result(false, "emfile: hostkit-echo starts with RLIMIT_NOFILE 64");
		return;
	}
	note("emfile: %s", fixed ? "fixed file slots" : "plain descriptors");
	for (unsigned i = 0; i < CLIENTS; i++) {
		fds[i] = tcp_connect(d.tcp_port, false);
		if (fds[i] >= 0 && (set_timeouts(fds[i], 2000) < 0 ||
				    send(fds[i], "0123456789", 10, MSG_NOSIGNAL) != 10)) {
			close(fds[i]);
			fds[i] = -1;
		}
	}

	/* Those the daemon could accept are echoed; the others wait. */
	struct pollfd p[CLIENTS];
	unsigned echoed = 0, connected = 0;
	for (unsigned i = 0; i < CLIENTS; i++) {
		p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
		connected += fds[i] >= 0;
	}
	uint64_t deadline = now_ns() + 1500 * 1000000ull;
	while (now_ns() < deadline) {
		int n = poll(p, CLIENTS, 100);
		for (unsigned i = 0; n > 0 && i < CLIENTS; i++) {
			char back[10];
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (recv_exact(p[i].fd, back, sizeof(back)) == 0 &&
			    memcmp(back, "0123456789", 10) == 0)
				echoed++;
			p[i].fd = -1; /* stop polling it */
		}
	}
	note("emfile: %u connections made, %u echoed while out of descriptors", connected, echoed);
	result(connected == CLIENTS, "emfile: %u of %u clients connected", connected, CLIENTS);
	result(echoed > 0 && echoed < connected,
	       "emfile: some connections served (%u), not all (limit 64 descriptors)", echoed);
	result(daemon_alive(&d), "emfile: the daemon is still running");

	for (unsigned i = 0; i < CLIENTS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	/* With fixed slots, the closes of the connections just ended and the
	 * accepts of those still queued race the new clients for the table:
	 * a connection that finds it full is accepted and reset by the kernel
	 * (documented). Once the queue has drained every client is served, so
	 * a reset there is retried a few times; plain descriptors must serve
	 * the first try. */
	for (unsigned attempt = 1;; attempt++) {
		load = (load_result){};
		if (!fixed || attempt == 5) {
			check_load("emfile: after the clients closed", d.tcp_port, 20, 50, 3,
				   20 * 1000000000ull, &load);
			break;
		}
		if (tcp_load(d.tcp_port, 20, 50, 3, 20 * 1000000000ull, &load) >= 0 &&
		    load.msgs == 20 * 50) {
			result(true, "emfile: after the clients closed: 20 connections x 50 "
				     "messages echoed, every byte checked (attempt %u)",
			       attempt);
			break;
		}
		note("emfile: attempt %u found the fixed table still full; again", attempt);
		usleep(300 * 1000);
	}

	/* A thread may still sleep in its back-off (100 ms at most) with
	 * closed connections queued on its listener: let it take them. */
	usleep(500 * 1000);
	int status = daemon_stop(&d, SIGTERM, 10 * 1000000000ull);
	result(status == 0, "emfile: exit status %d", status);
	uint64_t backoffs = counter(&d, "backoffs");
	result(backoffs > 0 && backoffs != UINT64_MAX, "emfile: backoffs=%" PRIu64, backoffs);
	/* A full fixed table: the kernel accepts, fails to place the socket,
	 * and closes it, so some connections are never the daemon's. */
	if (fixed)
		return;
	result(counter(&d, "accepted") == connected + load.conns,
	       "emfile: accepted=%" PRIu64 ", %u connected", counter(&d, "accepted"),
	       connected + load.conns);
}

/* --idle-timeout: a silent connection is closed, a talking one is not. */
static void part_idle(void)
{
	const char *args[] = {"--idle-timeout", "1", NULL};
	echo_daemon d;
	char c = 'x';

	if (daemon_start(&d, args, 0, NULL, 10 * 1000000000ull) < 0) {
		result(false, "idle: hostkit-echo starts with --idle-timeout 1");
		return;
	}
	_cleanup_close_ int silent = tcp_connect(d.tcp_port, false);
	_cleanup_close_ int talking = tcp_connect(d.tcp_port, false);
	bool ok = silent >= 0 && talking >= 0 && set_timeouts(silent, 5000) >= 0 &&
		  set_timeouts(talking, 5000) >= 0;
	/* 2.5 s with a byte echoed every 250 ms on one connection only. */
	for (unsigned i = 0; ok && i < 10; i++) {
		ok = send(talking, &c, 1, MSG_NOSIGNAL) == 1 && recv_exact(talking, &c, 1) == 0;
		usleep(250 * 1000);
	}
	result(ok, "idle: a connection talking every 250 ms stays open for 2.5 s");
	uint64_t start = now_ns();
	ssize_t n = silent >= 0 ? recv(silent, &c, 1, 0) : -1;
	result(n == 0, "idle: the silent connection was closed (recv gave %zd after %.2f s more)",
	       n, seconds_since(start));
	int status = daemon_stop(&d, SIGTERM, 10 * 1000000000ull);
	result(status == 0, "idle: exit status %d", status);
}

/* Part 6: the same, small, under valgrind. */
static void part_valgrind(void)
{
	char log[512];
	echo_daemon d;
	load_result load = {};
	udp_result udp = {};
	uint64_t sent = 0;

	if (!harness_in_path("valgrind")) {
		note("valgrind: skipped, valgrind is not installed");
		return;
	}
	/* valgrind cannot run a sanitizer build, nor (3.19) read the DWARF 5
	 * of clang 14's: tell that from a failure of the daemon. */
	char *probe[] = {"valgrind", "--tool=none", "-q", (char *)echo_path, "--help", NULL};
	int probed = run_status(probe, 30 * 1000000000ull, NULL, 0);
	if (probed != 0) {
		note("valgrind: skipped, valgrind cannot run this build of hostkit-echo (%s: "
		     "exit status %d; sanitizers, or debug information it cannot read)",
		     harness_cmdline(probe), probed);
		return;
	}
	/* valgrind writes it; removed below. */
	snprintf(log, sizeof(log), "%s/test-host-echo-valgrind-%d.log", harness_tmp_base(),
		 (int)getpid());

	/*
	 * One thread: valgrind (3.19) keeps its scheduler lock while a thread
	 * blocks in io_uring_enter(), so with two loops waiting at once one
	 * would starve until the other's ring has a completion.
	 */
	cpu_set_t set;
	char cpu[16];
	int first = 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		while (first < CPU_SETSIZE - 1 && !CPU_ISSET(first, &set))
			first++;
	snprintf(cpu, sizeof(cpu), "%d", first);
	const char *args[] = {"--cpus", cpu, NULL};

	uint64_t start = now_ns();
	if (daemon_start(&d, args, 0, log, 60 * 1000000000ull) < 0) {
		result(false, "valgrind: hostkit-echo starts under valgrind");
	} else {
		check_load("valgrind: tcp", d.tcp_port, 100, 200, 4, 60 * 1000000000ull, &load);
		unsigned resets = reset_clients(d.tcp_port, 3, &sent);
		result(resets == 3, "valgrind: %u of 3 clients reset", resets);
		check_udp("valgrind: udp", d.udp_port, 10000, 60 * 1000000000ull, &udp);
		int status = daemon_stop(&d, SIGTERM, 60 * 1000000000ull);
		result(status == 0, "valgrind: exit status %d (99: memcheck found errors or leaks)",
		       status);
		if (status != 0) {
			_cleanup_free_ char *text = NULL;
			size_t len;
			if (harness_read_file(log, &text, &len) >= 0)
				fprintf(stderr, "---- %s\n%s----\n", log, text);
		}
	}
	note("valgrind: %.1f s in all", seconds_since(start));
	unlink(log);
}

int main(void)
{
	echo_path = getenv("HK_ECHO");
	if (!echo_path || access(echo_path, X_OK) < 0)
		SKIP("HK_ECHO does not name the built hostkit-echo");

	/* io_uring may be disabled (kernel.io_uring_disabled) or filtered. */
	struct io_uring_params params = {};
	int ring = (int)syscall(__NR_io_uring_setup, 4, &params);
	if (ring < 0)
		SKIP("io_uring_setup() fails: %m");
	close(ring);

	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1100)
		SKIP("RLIMIT_NOFILE is %llu, the test needs 1,100 descriptors",
		     (unsigned long long)rl.rlim_cur);

	/* Lines reach the log even if a signal ends the test. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	atexit(kill_daemons);
	struct sigaction sa = {.sa_handler = on_fatal_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Below meson's 300 s: a hang fails here, with the daemons killed. */
	alarm(280);

	uint64_t start = now_ns();
	part_sockets();
	part_usage();
	part_main();
	part_emfile(false);
	part_emfile(true);
	part_idle();
	part_valgrind();
	note("%.1f s in all", seconds_since(start));
	TEST_DONE();
}

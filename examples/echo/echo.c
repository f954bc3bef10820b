/* SPDX-License-Identifier: MIT */
/*
 * hostkit-echo: a TCP and UDP echo daemon on hostkit's io_uring runtime,
 * written as the thread-per-core servers it is meant for are:
 *
 *  - one thread per chosen CPU, pinned to it, running its own loop (the
 *    loops share nothing, so nothing is locked on the data path);
 *  - one SO_REUSEPORT listener (and UDP socket) per thread, with
 *    SO_INCOMING_CPU set to the thread's CPU, so the kernel hands each
 *    thread the connections whose packets its CPU handles;
 *  - per thread, an acceptor coroutine (multishot accept) spawning one
 *    coroutine per connection that receives and sends the bytes back, and a
 *    few UDP coroutines echoing datagrams to their sender;
 *  - SIGINT/SIGTERM read through thread 0's ring from a signalfd, which
 *    stops every loop; each thread then frees its loop (dropping and
 *    closing every connection) and main prints the counters.
 *
 * docs/echo.md tells how to run it and what it prints.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <hostkit/cpuset.h>
#include <hostkit/root.h>
#include <hostkit/topology.h>
#include <hostkit/uring.h>

#define PROG "hostkit-echo"

/*
 * Connections receive into the loop's receive ring, shared by all of a
 * thread's connections: one multishot recv per connection, so its socket
 * is polled once, not once per message. A connection holds a buffer only
 * while it sends it back. The kernel takes the buffers in ring order, so
 * all of them are the working set: 512 of 4 KiB (2 MiB, 512 pages) stay
 * within the CPU's caches and TLB, where 4096 of them cost a 128-byte echo
 * about 7% more CPU (docs/bench-echo.md).
 */
#define RECV_BUFFERS	     512u
#define RECV_BUFFER_SIZE     4096u
#define MAX_RECV_BUFFERS     32768u
#define MIN_RECV_BUFFER_SIZE 64u
#define MAX_RECV_BUFFER_SIZE (1u << 20)
#define MIN_STACK_SIZE	 (16u * 1024)
#define MAX_STACK_SIZE	 (256u * 1024 * 1024)
/* Datagrams up to the largest UDP payload; a few receives in flight. */
#define UDP_BUF_SIZE   65536
#define UDP_COROUTINES 4
/* Accept back-off while out of descriptors: 1 ms, doubling to 100 ms. */
#define BACKOFF_MIN (1 * HK_MSEC)
#define BACKOFF_MAX (100 * HK_MSEC)
/* Largest fixed file table per thread (the kernel's old limit). */
#define MAX_ACCEPT_SLOTS 32768u

struct options {
	const char *bind;
	int tcp_port;
	int udp_port; /* -1: no UDP */
	hk_cpuset *cpus;
	uint64_t idle_ns;
	size_t stack_size;
	unsigned recv_buffers;
	size_t recv_buffer_size;
	bool no_fixed_files;
	/* Each thread's share of RLIMIT_NOFILE, as fixed file slots. */
	unsigned accept_slots;
};

struct counters {
	uint64_t accepted, closed, resets, tcp_bytes;
	uint64_t udp_datagrams, udp_bytes, backoffs, foreign_cpu, starved;
	uint64_t enters, cqes;
};

struct worker {
	int cpu;
	pthread_t thread;
	/* Given by main; the ports are the ones bound once the thread runs. */
	int tcp_port, udp_port, signal_fd;
	int tcp_fd, udp_fd;
	/* HK_ACCEPT_FIXED when connections go into the fixed file table. */
	unsigned accept_flags;
	hk_loop *loop; /* under loops_lock: stop_all() reaches it from thread 0 */
	/* The NAPI instance of this thread's connections, learned from the
	 * first one that has one (NIC queues have, loopback has not). */
	unsigned napi_id;
	/* Written by the thread's coroutines only; read by main after join. */
	struct counters c;
	/* Why the thread failed, for main's message. */
	int error;
	const char *failed;
	char udp_buf[UDP_COROUTINES][UDP_BUF_SIZE];
};

static struct options opt = {
    .udp_port = -1,
    .recv_buffers = RECV_BUFFERS,
    .recv_buffer_size = RECV_BUFFER_SIZE,
};
static struct worker *workers;
static unsigned n_workers;

/* Each thread runs one loop: its coroutines find their worker here. */
static __thread struct worker *self;

static pthread_mutex_t loops_lock = PTHREAD_MUTEX_INITIALIZER;
static bool stopping;
/* Start-up: each thread posts @started when set up, then waits for @go. */
static sem_t started, go;

/* ---- Stopping ---- */

/* Stops every loop; callable from any thread (thread 0's signal coroutine, main). */
static void stop_all(void)
{
	pthread_mutex_lock(&loops_lock);
	stopping = true;
	for (unsigned i = 0; i < n_workers; i++)
		if (workers[i].loop)
			hk_loop_stop(workers[i].loop);
	pthread_mutex_unlock(&loops_lock);
}

/*
 * Makes @loop reachable by stop_all() (NULL: no longer). Returns whether the
 * thread should run it: a signal may have come while it was being set up.
 */
static bool publish_loop(struct worker *w, hk_loop *loop)
{
	pthread_mutex_lock(&loops_lock);
	w->loop = loop;
	bool run = !stopping;
	pthread_mutex_unlock(&loops_lock);
	return run;
}

/* ---- Coroutines ---- */

static bool is_reset(long r)
{
	return r == -ECONNRESET || r == -EPIPE;
}

/*
 * Where the kernel handled the connection's packets. With SO_INCOMING_CPU
 * on the listeners, connections should arrive on the thread of the CPU that
 * handles them; those that did not are counted, as are those that came
 * through a NIC queue (NAPI instance) other than the thread's own.
 */
static void note_locality(struct worker *w, hk_co *co, int fd)
{
	int cpu = -1;
	unsigned napi_id = 0;

	if (!HK_FD_IS_FIXED(fd)) {
		cpu = hk_socket_incoming_cpu(fd);
		if (hk_socket_incoming_napi_id(fd, &napi_id) < 0)
			napi_id = 0;
	} else if (hk_loop_features(hk_co_loop(co)) & HK_URING_SOCKET_CMD) {
		/* A fixed slot has no descriptor: ask through the ring. */
		if (hk_co_getsockopt(co, fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, sizeof(cpu)) < 0)
			cpu = -1;
		if (hk_co_getsockopt(co, fd, SOL_SOCKET, SO_INCOMING_NAPI_ID, &napi_id,
				     sizeof(napi_id)) < 0)
			napi_id = 0;
	}
	if (napi_id != 0 && w->napi_id == 0)
		w->napi_id = napi_id;
	if ((cpu >= 0 && cpu != w->cpu) || (napi_id != 0 && napi_id != w->napi_id))
		w->c.foreign_cpu++;
}

/*
 * One TCP connection: echoes until EOF, a reset, an error or the idle
 * timeout. Data comes from a multishot recv into the receive ring; each
 * buffer goes back with one send (MSG_WAITALL: all of it, or an error),
 * and the buffer returns to the ring when the send is done. The send is
 * not waited for alone: the coroutine waits for both the send and the
 * next data (HK_WAIT_ALL, which ends early on a failure), so a request
 * costs one resume, not two.
 */
static void connection(hk_co *co, void *arg)
{
	struct worker *w = self;
	int fd = (int)(intptr_t)arg;
	bool starved = false;
	hk_recv_buf out = {0};
	int send = -1, r = 0;

	/* Dropped before it first ran (the loop freed, or hk_co_own() failed). */
	if (hk_co_dead(co)) {
		w->c.closed++;
		return;
	}
	note_locality(w, co, fd);
	if (opt.idle_ns)
		hk_co_set_inactivity(co, opt.idle_ns);
	int op = hk_op_recv_multishot(co, fd);
	while (op >= 0) {
		r = hk_co_wait(co, 1u << op | (send >= 0 ? 1u << send : 0), HK_WAIT_ALL);
		if (r >= 0 && send >= 0) {
			/* Woken by the recv failing: the send's outcome first. */
			if (!(r & 1u << send))
				r = hk_co_wait(co, 1u << send, HK_WAIT_ALL);
			if (r >= 0)
				r = hk_co_result(co, send);
			/* MSG_WAITALL: short only when interrupted. */
			if (r >= 0 && (size_t)r < out.len)
				r = (int)hk_co_send_all(co, fd, (char *)out.data + r,
							out.len - (size_t)r, MSG_NOSIGNAL);
			hk_co_recv_buf_put(co, out.id);
			send = -1;
		}
		if (r < 0)
			break;
		r = hk_co_recv_next(co, op, &out);
		if (r > 0) {
			w->c.tcp_bytes += out.len;
			starved = false;
			/* MSG_NOSIGNAL: a peer gone makes EPIPE, not SIGPIPE. */
			send = hk_op_send(co, fd, out.data, out.len, MSG_NOSIGNAL | MSG_WAITALL);
			if (send < 0) {
				hk_co_recv_buf_put(co, out.id);
				r = send;
				break;
			}
			continue;
		}
		if (r != -ENOBUFS) {
			if (r == -EAGAIN)
				continue;
			break;
		}
		/*
		 * The ring ran dry: the thread's other connections hold every
		 * buffer, and give them back as they send. Let them run, then
		 * start again; still dry, pause a little.
		 */
		w->c.starved++;
		r = starved ? hk_co_sleep(co, HK_MSEC) : hk_co_yield(co);
		starved = true;
		op = r < 0 ? r : hk_op_recv_multishot(co, fd);
	}
	w->c.resets += is_reset(r) || is_reset(op);
	/* The runtime closes @fd, which the acceptor gave this coroutine, and
	 * cancels the recv. */
	w->c.closed++;
}

/* Closes an accepted connection nobody took: a descriptor or a fixed slot. */
static void drop_accepted(hk_co *acceptor, int fd)
{
	if (HK_FD_IS_FIXED(fd))
		hk_co_close(acceptor, fd);
	else
		close(fd);
}

/* Hands accepted @fd to a new connection coroutine, which owns it from then on. */
static void start_connection(struct worker *w, hk_co *acceptor, int fd)
{
	hk_co *co;

	w->c.accepted++;
	int r = hk_co_spawn(hk_co_loop(acceptor), connection, (void *)(intptr_t)fd, &co);
	if (r < 0) {
		drop_accepted(acceptor, fd);
		w->c.closed++;
		return;
	}
	r = hk_co_own(co, fd, HK_OWN_CLOSE);
	if (r < 0) {
		hk_co_drop(co); /* it counts itself closed when it runs */
		drop_accepted(acceptor, fd);
	}
}

/* Errors of accept() that end the acceptor: the listener itself is unusable. */
static bool accept_fatal(int r)
{
	return r == -EBADF || r == -EINVAL || r == -ENOTSOCK || r == -EOPNOTSUPP;
}

/*
 * Accepts with one multishot accept, re-armed when it ends, into the fixed
 * file table (the kernel then skips looking the socket up on every
 * operation) unless --no-fixed-files. Out of descriptors (EMFILE, ENFILE:
 * also a full fixed table, sized from RLIMIT_NOFILE) or memory, the
 * connection waits in the listen queue: sleep, doubling the pause, then
 * try again.
 */
static void acceptor(hk_co *co, void *arg)
{
	struct worker *w = arg;
	uint64_t backoff = BACKOFF_MIN;

	for (;;) {
		int op = hk_op_accept_multishot(co, w->tcp_fd, w->accept_flags);
		if (op < 0)
			return;

		int r, fd;
		do {
			r = hk_co_wait(co, 1u << op, HK_WAIT_ANY);
			if (r < 0)
				return; /* dropped: the runtime cancels the accept */
			while ((r = hk_co_accept_next(co, op, &fd)) == 1) {
				start_connection(w, co, fd);
				backoff = BACKOFF_MIN;
			}
		} while (r == 0);

		/* The accept ended with @r; its op slot is free again. */
		if (hk_co_dead(co) || accept_fatal(r))
			return;
		if (r == -EMFILE || r == -ENFILE || r == -ENOBUFS || r == -ENOMEM) {
			w->c.backoffs++;
			hk_co_sleep(co, backoff);
			backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
		}
	}
}

/* Echoes datagrams to their sender, in @arg (a buffer of UDP_BUF_SIZE). */
static void udp_echo(hk_co *co, void *arg)
{
	struct worker *w = self;
	struct sockaddr_storage peer;
	struct iovec iov;
	struct msghdr msg = {.msg_name = &peer, .msg_iov = &iov, .msg_iovlen = 1};

	for (;;) {
		iov = (struct iovec){.iov_base = arg, .iov_len = UDP_BUF_SIZE};
		msg.msg_namelen = sizeof(peer);
		int n = hk_co_recvmsg(co, w->udp_fd, &msg, 0);
		if (hk_co_dead(co))
			return;
		if (n < 0) {
			/* Short of memory now, or a stale ICMP error: retry. */
			if (n == -ENOBUFS || n == -ENOMEM || n == -ECONNREFUSED || n == -EINTR)
				continue;
			return;
		}
		w->c.udp_datagrams++;
		w->c.udp_bytes += (unsigned)n;
		/* A reply that cannot go out is lost, as UDP allows. */
		iov.iov_len = (size_t)n;
		hk_co_sendmsg(co, w->udp_fd, &msg, 0);
	}
}

/* Thread 0: waits for SIGINT or SIGTERM, then stops every loop. */
static void on_signal(hk_co *co, void *arg)
{
	struct worker *w = arg;
	struct signalfd_siginfo si;

	int r = hk_co_read(co, w->signal_fd, &si, sizeof(si), 0);
	if (hk_co_dead(co))
		return;
	if (r != (int)sizeof(si)) {
		/* Without it the daemon could not be stopped: stop now. */
		w->error = r < 0 ? r : -EIO;
		w->failed = "read the signalfd";
	}
	stop_all();
}

/* ---- Threads ---- */

/* Pins the thread, opens its sockets, and makes its loop and coroutines. */
static int setup(struct worker *w, hk_loop **ret)
{
	hk_loop_params params = {
	    .stack_size = opt.stack_size,
	    .flags = HK_LOOP_GUARD_REPORT,
	    .recv_buffers = opt.recv_buffers,
	    .recv_buffer_size = opt.recv_buffer_size,
	    .fixed_files = opt.accept_slots,
	    .accept_slots = opt.accept_slots,
	};
	hk_loop *loop = NULL;
	uint16_t port;
	int r;

	w->failed = "pin the thread";
	r = hk_thread_pin(w->cpu);
	if (r < 0)
		return r;
	/* Opened by the thread itself, so its socket structures are
	 * allocated on its CPU's NUMA node. */
	w->failed = "listen on TCP";
	r = hk_socket_listen(SOCK_STREAM, opt.bind, (uint16_t)w->tcp_port, 0, w->cpu, &w->tcp_fd,
			     &port);
	if (r < 0)
		return r;
	w->tcp_port = port;
	if (w->udp_port >= 0) {
		w->failed = "bind UDP";
		r = hk_socket_listen(SOCK_DGRAM, opt.bind, (uint16_t)w->udp_port, 0, w->cpu,
				     &w->udp_fd, &port);
		if (r < 0)
			return r;
		w->udp_port = port;
	}

	w->failed = "create the io_uring loop";
	r = hk_loop_new(&params, &loop);
	if (r < 0)
		return r;
	if (hk_loop_features(loop) & HK_URING_FILE_ALLOC)
		w->accept_flags = HK_ACCEPT_FIXED;
	w->failed = "start the coroutines";
	r = hk_co_spawn(loop, acceptor, w, NULL);
	for (unsigned i = 0; r >= 0 && w->udp_fd >= 0 && i < UDP_COROUTINES; i++)
		r = hk_co_spawn(loop, udp_echo, w->udp_buf[i], NULL);
	if (r >= 0 && w->signal_fd >= 0)
		r = hk_co_spawn(loop, on_signal, w, NULL);
	if (r < 0) {
		hk_loop_free(loop);
		return r;
	}
	w->failed = NULL;
	*ret = loop;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	hk_loop *loop = NULL;

	self = w;
	w->error = setup(w, &loop);
	bool run = w->error >= 0 && publish_loop(w, loop);
	sem_post(&started);
	/*
	 * Serve once main has printed the listening line. Not needed by the
	 * kernel (the listeners queue connections already), but by valgrind
	 * (3.19): a thread blocked in io_uring_enter() holds its scheduler
	 * lock, and main would never get to print.
	 */
	while (sem_wait(&go) < 0 && errno == EINTR)
		;

	if (run) {
		int r = hk_loop_run(loop);
		if (r < 0) {
			w->error = r;
			w->failed = "run the io_uring loop";
		}
	}
	if (loop) {
		hk_loop_stats stats;

		publish_loop(w, NULL);
		hk_loop_get_stats(loop, &stats);
		w->c.enters = stats.enters;
		w->c.cqes = stats.cqes;
		/* Drops the coroutines: each connection ends, counted, closed. */
		hk_loop_free(loop);
	}
	if (w->tcp_fd >= 0)
		close(w->tcp_fd);
	if (w->udp_fd >= 0)
		close(w->udp_fd);
	return NULL;
}

/* ---- Options ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " --tcp PORT [--udp PORT] [--cpus LIST] [--bind ADDR]\n"
		"                    [--idle-timeout SECONDS] [--stack-size BYTES]\n"
		"                    [--recv-buffers N] [--recv-buffer-size BYTES]\n"
		"                    [--no-fixed-files]\n"
		"\n"
		"A TCP and UDP echo daemon on hostkit's io_uring runtime: one thread per\n"
		"CPU, each pinned, with its own loop and SO_REUSEPORT sockets.\n"
		"\n"
		"  --tcp PORT              TCP port (0: the kernel picks one)\n"
		"  --udp PORT              also echo UDP datagrams on PORT (0: any)\n"
		"  --cpus LIST             CPUs to run on, as \"0-3,8\" (default: every CPU\n"
		"                          this process may use)\n"
		"  --bind ADDR             numeric IPv4 or IPv6 address (default 127.0.0.1)\n"
		"  --idle-timeout SECONDS  close connections idle this long (default: never)\n"
		"  --stack-size BYTES      coroutine stack size (default 65536, at least %u)\n"
		"  --recv-buffers N        buffers in each thread's receive ring, a power\n"
		"                          of two (default %u)\n"
		"  --recv-buffer-size BYTES  size of each (default %u)\n"
		"  --no-fixed-files        plain descriptors for connections, not slots of\n"
		"                          the rings' fixed file tables\n"
		"  -h, --help              show this help\n"
		"\n"
		"Prints \"listening tcp=ADDR:PORT udp=ADDR:PORT cpus=LIST\" once ready and a\n"
		"counters line when SIGINT or SIGTERM ends it.\n",
		MIN_STACK_SIZE, RECV_BUFFERS, RECV_BUFFER_SIZE);
}

/* A usage error: says what was wrong with which argument, exits 2. */
static _Noreturn __attribute__((format(printf, 1, 2))) void bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	exit(2);
}

/* A decimal number in [@min, @max], or exit 2 naming option @name. */
static uint64_t parse_number(const char *name, const char *s, uint64_t min, uint64_t max)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != 0 || errno != 0 || v < min || v > max)
		bad_usage("bad %s '%s': expected a number from %" PRIu64 " to %" PRIu64, name, s,
			  min, max);
	return v;
}

static void parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"tcp", required_argument, NULL, 't'},
	    {"udp", required_argument, NULL, 'u'},
	    {"cpus", required_argument, NULL, 'c'},
	    {"bind", required_argument, NULL, 'b'},
	    {"idle-timeout", required_argument, NULL, 'i'},
	    {"stack-size", required_argument, NULL, 's'},
	    {"recv-buffers", required_argument, NULL, 'r'},
	    {"recv-buffer-size", required_argument, NULL, 'R'},
	    {"no-fixed-files", no_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	bool have_tcp = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			opt.tcp_port = (int)parse_number("--tcp", optarg, 0, 65535);
			have_tcp = true;
			break;
		case 'u':
			opt.udp_port = (int)parse_number("--udp", optarg, 0, 65535);
			break;
		case 'c':
			if (!opt.cpus)
				opt.cpus = hk_cpuset_new();
			if (!opt.cpus) {
				fprintf(stderr, PROG ": out of memory\n");
				exit(1);
			}
			if (hk_cpuset_parse_list(opt.cpus, optarg, strlen(optarg)) < 0 ||
			    hk_cpuset_is_empty(opt.cpus))
				bad_usage("bad --cpus '%s': expected a CPU list such as 0-3,8",
					  optarg);
			break;
		case 'b': {
			unsigned char a[sizeof(struct in6_addr)];
			if (inet_pton(AF_INET, optarg, a) != 1 &&
			    inet_pton(AF_INET6, optarg, a) != 1)
				bad_usage(
				    "bad --bind '%s': expected a numeric IPv4 or IPv6 address",
				    optarg);
			opt.bind = optarg;
			break;
		}
		case 'i':
			opt.idle_ns =
			    parse_number("--idle-timeout", optarg, 0, 86400 * 365) * HK_SEC;
			break;
		case 's':
			opt.stack_size =
			    parse_number("--stack-size", optarg, MIN_STACK_SIZE, MAX_STACK_SIZE);
			break;
		case 'r':
			opt.recv_buffers = (unsigned)parse_number("--recv-buffers", optarg, 1,
								  MAX_RECV_BUFFERS);
			if (opt.recv_buffers & (opt.recv_buffers - 1))
				bad_usage("bad --recv-buffers '%s': expected a power of two",
					  optarg);
			break;
		case 'R':
			opt.recv_buffer_size = parse_number("--recv-buffer-size", optarg,
							    MIN_RECV_BUFFER_SIZE, MAX_RECV_BUFFER_SIZE);
			break;
		case 'F':
			opt.no_fixed_files = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			/* getopt said which option, unknown or missing its value. */
			fprintf(stderr, "Try '" PROG " --help'.\n");
			exit(2);
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'", argv[optind]);
	if (!have_tcp)
		bad_usage("--tcp PORT is required");
}

/*
 * The CPUs to run on: --cpus, each of which must be allowed to this process,
 * or every allowed CPU (affinity and cgroup cpuset, from the topology).
 */
static void resolve_cpus(void)
{
	hk_diag diag = {};
	hk_root *root = NULL;
	hk_topology *topo = NULL;

	int r = hk_root_open("/", 0, &diag, &root);
	if (r >= 0)
		r = hk_topology_load(root, &diag, &topo);
	if (r < 0) {
		fprintf(stderr, PROG ": cannot read the CPU topology: %s\n",
			diag.message[0] ? diag.message : strerror(-r));
		exit(1);
	}
	const hk_cpuset *allowed = hk_topology_cpus(topo, HK_CPUS_ALLOWED);
	if (!opt.cpus) {
		opt.cpus = hk_cpuset_dup(allowed);
		if (!opt.cpus) {
			fprintf(stderr, PROG ": out of memory\n");
			exit(1);
		}
	}
	HK_CPUSET_FOREACH (cpu, opt.cpus) {
		if (!hk_cpuset_test(allowed, (unsigned)cpu)) {
			char list[256];
			hk_cpuset_format_list(allowed, list, sizeof(list));
			fprintf(stderr,
				PROG ": CPU %d of --cpus is not allowed to this process "
				     "(allowed: %s)\nTry '" PROG " --help'.\n",
				cpu, list);
			exit(2);
		}
	}
	hk_topology_free(topo);
	hk_root_free(root);
}

/*
 * Connections are descriptors: take every one the hard limit allows. As
 * fixed file slots they are not, but the limit still bounds them (and the
 * kernel bounds a table by it): each thread gets its share.
 */
static void raise_nofile(unsigned threads)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!opt.no_fixed_files && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t share = rl.rlim_cur / threads;

		opt.accept_slots = share > MAX_ACCEPT_SLOTS ? MAX_ACCEPT_SLOTS : (unsigned)share;
	}
}

/* ---- Main ---- */

/* "127.0.0.1:7" or "[::1]:7" for the bound address and @port, into @buf. */
static void format_endpoint(int port, char *buf, size_t size)
{
	const char *address = opt.bind ? opt.bind : "127.0.0.1";
	unsigned char a[sizeof(struct in6_addr)];
	char host[INET6_ADDRSTRLEN] = "?";

	if (port < 0) {
		snprintf(buf, size, "-");
	} else if (inet_pton(AF_INET, address, a) == 1) {
		inet_ntop(AF_INET, a, host, sizeof(host));
		snprintf(buf, size, "%s:%d", host, port);
	} else {
		if (inet_pton(AF_INET6, address, a) == 1)
			inet_ntop(AF_INET6, a, host, sizeof(host));
		snprintf(buf, size, "[%s]:%d", host, port);
	}
}

/* Starts a thread per CPU, one after the other. 0, or -1 when one failed (said on stderr). */
static int start_workers(int signal_fd)
{
	unsigned i = 0;

	HK_CPUSET_FOREACH (cpu, opt.cpus) {
		struct worker *w = &workers[i];

		/* The first thread binds the ports asked for (maybe 0); the
		 * others join the port it got. */
		w->cpu = cpu;
		w->tcp_port = i == 0 ? opt.tcp_port : workers[0].tcp_port;
		w->udp_port = i == 0 ? opt.udp_port : workers[0].udp_port;
		w->signal_fd = i == 0 ? signal_fd : -1;
		w->tcp_fd = w->udp_fd = -1;
		int r = -pthread_create(&w->thread, NULL, worker_main, w);
		if (r < 0) {
			fprintf(stderr, PROG ": cannot start a thread for CPU %d: %s\n", cpu,
				strerror(-r));
			return -1;
		}
		/* Under the lock: thread 0's stop_all() reads the count. */
		pthread_mutex_lock(&loops_lock);
		n_workers = ++i;
		pthread_mutex_unlock(&loops_lock);
		/* One at a time: the next thread needs this one's ports. */
		while (sem_wait(&started) < 0 && errno == EINTR)
			;
		if (w->error < 0) {
			fprintf(stderr, PROG ": cannot %s on CPU %d: %s\n", w->failed, cpu,
				strerror(-w->error));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	sigset_t mask;
	int status = 0;
	bool started_all = false;

	parse_options(argc, argv);
	resolve_cpus();
	raise_nofile(hk_cpuset_count(opt.cpus));

	/* Blocked here, before any thread exists, so every thread inherits
	 * the mask and the signals wait for thread 0's signalfd. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	int signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (signal_fd < 0) {
		fprintf(stderr, PROG ": cannot create a signalfd: %m\n");
		return 1;
	}

	unsigned n = hk_cpuset_count(opt.cpus);
	workers = calloc(n, sizeof(*workers));
	if (!workers || sem_init(&started, 0, 0) < 0 || sem_init(&go, 0, 0) < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}

	if (start_workers(signal_fd) < 0) {
		stop_all();
		status = 1;
	} else {
		char tcp[INET6_ADDRSTRLEN + 8], udp[INET6_ADDRSTRLEN + 8];
		started_all = true;
		char *list = hk_cpuset_to_list(opt.cpus);

		format_endpoint(workers[0].tcp_port, tcp, sizeof(tcp));
		format_endpoint(workers[0].udp_port, udp, sizeof(udp));
		printf("listening tcp=%s udp=%s cpus=%s\n", tcp, udp, list ? list : "?");
		fflush(stdout);
		free(list);
	}
	for (unsigned i = 0; i < n_workers; i++)
		sem_post(&go);

	struct counters sum = {};
	for (unsigned i = 0; i < n_workers; i++) {
		const struct counters *c = &workers[i].c;

		pthread_join(workers[i].thread, NULL);
		if (workers[i].error < 0 && status == 0) {
			fprintf(stderr, PROG ": cannot %s on CPU %d: %s\n", workers[i].failed,
				workers[i].cpu, strerror(-workers[i].error));
			status = 1;
		}
		sum.accepted += c->accepted;
		sum.closed += c->closed;
		sum.resets += c->resets;
		sum.tcp_bytes += c->tcp_bytes;
		sum.udp_datagrams += c->udp_datagrams;
		sum.udp_bytes += c->udp_bytes;
		sum.backoffs += c->backoffs;
		sum.foreign_cpu += c->foreign_cpu;
		sum.enters += c->enters;
		sum.cqes += c->cqes;
		sum.starved += c->starved;
	}

	/* Counters only for a daemon that ran: a failed start said why. */
	struct rusage ru = {};
	getrusage(RUSAGE_SELF, &ru);
	if (started_all)
		printf("counters threads=%u accepted=%" PRIu64 " closed=%" PRIu64 " resets=%" PRIu64
		       " tcp_bytes=%" PRIu64 " udp_datagrams=%" PRIu64 " udp_bytes=%" PRIu64
		       " backoffs=%" PRIu64 " foreign_cpu=%" PRIu64 " user_us=%" PRIu64
		       " sys_us=%" PRIu64 " enters=%" PRIu64 " cqes=%" PRIu64 " starved=%" PRIu64
		       "\n",
		       n_workers, sum.accepted, sum.closed, sum.resets, sum.tcp_bytes,
		       sum.udp_datagrams, sum.udp_bytes, sum.backoffs, sum.foreign_cpu,
		       (uint64_t)ru.ru_utime.tv_sec * 1000000 + (uint64_t)ru.ru_utime.tv_usec,
		       (uint64_t)ru.ru_stime.tv_sec * 1000000 + (uint64_t)ru.ru_stime.tv_usec,
		       sum.enters, sum.cqes, sum.starved);
	fflush(stdout);

	close(signal_fd);
	sem_destroy(&started);
	sem_destroy(&go);
	free(workers);
	hk_cpuset_free(opt.cpus);
	return status;
}

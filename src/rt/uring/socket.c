/* SPDX-License-Identifier: MIT */
/*
 * Sockets for a thread-per-core server: one SO_REUSEPORT listener per
 * thread, each pinned to its CPU, and the kernel's view of where a
 * connection's packets were handled (SO_INCOMING_CPU, SO_INCOMING_NAPI_ID).
 * Plain syscalls: these run once per listener or connection, not per
 * operation, so the ring has nothing to save here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hostkit/cpuset.h>
#include <hostkit/uring.h>

#include "base/macro.h"

/* Older libc headers lack the newer socket options; the numbers are ABI. */
#ifndef SO_INCOMING_CPU
#define SO_INCOMING_CPU 49
#endif
#ifndef SO_INCOMING_NAPI_ID
#define SO_INCOMING_NAPI_ID 56
#endif

typedef union {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
} sockaddr_any;

/* Fills @ret from numeric @address (NULL: 127.0.0.1) and @port; its length in @ret_len. */
static int parse_address(const char *address, uint16_t port, sockaddr_any *ret, socklen_t *ret_len)
{
	sockaddr_any a = {};

	if (!address)
		address = "127.0.0.1";
	if (inet_pton(AF_INET, address, &a.in4.sin_addr) == 1) {
		a.in4.sin_family = AF_INET;
		a.in4.sin_port = htons(port);
		*ret = a;
		*ret_len = sizeof(a.in4);
		return 0;
	}
	if (inet_pton(AF_INET6, address, &a.in6.sin6_addr) == 1) {
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_port = htons(port);
		*ret = a;
		*ret_len = sizeof(a.in6);
		return 0;
	}
	return -EINVAL;
}

static int set_int_option(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
		return -errno;
	return 0;
}

HK_API int hk_socket_listen(int type, const char *address, uint16_t port, int backlog, int cpu,
			    int *ret_fd, uint16_t *ret_port)
{
	_cleanup_close_ int fd = -EBADF;
	sockaddr_any a;
	socklen_t len;
	int r;

	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -EINVAL;
	if (backlog < 0 || !ret_fd)
		return -EINVAL;
	r = parse_address(address, port, &a, &len);
	if (r < 0)
		return r;

	fd = socket(a.sa.sa_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* SO_REUSEADDR: a restarted daemon binds again while old connections
	 * sit in TIME_WAIT. SO_REUSEPORT: one socket per thread on one port,
	 * the kernel spreading connections and datagrams among them. */
	r = set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (r < 0)
		return r;
	r = set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (r < 0)
		return r;
	/* Among the sockets of a reuseport group, the kernel prefers the one
	 * whose SO_INCOMING_CPU is the CPU handling the packet, so that a
	 * connection stays on the CPU its interrupts land on. (Linux 4.6 to
	 * 6.0 ignored it in reuseport groups; fixed by commit b261eda84ec1,
	 * "soreuseport: Fix socket selection for SO_INCOMING_CPU".) */
	if (cpu >= 0) {
		r = set_int_option(fd, SOL_SOCKET, SO_INCOMING_CPU, cpu);
		if (r < 0)
			return r;
	}
	if (bind(fd, &a.sa, len) < 0)
		return -errno;
	if (type == SOCK_STREAM && listen(fd, backlog ? backlog : SOMAXCONN) < 0)
		return -errno;

	if (ret_port) {
		sockaddr_any bound;
		socklen_t bound_len = sizeof(bound);

		if (getsockname(fd, &bound.sa, &bound_len) < 0)
			return -errno;
		*ret_port = ntohs(bound.sa.sa_family == AF_INET6 ? bound.in6.sin6_port
								 : bound.in4.sin_port);
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

HK_API int hk_socket_incoming_cpu(int fd)
{
	int cpu = -1;
	socklen_t len = sizeof(cpu);

	if (getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len) < 0)
		return -errno;
	/* -1: no packet has been handled for this socket yet. */
	if (cpu < 0)
		return -ENODATA;
	return cpu;
}

HK_API int hk_socket_incoming_napi_id(int fd, unsigned *ret)
{
	unsigned id = 0;
	socklen_t len = sizeof(id);

	if (!ret)
		return -EINVAL;
	if (getsockopt(fd, SOL_SOCKET, SO_INCOMING_NAPI_ID, &id, &len) < 0)
		return -errno;
	*ret = id;
	return 0;
}

HK_API int hk_thread_pin(int cpu)
{
	if (cpu < 0 || (unsigned)cpu >= HK_CPU_MAX)
		return -EINVAL;

	/* A dynamically sized set: CPU numbers may pass CPU_SETSIZE (1024). */
	cpu_set_t *set = CPU_ALLOC((unsigned)cpu + 1);
	if (!set)
		return -ENOMEM;
	size_t size = CPU_ALLOC_SIZE((unsigned)cpu + 1);
	CPU_ZERO_S(size, set);
	CPU_SET_S((unsigned)cpu, size, set);

	/* pid 0 is the calling thread. The kernel refuses (EINVAL) a set
	 * holding no CPU that is online and in the process's cpuset cgroup. */
	int r = sched_setaffinity(0, size, set) < 0 ? -errno : 0;
	CPU_FREE(set);
	return r;
}

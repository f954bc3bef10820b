/* SPDX-License-Identifier: MIT */
#ifndef HK_TESTS_PRIV_NETNS_H
#define HK_TESTS_PRIV_NETNS_H

/*
 * A network namespace of the test's own, for the priv suite: made with
 * `ip netns add hk-test-<pid>`, removed at exit, on a fatal signal and on
 * the termination signals meson sends at a timeout, so that a failing or
 * interrupted test leaves neither the namespace nor its veth pairs behind.
 * Only SIGKILL escapes; netns_sweep_stale() removes what such a run left.
 *
 * Removal is what `ip netns del` does (iproute2's netns_delete): detach the
 * bind mount under /run/netns and unlink it. The kernel then destroys the
 * namespace and every device in it once no process is left inside. Both
 * are system calls, so the signal handlers can do it themselves.
 *
 * Commands run inside the namespace through `ip netns exec NS`, which also
 * remounts /sys for it: the only way to see the namespace's own
 * /sys/class/net.
 *
 * Header only (static functions): the priv tests are single programs and
 * this keeps them buildable without a meson line per helper.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base/macro.h"
#include "base/parse.h"
#include "tests/support/harness.h"

#define NETNS_RUN_DIR "/run/netns"
#define NETNS_PREFIX  "hk-test-"

/* The one namespace this process removes at exit; set by netns_create(). */
static char netns_at_exit_path[128];
static pid_t netns_at_exit_owner;

/* Async-signal-safe: two system calls, as `ip netns del` makes them. */
static void netns_remove_path(const char *path)
{
	(void)umount2(path, MNT_DETACH);
	(void)unlink(path);
}

static void netns_remove_at_exit(void)
{
	if (netns_at_exit_path[0] && getpid() == netns_at_exit_owner) {
		netns_remove_path(netns_at_exit_path);
		netns_at_exit_path[0] = '\0';
	}
}

static void netns_on_signal(int sig)
{
	netns_remove_at_exit();
	/* Die of the same signal, so that meson and the shell see what happened. */
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Removes namespaces named hk-test-<pid> whose process is gone: those of a
 * run that was killed with SIGKILL. Returns how many it removed.
 */
static inline int netns_sweep_stale(void)
{
	_cleanup_closedir_ DIR *d = opendir(NETNS_RUN_DIR);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t plen = strlen(NETNS_PREFIX);
		int pid;
		char path[128];

		if (strncmp(de->d_name, NETNS_PREFIX, plen) != 0)
			continue;
		if (hk_parse_int(de->d_name + plen, strlen(de->d_name + plen), &pid) < 0 ||
		    pid <= 0)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		if ((size_t)snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", de->d_name) >=
		    sizeof(path))
			continue;
		netns_remove_path(path);
		n++;
	}
	return n;
}

/*
 * Makes the namespace hk-test-<pid>, its name in @name of @size bytes, and
 * has it removed at exit and on SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGABRT,
 * SIGSEGV, SIGBUS, SIGFPE and SIGILL. One namespace per program: -EBUSY for
 * a second one. Errors: -ENAMETOOLONG, those of harness_run(), -EIO when
 * `ip netns add` fails (its stderr is the test's).
 */
static inline int netns_create(char *name, size_t size)
{
	static const int sigs[] = {SIGINT,  SIGTERM, SIGHUP, SIGQUIT, SIGPIPE,
				   SIGABRT, SIGSEGV, SIGBUS, SIGFPE,  SIGILL};
	char path[sizeof(netns_at_exit_path)];
	int r;

	if (netns_at_exit_path[0])
		return -EBUSY;
	if ((size_t)snprintf(name, size, NETNS_PREFIX "%d", (int)getpid()) >= size ||
	    (size_t)snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name) >= sizeof(path))
		return -ENAMETOOLONG;

	/* Armed before the namespace exists, so no window leaves it behind. */
	if (atexit(netns_remove_at_exit) != 0)
		return -ENOMEM;
	memcpy(netns_at_exit_path, path, sizeof(path));
	netns_at_exit_owner = getpid();
	for (unsigned i = 0; i < ELEMENTSOF(sigs); i++) {
		struct sigaction sa = {.sa_handler = netns_on_signal};
		sigemptyset(&sa.sa_mask);
		(void)sigaction(sigs[i], &sa, NULL);
	}

	r = harness_run_status((char *[]){"ip", "netns", "add", name, NULL});
	if (r != 0) {
		/* Not ours: it may be another run's of the same pid in another container. */
		netns_at_exit_path[0] = '\0';
		return r < 0 ? r : -EIO;
	}
	return 0;
}

/* Whether the namespace file of @name is gone (after netns_destroy()). */
static inline bool netns_gone(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	return access(path, F_OK) < 0 && errno == ENOENT;
}

/* Removes the namespace now, as exit would. */
static inline void netns_destroy(void)
{
	netns_remove_at_exit();
}

/*
 * "ip netns exec NS ARGV..." in @buf of @n pointers (argv NULL-terminated);
 * NULL when it does not fit.
 */
static inline char **netns_argv(const char *ns, char *const *argv, char **buf, size_t n)
{
	size_t k = 0;

	if (n < 5)
		return NULL;
	buf[k++] = (char *)"ip";
	buf[k++] = (char *)"netns";
	buf[k++] = (char *)"exec";
	buf[k++] = (char *)ns;
	for (size_t i = 0; argv[i]; i++) {
		if (k + 1 >= n)
			return NULL;
		buf[k++] = argv[i];
	}
	buf[k] = NULL;
	return buf;
}

#endif

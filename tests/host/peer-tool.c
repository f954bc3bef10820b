/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/macro.h"
#include "tests/host/peer-tool.h"

extern char **environ;

/* The test's environment with LC_ALL=C and without LANGUAGE or HWLOC_*. */
static char **make_env(void)
{
	size_t n = 0, k = 0;

	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof(char *));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *e = environ[i];
		if (strncmp(e, "LC_ALL=", 7) == 0 || strncmp(e, "LANGUAGE=", 9) == 0 ||
		    strncmp(e, "HWLOC_", 6) == 0)
			continue;
		env[k++] = (char *)e;
	}
	env[k] = (char *)"LC_ALL=C";
	return env;
}

bool peer_tool_in_path(const char *name)
{
	const char *path = getenv("PATH");

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchrnul(path, ':');
		char full[4096];
		int n = snprintf(full, sizeof(full), "%.*s/%s", (int)(colon - path), path, name);

		if (n > 0 && (size_t)n < sizeof(full) && access(full, X_OK) == 0)
			return true;
		path = *colon ? colon + 1 : colon;
	}
	return false;
}

static int spawn(char *const *argv, int out_fd, pid_t *ret_pid)
{
	_cleanup_free_ char **env = make_env();
	posix_spawn_file_actions_t fa;
	int r;

	if (!env)
		return -ENOMEM;
	r = posix_spawn_file_actions_init(&fa);
	if (r != 0)
		return -r;
	r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	if (r == 0) {
		/* The tool's messages then come after the test's own lines. */
		fflush(stdout);
		fflush(stderr);
		r = posix_spawnp(ret_pid, argv[0], &fa, NULL, argv, env);
	}
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

int peer_tool_run(char *const *argv, char **ret_out, size_t *ret_len, int *ret_status)
{
	_cleanup_close_ int rd = -EBADF, wr = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	int fds[2], r, status;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	rd = fds[0];
	wr = fds[1];
	r = spawn(argv, wr, &pid);
	if (r < 0)
		return r;
	close(TAKE_FD(wr));

	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			char *nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		ssize_t k = read(rd, buf + len, cap - len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	/* Reap the tool even when its output was lost; closing first unblocks it. */
	close(TAKE_FD(rd));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (r < 0)
		return r;

	buf[len] = 0;
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	*ret_out = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

const char *peer_tool_cmdline(char *const *argv)
{
	static char buf[512];
	size_t n = 0;

	buf[0] = 0;
	for (; *argv && n < sizeof(buf); argv++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "", *argv);
	return buf;
}

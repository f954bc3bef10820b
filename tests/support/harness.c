/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/macro.h"
#include "tests/support/harness.h"

extern char **environ;

/* ---- Tools ---- */

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

bool harness_in_path(const char *name)
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

/* Reads @fd to its end into a NUL-terminated buffer. */
static int read_all(int fd, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		ssize_t k = read(fd, buf + len, cap - len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		len += (size_t)k;
	}
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int harness_run(char *const *argv, char **ret_out, size_t *ret_len, int *ret_status)
{
	_cleanup_close_ int rd = -EBADF, wr = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
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

	r = read_all(rd, &buf, &len);
	/* Reap the tool even when its output was lost; closing first unblocks it. */
	close(TAKE_FD(rd));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (r < 0)
		return r;

	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	*ret_out = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int harness_run_status(char *const *argv)
{
	_cleanup_free_ char *out = NULL;
	size_t len;
	int status;

	int r = harness_run(argv, &out, &len, &status);
	return r < 0 ? r : status;
}

const char *harness_cmdline(char *const *argv)
{
	static char buf[512];
	size_t n = 0;

	buf[0] = 0;
	for (; *argv && n < sizeof(buf); argv++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "", *argv);
	return buf;
}

/* ---- Files ---- */

int harness_read_file(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return read_all(fd, ret, ret_len);
}

/* ---- Scratch trees ---- */

const char *harness_tmp_base(void)
{
	const char *base = getenv("TMPDIR");

	if (base && *base)
		return base;
	return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

int harness_mkdtemp(const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", harness_tmp_base(), name);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	if (!mkdtemp(buf))
		return -errno;
	return 0;
}

int harness_extract(const char *tarball, const char *dir, const char *const *tar_options)
{
	/* Spawned without a shell: the names hold '+' and other shell-active bytes. */
	char *argv[32] = {"tar", "-x", "-f", (char *)tarball, "-C", (char *)dir};
	size_t n = 6;

	for (; tar_options && *tar_options; tar_options++) {
		if (n == ELEMENTSOF(argv) - 1)
			return -E2BIG;
		argv[n++] = (char *)*tar_options;
	}
	argv[n] = NULL;
	int r = harness_run_status(argv);
	if (r < 0)
		return r;
	return r == 0 ? 0 : -EIO;
}

static int make_writable(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	/* A directory without write permission would keep its entries. */
	if (type == FTW_D && (st->st_mode & S_IRWXU) != S_IRWXU)
		(void)chmod(path, (st->st_mode & 07777) | S_IRWXU);
	return 0;
}

static int remove_error;

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (remove(path) < 0) {
		if (!remove_error)
			remove_error = -errno;
		fprintf(stderr, "cannot remove %s: %m\n", path);
	}
	return 0;
}

int harness_remove_tree(const char *dir)
{
	remove_error = 0;
	(void)nftw(dir, make_writable, 64, FTW_PHYS);
	if (nftw(dir, remove_one, 64, FTW_DEPTH | FTW_PHYS) < 0) {
		int r = -errno;
		fprintf(stderr, "cannot walk %s: %m\n", dir);
		return r;
	}
	return remove_error;
}

static char at_exit_dir[PATH_MAX];
static pid_t at_exit_owner;

static void remove_at_exit(void)
{
	if (at_exit_dir[0] && getpid() == at_exit_owner)
		(void)harness_remove_tree(at_exit_dir);
}

int harness_remove_at_exit(const char *dir)
{
	if (at_exit_dir[0])
		return -EBUSY;
	if (strlen(dir) >= sizeof(at_exit_dir))
		return -ENAMETOOLONG;
	if (atexit(remove_at_exit) != 0)
		return -ENOMEM;
	strcpy(at_exit_dir, dir);
	at_exit_owner = getpid();
	return 0;
}

/* SPDX-License-Identifier: MIT */
#ifndef HK_TESTS_SUPPORT_HARNESS_H
#define HK_TESTS_SUPPORT_HARNESS_H

/*
 * What the test programs do around their checks: run the tools they compare
 * hostkit with (lscpu, lstopo, tar, ...) and hostkit itself, read whole
 * files, and make and remove scratch trees. The checks and their "ok" /
 * "FAIL" lines are tests/test.h's.
 *
 * Tools run without a shell, stdin from /dev/null, stderr shared with the
 * test, stdout collected. They run with LC_ALL=C (lscpu translates its field
 * names) and without LANGUAGE or HWLOC_* variables (which can point hwloc at
 * another topology).
 */
#include <stdbool.h>
#include <stddef.h>

#include "tests/test.h"

/* ---- Tools ---- */

/* Whether @name is an executable file in one of PATH's directories. */
bool harness_in_path(const char *name);

/*
 * Runs @argv (argv[0] searched in PATH) and waits for it. On success,
 * @ret_out is its whole stdout, NUL-terminated, of @ret_len bytes (free it),
 * and @ret_status its exit status, or 128 + the signal that ended it.
 * Errors: the errno of a tool that could not be started (-ENOENT, -EACCES),
 * -ENOMEM, or that of a failed read or wait.
 */
int harness_run(char *const *argv, char **ret_out, size_t *ret_len, int *ret_status);

/* Runs @argv as harness_run() does, its stdout dropped: its exit status, or -errno. */
int harness_run_status(char *const *argv);

/* @argv joined by spaces, for messages, in a static buffer. */
const char *harness_cmdline(char *const *argv);

/*
 * harness_run() as a check: a tool that cannot start, or exits with a status
 * other than 0, fails it with a "FAIL" line (its error, -EIO for the status).
 * On success, @ret_out and @ret_len as harness_run() gives them. Inline, so
 * that it counts into the test's own test_failures.
 */
static inline int harness_run_checked(char *const *argv, char **ret_out, size_t *ret_len)
{
	char *out = NULL;
	size_t len;
	int status;

	int r = harness_run(argv, &out, &len, &status);
	if (r < 0) {
		result(false, "%s: cannot run: %s", harness_cmdline(argv), strerror(-r));
		return r;
	}
	if (status != 0) {
		free(out);
		result(false, "%s: exit status %d", harness_cmdline(argv), status);
		return -EIO;
	}
	*ret_out = out;
	*ret_len = len;
	return 0;
}

/* ---- Files ---- */

/*
 * The whole of the file at @path, NUL-terminated, in @ret (free it), its
 * length in @ret_len. Errors: those of open() and read(), -ENOMEM.
 */
int harness_read_file(const char *path, char **ret, size_t *ret_len);

/* ---- Scratch trees ---- */

/*
 * Where scratch trees go: $TMPDIR, else /dev/shm (a tmpfs, where the peer
 * tarballs of thousands of small files unpack in seconds rather than a
 * minute), else /tmp.
 */
const char *harness_tmp_base(void);

/*
 * Makes a fresh directory from @name (ending in XXXXXX, as mkdtemp() wants)
 * under harness_tmp_base(); its path in @buf of @size bytes. Errors:
 * -ENAMETOOLONG, those of mkdtemp() (errno is left as it set it).
 */
int harness_mkdtemp(const char *name, char *buf, size_t size);

/*
 * Unpacks @tarball into the directory @dir: `tar -x -f TARBALL -C DIR`, then
 * @tar_options (NULL-terminated, or NULL). Errors: those of harness_run(),
 * -EIO when tar fails.
 */
int harness_extract(const char *tarball, const char *dir, const char *const *tar_options);

/*
 * Removes @dir and everything below it, without following links, first
 * making its directories writable. A path it cannot remove is said on
 * stderr. Returns 0, or the first error.
 */
int harness_remove_tree(const char *dir);

/*
 * Has @dir removed at exit, by this process only (children that exit() do
 * not remove it). One directory per program; -EBUSY for a second one.
 */
int harness_remove_at_exit(const char *dir);

#endif
